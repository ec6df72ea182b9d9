import { Database } from "bun:sqlite"
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { newEndpoint, pendingDelivery } from "../../../test/support/store.ts"
import { tempDir } from "../../../test/support/temp-dir.ts"
import { openStore, type Store } from "../../store/index.ts"
import { MIGRATIONS } from "../../store/migrations/index.ts"
import type { WebhookDeliveryRow } from "../../store/webhook-repo.ts"
import { type AttemptOutcome, recordOutcome } from "./outcome.ts"

// Endpoint health is kept on the endpoint row: a failure, a recovery, a suspension or a resume
// must not rewrite the endpoint's backlog (each row costs ~1 µs on the single writer).
const BACKLOG = 2_000
const OPTIONS = {
  maxAgeMs: 24 * 60 * 60 * 1000,
  maxConsecutiveFailures: 5,
  backoff: { baseMs: 5_000, maxMs: 60 * 60 * 1000 },
}
const T0 = Date.UTC(2026, 0, 2, 3, 4, 5)
const FAILED: AttemptOutcome = {
  ok: false,
  statusCode: 503,
  error: "HTTP 503",
  retryAfterMs: null,
  interrupted: false,
}
const OK: AttemptOutcome = {
  ok: true,
  statusCode: 200,
  error: null,
  retryAfterMs: null,
  interrupted: false,
}

let dir: ReturnType<typeof tempDir>
let store: Store

beforeEach(() => {
  dir = tempDir("signalbox-wh-outcome-")
  store = openStore(join(dir.path, "db.sqlite"))
  store.transaction(() => {
    store.webhooks.insertEndpoint(newEndpoint({ id: "whk_backlog", account_id: "acc_root" }, T0))
    for (let i = 0; i < BACKLOG; i++) {
      store.webhooks.insertDelivery(
        pendingDelivery(
          {
            id: `whd_${String(i).padStart(6, "0")}`,
            endpoint_id: "whk_backlog",
            account_id: "acc_root",
            message_id: `msg_${i}`,
            order_key: `msg_${i} whk_backlog`,
          },
          T0,
        ),
      )
    }
  })
})
afterEach(() => {
  store.close()
  dir[Symbol.dispose]()
})

/** Marks delivery `seq` in flight at `at` and records `outcome` for it, as the worker does. */
function attempt(seq: number, at: number, outcome: AttemptOutcome) {
  return store.transaction(() => {
    store.webhooks.markDelivering(seq, at, at + 10_000)
    return recordOutcome(
      store.webhooks,
      OPTIONS,
      { seq, started: at, durationMs: 5, now: at },
      outcome,
    )
  })
}

/** Every delivery row except `seq`, exactly as stored. */
function backlogExcept(seq: number): (WebhookDeliveryRow | null)[] {
  const rows: (WebhookDeliveryRow | null)[] = []
  for (let s = 1; s <= BACKLOG; s++) if (s !== seq) rows.push(store.webhooks.deliveryBySeq(s))
  return rows
}

const endpoint = () => store.webhooks.endpoint("whk_backlog")!

