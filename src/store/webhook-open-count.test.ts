// webhook_endpoints.open_deliveries over a real SQLite file: the triggers of migration 0017 keep
// it equal to the endpoint's pending, delivering and paused deliveries through every change, an
// upgrade counts the backlog already stored, and the claim's walk sees only active endpoints
// with something to send now.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { tempDir } from "../../test/support/temp-dir.ts"
import { openStore, type Store } from "./index.ts"
import { MIGRATIONS } from "./migrations/index.ts"

const NOW = 1_000_000

function endpoint(store: Store, id: string, status: "active" | "suspended" = "active"): void {
  store.webhooks.insertEndpoint({
    id,
    account_id: "acc_a",
    url: `https://hooks.example.com/${id}`,
    events: '["*"]',
    description: null,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    status,
    created_at: NOW,
  })
}

let n = 0
function delivery(store: Store, to: { endpoint: string } | { callback: string }): number {
  n++
  store.webhooks.insertDelivery({
    id: `whd_${n}`,
    endpoint_id: "endpoint" in to ? to.endpoint : null,
    callback_url: "callback" in to ? to.callback : null,
    account_id: "acc_a",
    event_type: "message.sent",
    message_id: null,
    order_key: null,
    payload: "{}",
    status: "pending",
    next_attempt_at: NOW,
    created_at: NOW,
  })
  return store.webhooks.delivery(`whd_${n}`)!.seq
}

/** Every endpoint's kept count next to the count of its open rows. */
function counts(db: Database): { id: string; kept: number; actual: number }[] {
  return db
    .query<{ id: string; kept: number; actual: number }, []>(
      `SELECT e.id, e.open_deliveries AS kept,
         (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id
            AND d.status IN ('pending', 'delivering', 'paused')) AS actual
       FROM webhook_endpoints e ORDER BY e.id`,
    )
    .all()
}

function settle(store: Store, seq: number, status: "succeeded" | "failed" | "pending"): void {
  store.webhooks.settle(seq, {
    status,
    attempts: 1,
    nextAttemptAt: NOW,
    statusCode: status === "succeeded" ? 200 : 500,
    error: null,
    at: NOW,
  })
}

describe("open_deliveries", () => {
  test("follows inserts, claims, outcomes, retries and deletions", () => {
    using dir = tempDir()
    const path = join(dir.path, "s.db")
    const store = openStore(path)
    const reader = new Database(path, { readonly: true })
    try {
      const [a1, a2, a3] = store.transaction(() => {
        endpoint(store, "whe_a")
        endpoint(store, "whe_b")
        delivery(store, { endpoint: "whe_b" })
        delivery(store, { callback: "https://cb.example.com/x" })
        return [1, 2, 3].map(() => delivery(store, { endpoint: "whe_a" }))
      })
      expect(counts(reader).map((c) => [c.id, c.kept])).toEqual([
        ["whe_a", 3],
        ["whe_b", 1],
      ])
      store.transaction(() => store.webhooks.markDelivering(a1!, NOW, NOW + 10_000))
      expect(counts(reader)[0]!.kept).toBe(3)
      store.transaction(() => settle(store, a1!, "succeeded"))
      expect(counts(reader)[0]!.kept).toBe(2)
      store.transaction(() => settle(store, a2!, "pending"))
      expect(counts(reader)[0]!.kept).toBe(2)
      store.transaction(() => settle(store, a2!, "failed"))
      store.transaction(() => settle(store, a3!, "succeeded"))
      expect(counts(reader)[0]!.kept).toBe(0)
      store.transaction(() => store.webhooks.deleteEndpoint("whe_b"))
      for (const c of counts(reader)) expect(c.kept).toBe(c.actual)
    } finally {
      reader.close()
      store.close()
    }
  })

  test("an upgrade from schema 16 counts the backlog already stored", () => {
    using dir = tempDir()
    const path = join(dir.path, "old.db")
    const old = new Database(path, { create: true, strict: true })
    old.exec("PRAGMA journal_mode = WAL")
    for (const m of MIGRATIONS.slice(0, 16)) old.exec(m.sql)
    old.exec("PRAGMA user_version = 16")
    const insert = (id: string, endpointId: string, status: string) =>
      old
        .query(
          `INSERT INTO webhook_deliveries (id, endpoint_id, account_id, event_type, payload, status,
             next_attempt_at, created_at, updated_at)
           VALUES (?, ?, 'acc_a', 'message.sent', '{}', ?, 0, 0, 0)`,
        )
        .run(id, endpointId, status)
    for (const id of ["whe_a", "whe_b"]) {
      old
        .query(
          `INSERT INTO webhook_endpoints (id, account_id, url, events, secret, status, created_at,
             updated_at) VALUES (?, 'acc_a', 'https://x.example.com', '["*"]', 'whsec_x', 'active', 0, 0)`,
        )
        .run(id)
    }
    insert("whd_1", "whe_a", "pending")
    insert("whd_2", "whe_a", "delivering")
    insert("whd_3", "whe_a", "succeeded")
    insert("whd_4", "whe_b", "failed")
    old.close()

    const store = openStore(path)
    try {
      const db = new Database(path, { readonly: true })
      expect(counts(db).map((c) => [c.id, c.kept, c.actual])).toEqual([
        ["whe_a", 2, 2],
        ["whe_b", 0, 0],
      ])
      db.close()
    } finally {
      store.close()
    }
  })

  test("the claim's walk skips suspended endpoints, those waiting for a retry, and those with nothing pending", () => {
    using dir = tempDir()
    const store = openStore(join(dir.path, "s.db"))
    try {
      const repo = store.webhooks
      store.transaction(() => {
        for (const id of ["whe_1", "whe_2", "whe_3", "whe_4", "whe_5"]) endpoint(store, id)
        endpoint(store, "whe_0", "suspended")
        for (const id of ["whe_0", "whe_1", "whe_2", "whe_4"]) delivery(store, { endpoint: id })
        // whe_2 failing, next probe later; whe_3 has no delivery; whe_4's is in flight.
        repo.saveEndpoint({
          ...repo.endpoint("whe_2")!,
          consecutive_failures: 2,
          retry_at: NOW + 60_000,
        })
        repo.markDelivering(repo.delivery(`whd_${n}`)!.seq, NOW, NOW + 10_000)
      })
      const walk = (now: number) => {
        const seen: string[] = []
        let after = ""
        for (;;) {
          const e = repo.nextClaimableEndpoint(after, now, [])
          if (!e) return seen
          seen.push(e.id)
          after = e.id
        }
      }
      expect(walk(NOW)).toEqual(["whe_1"])
      // Its retry time come, the failing endpoint offers its probe; resumed, the suspended one.
      expect(walk(NOW + 60_000)).toEqual(["whe_1", "whe_2"])
      store.transaction(() => repo.saveEndpoint({ ...repo.endpoint("whe_0")!, status: "active" }))
      expect(walk(NOW)).toEqual(["whe_0", "whe_1"])
    } finally {
      store.close()
    }
  })
})
