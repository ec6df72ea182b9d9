/**
 * Webhook claim benchmark: what one claim of the delivery worker costs when many endpoints hold
 * a backlog they may not send now (suspended, disabled, or failing and waiting for their next
 * probe), next to a few active endpoints that do have work.
 *
 *   bun bench/webhook-claim.ts [--held 10000] [--backlog 5] [--active 10] [--claims 200]
 *
 * Fills a fresh SQLite file through the store: `held` endpoints (a third each suspended,
 * disabled, failing with a retry time an hour away), `backlog` pending deliveries each, and
 * `active` healthy endpoints with `backlog` deliveries each. Then times `claims` claims of one
 * slot each (the claimed delivery is handed back, so every claim sees the same queue), the
 * worker's own claimer and queries.
 *
 * claim_ms_mean / _p50 / _p99  time of one claim
 * claimed_from_active          claims that took an active endpoint's delivery (must be all)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { DeliveryClaimer } from "../src/core/webhooks/claim.ts"
import { openStore } from "../src/store/index.ts"
import type { WebhookEndpointStatus } from "../src/store/webhook-repo.ts"
import { percentile } from "./support.ts"

const { values } = parseArgs({
  options: {
    held: { type: "string", default: "10000" },
    backlog: { type: "string", default: "5" },
    active: { type: "string", default: "10" },
    claims: { type: "string", default: "200" },
  },
})
const held = Number(values.held)
const backlog = Number(values.backlog)
const active = Number(values.active)
const claims = Number(values.claims)

const dir = mkdtempSync(join(tmpdir(), "signalbox-bench-wh-"))
const store = openStore(join(dir, "bench.db"))
const repo = store.webhooks
const now = Date.now()
let delivery = 0

function endpoint(id: string, status: WebhookEndpointStatus, failing: boolean): void {
  repo.insertEndpoint({
    id,
    account_id: "acc_bench",
    url: `https://hooks.example.com/${id}`,
    events: '["*"]',
    description: null,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    status,
    created_at: now,
  })
  if (failing) {
    const e = repo.endpoint(id)!
    repo.saveEndpoint({
      ...e,
      consecutive_failures: 3,
      failing_since: now - 60_000,
      last_failure_at: now - 1_000,
      retry_at: now + 3_600_000,
      updated_at: now,
    })
  }
  for (let i = 0; i < backlog; i++) {
    delivery++
    repo.insertDelivery({
      id: `whd_bench${String(delivery).padStart(10, "0")}`,
      endpoint_id: id,
      callback_url: null,
      account_id: "acc_bench",
      event_type: "message.sent",
      message_id: null,
      order_key: null,
      payload: `{"type":"message.sent","data":{"n":${delivery}}}`,
      status: "pending",
      next_attempt_at: now,
      created_at: now,
    })
  }
}

store.transaction(() => {
  for (let i = 0; i < held; i++) {
    const kind = i % 3
    // Ids sort the held endpoints before the active ones, the walk's worst case.
    endpoint(
      `whe_a${String(i).padStart(8, "0")}`,
      kind === 0 ? "suspended" : kind === 1 ? "disabled" : "active",
      kind === 2,
    )
  }
  for (let i = 0; i < active; i++) endpoint(`whe_z${String(i).padStart(8, "0")}`, "active", false)
})

const claimer = new DeliveryClaimer(repo, { perEndpointConcurrency: 4, timeoutMs: 10_000 })
const inFlight = { perTarget: new Map<string, number>(), probing: new Set<string>() }
const times = new Float64Array(claims)
let fromActive = 0
for (let i = 0; i < claims; i++) {
  const t0 = performance.now()
  const claimed = store.transaction(() => claimer.claim(now, 1, inFlight))
  times[i] = performance.now() - t0
  for (const c of claimed) {
    if (c.target.startsWith("whe_z")) fromActive++
    store.transaction(() => repo.unclaim(c.seq, now))
  }
}
store.close()
rmSync(dir, { recursive: true, force: true })
process.stdout.write(
  `${JSON.stringify({
    held_endpoints: held,
    backlog_each: backlog,
    active_endpoints: active,
    claims,
    claim_ms_mean: Math.round((times.reduce((a, b) => a + b, 0) / claims) * 1000) / 1000,
    claim_ms_p50: percentile(times, 50),
    claim_ms_p99: percentile(times, 99),
    claimed_from_active: fromActive,
  })}\n`,
)
