// webhook_endpoints.has_open over a real SQLite file (migration 0017): set with each new
// delivery, cleared when an outcome closes the endpoint's last open one, recounted on demand
// and on upgrade; and the claim's walk sees only active endpoints with something to send now.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { newEndpoint, pendingDelivery } from "../../test/support/store.ts"
import { tempDir } from "../../test/support/temp-dir.ts"
import { openStore, type Store } from "./index.ts"
import { MIGRATIONS } from "./migrations/index.ts"

const NOW = 1_000_000

function endpoint(store: Store, id: string, status: "active" | "suspended" = "active"): void {
  store.webhooks.insertEndpoint(newEndpoint({ id, account_id: "acc_a", status }, NOW))
}

let n = 0
function delivery(store: Store, to: { endpoint: string } | { callback: string }): number {
  n++
  store.webhooks.insertDelivery(
    pendingDelivery(
      {
        id: `whd_${n}`,
        ...("endpoint" in to ? { endpoint_id: to.endpoint } : { callback_url: to.callback }),
        account_id: "acc_a",
      },
      NOW,
    ),
  )
  return store.webhooks.delivery(`whd_${n}`)!.seq
}

function settle(store: Store, seq: number, status: "succeeded" | "failed" | "pending"): void {
  store.transaction(() =>
    store.webhooks.settle(store.webhooks.deliveryBySeq(seq)!, {
      status,
      attempts: 1,
      nextAttemptAt: NOW,
      statusCode: status === "succeeded" ? 200 : 500,
      error: null,
      at: NOW,
    }),
  )
}

const flag = (store: Store, id: string) => store.webhooks.endpoint(id)!.has_open

describe("has_open", () => {
  test("is set by a new delivery and cleared only when the endpoint's last open one ends", () => {
    using dir = tempDir()
    const store = openStore(join(dir.path, "s.db"))
    try {
      store.transaction(() => {
        endpoint(store, "whe_a")
        endpoint(store, "whe_b")
      })
      expect([flag(store, "whe_a"), flag(store, "whe_b")]).toEqual([0, 0])
      const [a1, a2] = store.transaction(() => {
        // A callback delivery flags no endpoint.
        delivery(store, { callback: "https://cb.example.com/x" })
        return [delivery(store, { endpoint: "whe_a" }), delivery(store, { endpoint: "whe_a" })]
      })
      expect([flag(store, "whe_a"), flag(store, "whe_b")]).toEqual([1, 0])
      // In flight, handed back, retried: still open.
      store.transaction(() => store.webhooks.markDelivering(a1!, NOW, NOW + 10_000))
      store.transaction(() => store.webhooks.unclaim(a1!, NOW))
      settle(store, a1!, "pending")
      expect(flag(store, "whe_a")).toBe(1)
      // a2 ends while a1 is in flight: a1 may still come back as a retry, so the flag stays.
      store.transaction(() => store.webhooks.markDelivering(a1!, NOW, NOW + 10_000))
      settle(store, a2!, "failed")
      expect(flag(store, "whe_a")).toBe(1)
      settle(store, a1!, "succeeded")
      expect(flag(store, "whe_a")).toBe(0)
      store.transaction(() => delivery(store, { endpoint: "whe_a" }))
      expect(flag(store, "whe_a")).toBe(1)
    } finally {
      store.close()
    }
  })

  test("recountOpen repairs a flag wrongly cleared or left set", () => {
    using dir = tempDir()
    const path = join(dir.path, "s.db")
    const store = openStore(path)
    try {
      store.transaction(() => {
        endpoint(store, "whe_a")
        endpoint(store, "whe_b")
        delivery(store, { endpoint: "whe_a" })
      })
      const other = new Database(path)
      other.exec("UPDATE webhook_endpoints SET has_open = CASE id WHEN 'whe_a' THEN 0 ELSE 1 END")
      other.close()
      expect([flag(store, "whe_a"), flag(store, "whe_b")]).toEqual([0, 1])
      store.transaction(() => store.webhooks.recountOpen())
      expect([flag(store, "whe_a"), flag(store, "whe_b")]).toEqual([1, 0])
    } finally {
      store.close()
    }
  })

  test("an upgrade from the schema before 0017 flags the endpoints with open deliveries", () => {
    using dir = tempDir()
    const path = join(dir.path, "old.db")
    const old = new Database(path, { create: true, strict: true })
    old.exec("PRAGMA journal_mode = WAL")
    const before = MIGRATIONS.findIndex((m) => m.name === "0017_endpoint_has_open")
    expect(before).toBeGreaterThan(0)
    for (const m of MIGRATIONS.slice(0, before)) old.exec(m.sql)
    old.exec(`PRAGMA user_version = ${before}`)
    for (const id of ["whe_a", "whe_b", "whe_c"]) {
      old
        .query(
          `INSERT INTO webhook_endpoints (id, account_id, url, events, secret, status, created_at,
             updated_at) VALUES (?, 'acc_a', 'https://x.example.com', '["*"]', 'whsec_x', 'active', 0, 0)`,
        )
        .run(id)
    }
    const insert = (id: string, endpointId: string, status: string) =>
      old
        .query(
          `INSERT INTO webhook_deliveries (id, endpoint_id, account_id, event_type, payload, status,
             next_attempt_at, created_at, updated_at)
           VALUES (?, ?, 'acc_a', 'message.sent', '{}', ?, 0, 0, 0)`,
        )
        .run(id, endpointId, status)
    insert("whd_1", "whe_a", "succeeded")
    insert("whd_2", "whe_a", "delivering")
    insert("whd_3", "whe_b", "failed")
    insert("whd_4", "whe_c", "paused")
    old.close()

    const store = openStore(path)
    try {
      expect(["whe_a", "whe_b", "whe_c"].map((id) => flag(store, id))).toEqual([1, 0, 1])
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
          const [e] = repo.claimableEndpoints(after, now, 1)
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
