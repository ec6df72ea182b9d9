import { Database } from "bun:sqlite"
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { pendingDelivery } from "../../../test/support/store.ts"
import { tempDir } from "../../../test/support/temp-dir.ts"
import { waitFor } from "../../../test/support/wait-for.ts"
import { type Receiver, startReceiver } from "../../../test/support/webhook-receiver.ts"
import { createLogger } from "../../lib/logger.ts"
import { openStore, type Store } from "../../store/index.ts"
import { WebhookDeliveryWorker } from "./delivery-worker.ts"
import { generateSecret } from "./signature.ts"
import { targetPolicy } from "./target-policy.ts"

// The circuit breaker's probes, with a clock the test moves: a failing endpoint gets one request
// at a time, only when the test moves time past the endpoint's retry time.
const ENDPOINT = "whk_probed"

let dir: ReturnType<typeof tempDir>
let store: Store
let receiver: Receiver
let worker: WebhookDeliveryWorker
let skew = 0
const clock = { now: () => Date.now() + skew }

beforeEach(() => {
  dir = tempDir("signalbox-wh-worker-")
  store = openStore(join(dir.path, "db.sqlite"))
  receiver = startReceiver()
  receiver.on("/down", () => 503)
  skew = 0
  store.transaction(() =>
    store.webhooks.insertEndpoint({
      id: ENDPOINT,
      account_id: "acc_root",
      url: receiver.url("/down"),
      events: '["*"]',
      description: null,
      secret: generateSecret(),
      status: "active",
      created_at: clock.now(),
    }),
  )
  // Only the test wakes it (no poll in between), so each step is one claim.
  worker = new WebhookDeliveryWorker({
    store,
    clock,
    logger: createLogger("silent"),
    targets: targetPolicy("all"),
    options: { pollMs: 60_000 },
  })
})
afterEach(async () => {
  await worker.stop()
  await receiver.stop()
  store.close()
  dir[Symbol.dispose]()
})

function enqueue(id: string): void {
  store.transaction(() =>
    store.webhooks.insertDelivery(
      pendingDelivery(
        {
          id,
          endpoint_id: ENDPOINT,
          account_id: "acc_root",
          payload: JSON.stringify({ type: "message.sent", data: { id } }),
        },
        clock.now(),
      ),
    ),
  )
}

/** Waits until `n` requests were answered and their outcomes recorded. */
async function settled(n: number): Promise<void> {
  await waitFor(() => receiver.requests.length === n && worker.inFlight === 0, {
    what: `${n} attempts recorded`,
  })
}

/** Moves the clock to the endpoint's retry time and lets the worker claim: one probe. */
async function nextProbe(): Promise<string> {
  const before = receiver.requests.length
  const retryAt = store.webhooks.endpoint(ENDPOINT)!.retry_at!
  skew += Math.max(0, retryAt - clock.now())
  worker.wake()
  await settled(before + 1)
  return receiver.requests[before]!.id
}

describe("WebhookDeliveryWorker probes of a failing endpoint", () => {
  test("go round the held deliveries in turn, one request at a time", async () => {
    for (const id of ["whd_a", "whd_b", "whd_c"]) enqueue(id)
    await worker.start()
    await settled(3)
    expect(store.webhooks.endpoint(ENDPOINT)!.consecutive_failures).toBeGreaterThan(0)
    const probes: string[] = []
    for (let i = 0; i < 4; i++) probes.push(await nextProbe())
    expect(probes).toEqual(["whd_a", "whd_b", "whd_c", "whd_a"])
  })

  test("take a delivery never tried yet (a ping) before the held ones", async () => {
    for (const id of ["whd_a", "whd_b"]) enqueue(id)
    await worker.start()
    await settled(2)
    expect(await nextProbe()).toBe("whd_a")
    enqueue("whd_ping")
    expect(await nextProbe()).toBe("whd_ping")
    expect(await nextProbe()).toBe("whd_b")
  })

  test("release every held delivery at once after the first 2xx", async () => {
    for (const id of ["whd_a", "whd_b", "whd_c"]) enqueue(id)
    await worker.start()
    await settled(3)
    receiver.on("/down", () => 200)
    skew += store.webhooks.endpoint(ENDPOINT)!.retry_at! - clock.now()
    worker.wake()
    await settled(6)
    // The probe went alone and was answered before the two it held were sent.
    const [probe, answer, ...rest] = receiver.log.slice(6)
    expect(probe).toBe("received /down message.sent whd_a")
    expect(answer).toBe("answered /down message.sent whd_a 200")
    expect(rest.filter((l) => l.startsWith("received")).sort()).toEqual([
      "received /down message.sent whd_b",
      "received /down message.sent whd_c",
    ])
    const statuses = ["whd_a", "whd_b", "whd_c"].map((id) => store.webhooks.delivery(id)?.status)
    expect(statuses).toEqual(["succeeded", "succeeded", "succeeded"])
    expect(store.webhooks.endpoint(ENDPOINT)!.consecutive_failures).toBe(0)
  })
})

describe("WebhookDeliveryWorker start", () => {
  test("recounts the endpoints' has_open flags, so a backlog a wrong flag hid is sent", async () => {
    receiver.on("/down", () => 200)
    enqueue("whd_hidden")
    // As if the flag had drifted (migration 0017): the claim's walk would pass the endpoint by.
    const other = new Database(join(dir.path, "db.sqlite"))
    other.exec("UPDATE webhook_endpoints SET has_open = 0")
    other.close()
    expect(store.webhooks.endpoint(ENDPOINT)!.has_open).toBe(0)
    await worker.start()
    await settled(1)
    expect(store.webhooks.delivery("whd_hidden")!.status).toBe("succeeded")
    expect(store.webhooks.endpoint(ENDPOINT)!.has_open).toBe(0)
  })
})