describe("recordOutcome with a long backlog", () => {
  test("a failed probe writes the endpoint and the attempted delivery, and no other delivery", () => {
    const before = backlogExcept(1)
    attempt(1, T0 + 1_000, FAILED)
    expect(backlogExcept(1)).toEqual(before)
    const e = endpoint()
    expect(e.consecutive_failures).toBe(1)
    expect(e.retry_at).toBeGreaterThan(T0 + 1_000)
    const probe = store.webhooks.deliveryBySeq(1)!
    expect(probe.status).toBe("pending")
    expect(probe.attempts).toBe(1)
    // The worker reads the gate from the endpoint: nothing of it may be claimed before retry_at.
    expect(store.webhooks.claimableEndpoints("", T0 + 1_001, 1)).toEqual([])
    expect(store.webhooks.claimableEndpoints("", e.retry_at!, 1)[0]?.id).toBe("whk_backlog")
    expect(store.webhooks.nextDueAfter(T0 + 1_001)).toBe(e.retry_at)
  })

  test("the delivery log shows every held delivery due at the endpoint's retry time", () => {
    attempt(1, T0 + 1_000, FAILED)
    const retryAt = endpoint().retry_at!
    const page = store.webhooks.deliveriesOf("whk_backlog", null, 100)
    expect(page).toHaveLength(100)
    for (const d of page) {
      expect(d.status).toBe("pending")
      expect(d.next_attempt_at).toBe(retryAt)
    }
  })

  test("the first 2xx after failures releases the backlog without writing it", () => {
    attempt(1, T0 + 1_000, FAILED)
    const recovery = endpoint().retry_at!
    const before = backlogExcept(2)
    const notices = attempt(2, recovery, OK)
    expect(backlogExcept(2)).toEqual(before)
    expect(notices.map((n) => n.msg)).toEqual([
      "webhook endpoint answers again; releasing its held deliveries",
    ])
    expect(endpoint().consecutive_failures).toBe(0)
    expect(store.webhooks.endpointQueue("whk_backlog", 0, 8)).toHaveLength(8)
  })

  test("suspension leaves the backlog as stored and the log shows it paused; resuming writes nothing either", () => {
    let at = T0
    let notices: ReturnType<typeof attempt> = []
    for (let n = 1; n <= OPTIONS.maxConsecutiveFailures; n++) {
      at = Math.max(at + 1, endpoint().retry_at ?? at)
      notices = attempt(1, at, FAILED)
    }
    expect(endpoint().status).toBe("suspended")
    expect(notices[0]?.countWaitingOf).toBe("whk_backlog")
    const stored = backlogExcept(1)
    expect(stored.every((d) => d?.status === "pending" && d.attempts === 0)).toBe(true)
    expect(store.webhooks.waitingCount("whk_backlog")).toBe(BACKLOG)
    const shown = store.webhooks.deliveriesOf("whk_backlog", null, 100)
    expect(shown.every((d) => d.status === "paused")).toBe(true)
    expect(store.webhooks.deliveriesOf("whk_backlog", null, 100, "paused")).toHaveLength(100)
    expect(store.webhooks.deliveriesOf("whk_backlog", null, 100, "pending")).toHaveLength(0)
    expect(store.webhooks.claimableEndpoints("", at + 10 * 60 * 60 * 1000, 1)).toEqual([])

    // Re-enabling (as PATCH {"status": "active"} does) touches the endpoint row only.
    store.transaction(() => {
      store.webhooks.saveEndpoint({
        ...endpoint(),
        status: "active",
        suspended_reason: null,
        consecutive_failures: 0,
        failing_since: null,
        last_failure_at: null,
        retry_at: null,
        updated_at: at + 1,
      })
    })
    expect(backlogExcept(1)).toEqual(stored)
    expect(store.webhooks.claimableEndpoints("", at + 1, 1)[0]?.id).toBe("whk_backlog")
    expect(
      store.webhooks.deliveriesOf("whk_backlog", null, 100).every((d) => d.status === "pending"),
    ).toBe(true)
  })

  test("deliveries an earlier version marked paused are pending again after migration 0011", () => {
    store.transaction(() => {
      store.webhooks.settle(store.webhooks.deliveryBySeq(3)!, {
        status: "paused",
        attempts: 0,
        nextAttemptAt: T0,
        statusCode: null,
        error: null,
        at: T0,
      })
    })
    const migration = MIGRATIONS.find((m) => m.name === "0011_unpause_deliveries")!
    const db = new Database(store.path)
    db.exec(migration.sql)
    db.close()
    expect(store.webhooks.deliveryBySeq(3)).toMatchObject({
      status: "pending",
      next_attempt_at: T0,
    })
  })
})
