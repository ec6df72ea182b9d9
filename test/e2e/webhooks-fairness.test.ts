// Fairness between webhook receivers, through the real gateway and real receivers: a slow
// receiver with a backlog at the front of the queue must not hold up anyone else's deliveries
// ("a slow endpoint never slows sending"). Assertions are on arrival order, never on timings.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import type { WebhookEventType } from "../../src/core/webhooks/webhook-service.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { waitFor } from "../support/wait-for.ts"
import { type Receiver, startReceiver } from "../support/webhook-receiver.ts"

/** The defaults: 16 requests in flight, 8 per endpoint or callback host. */
const PER_RECEIVER = 8
/** Callbacks queued on the slow host: past the worker's head window (64) and one sweep (256). */
const SLOW_CALLBACKS = 400

function holdRequests() {
  let release: () => void = () => {}
  const promise = new Promise<void>((resolve) => {
    release = resolve
  })
  return { promise, release }
}

let gw: TestGateway
let receiver: Receiver
/** Requests a test holds open; released after each test so nothing hangs. */
let hold = holdRequests()

beforeAll(async () => {
  receiver = startReceiver()
  // A failing endpoint waits ten minutes for its retry: no test here may see one.
  gw = await startGateway("", {
    webhooks: { pollMs: 50, backoff: { baseMs: 600_000, maxMs: 3_600_000 } },
  })
})
afterAll(async () => {
  hold.release()
  await gw.stop()
  await receiver.stop()
})
afterEach(async () => {
  hold.release()
  const list = (await (await gw.api("/v1/webhooks?limit=100")).json()) as { data: { id: string }[] }
  for (const e of list.data)
    expect((await gw.api(`/v1/webhooks/${e.id}`, { method: "DELETE" })).status).toBe(204)
})

async function endpointAt(path: string, events: WebhookEventType[]): Promise<string> {
  return (await receiver.subscribe(gw, path, events)).id
}

/** Enqueues `count` events of `type`, one message each, in one write transaction. */
function enqueue(
  type: WebhookEventType,
  prefix: string,
  count: number,
  callbackUrl: (i: number) => string | null = () => null,
) {
  const { store, webhooks } = gw.gateway
  return store.batcher.run(() => {
    for (let i = 0; i < count; i++) {
      webhooks.enqueueEvent({
        accountId: "acc_root",
        type,
        messageId: `msg_${prefix}${i}`,
        callbackUrl: callbackUrl(i),
        data: { id: `msg_${prefix}${i}` },
        at: Date.now(),
      })
    }
  })
}

async function pendingOf(endpointId: string): Promise<number> {
  const res = await gw.api(`/v1/webhooks/${endpointId}/deliveries?status=pending&limit=100`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { data: unknown[] }).data.length
}

const inFlight = (path: string) => receiver.at(path).filter((r) => r.answered === 0).length

describe("a slow endpoint's backlog", () => {
  test("does not hold up another endpoint's deliveries queued behind it", async () => {
    // Endpoint A answers 200 after 1 s and has 300 events queued first; B answers at once.
    const slow = await endpointAt("/fair-slow", ["message.sent"])
    await endpointAt("/fair-fast", ["message.delivered"])
    receiver.on("/fair-slow", async () => {
      await Bun.sleep(1_000)
      return 200
    })
    await enqueue("message.sent", "slow", 300)
    await enqueue("message.delivered", "fast", 5)

    await waitFor(() => receiver.at("/fair-fast").filter((r) => r.answered === 200).length === 5, {
      what: "B's five events",
    })
    // A is still being worked through, never with more than its share of requests at once.
    expect(await pendingOf(slow)).toBeGreaterThan(0)
    expect(receiver.at("/fair-slow").length).toBeLessThan(300)
    expect(inFlight("/fair-slow")).toBeLessThanOrEqual(PER_RECEIVER)
    expect(receiver.at("/fair-fast").every((r) => r.verified)).toBe(true)
    expect(new Set(receiver.at("/fair-fast").map((r) => r.payload.data.id)).size).toBe(5)
  })

  test("a third endpoint gets freed slots in turn while two slow endpoints fill all the others", async () => {
    const slowA = await endpointAt("/turn-a", ["message.sent"])
    const slowC = await endpointAt("/turn-c", ["message.failed"])
    await endpointAt("/turn-b", ["message.delivered"])
    for (const path of ["/turn-a", "/turn-c"]) {
      receiver.on(path, async () => {
        await Bun.sleep(1_000)
        return 200
      })
    }
    await enqueue("message.sent", "turnA", 60)
    await enqueue("message.failed", "turnC", 60)
    // Every slot (16 = 8 + 8) is taken before B has anything queued.
    await waitFor(() => inFlight("/turn-a") + inFlight("/turn-c") === 2 * PER_RECEIVER, {
      what: "A and C holding every slot",
    })
    await enqueue("message.delivered", "turnB", 5)

    await waitFor(() => receiver.at("/turn-b").filter((r) => r.answered === 200).length === 5, {
      what: "B's five events",
    })
    expect(await pendingOf(slowA)).toBeGreaterThan(0)
    expect(await pendingOf(slowC)).toBeGreaterThan(0)
  })
})

describe("a turn over more endpoints than one read returns", () => {
  // The claim reads the claimable endpoints a page at a time from the last one served: with 100
  // endpoints and 16 slots every endpoint gets its first event before any gets its second.
  test("every endpoint's first event is claimed before any endpoint's second", async () => {
    const ENDPOINTS = 100
    const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/turn100-${i}`)
    for (const path of paths) await endpointAt(path, ["message.sent"])
    await enqueue("message.sent", "firsts", 1)
    await enqueue("message.sent", "seconds", 1)
    await waitFor(
      () => paths.every((p) => receiver.at(p).filter((r) => r.answered === 200).length === 2),
      { what: "both events at all 100 endpoints" },
    )
    const arrivals = paths
      .flatMap((p) => receiver.at(p))
      .sort((a, b) => a.n - b.n)
      .map((r) => r.payload.data.id)
    // A second event is claimed only after every first one was; 16 requests at most were still
    // in flight then, so at least 84 first events arrived before any second one.
    expect(arrivals.slice(0, ENDPOINTS - 16).every((id) => id === "msg_firsts0")).toBe(true)
  })
})

describe("endpoints waiting for their retry", () => {
  // Endpoints waiting for their retry stay in the index of claimable endpoints (the claim's query
  // passes over them). 80 of them ahead of the healthy ones in id order must not keep new events
  // from those.
  test("ahead of healthy ones in the turn do not hide them: new events reach the healthy ones before any retry", async () => {
    const WAITING = 80
    const HEALTHY = 10
    for (let i = 0; i < WAITING; i++) {
      await endpointAt(`/retry-${i}`, ["message.sent"])
      receiver.on(`/retry-${i}`, () => 500)
    }
    for (let i = 0; i < HEALTHY; i++) await endpointAt(`/healthy-${i}`, ["message.sent"])
    const answered = (prefix: string, count: number, status: number) =>
      Array.from({ length: count }, (_, i) => receiver.at(`${prefix}${i}`)).every(
        (requests) => requests.filter((r) => r.answered === status).length >= 1,
      )

    await enqueue("message.sent", "first", 1)
    await waitFor(() => answered("/retry-", WAITING, 500) && answered("/healthy-", HEALTHY, 200), {
      what: "every endpoint's first attempt",
    })
    // Every failing endpoint now waits ten minutes (backoff.baseMs) for its retry.
    await enqueue("message.sent", "second", 1)
    await waitFor(
      () =>
        Array.from({ length: HEALTHY }, (_, i) => receiver.at(`/healthy-${i}`)).every(
          (requests) => requests.filter((r) => r.answered === 200).length === 2,
        ),
      { what: "the second event at every healthy endpoint" },
    )
    // No failing endpoint has been retried yet: the healthy ones did not wait for the retries.
    for (let i = 0; i < WAITING; i++) expect(receiver.at(`/retry-${i}`)).toHaveLength(1)
  })
})

describe("callback URLs", () => {
  test("share one concurrency limit per host, so distinct URLs on a slow host cannot take every slot", async () => {
    const slowHost = startReceiver()
    const fastHost = startReceiver()
    try {
      hold = holdRequests()
      slowHost.on("/cb", async () => {
        await hold.promise
        return 200
      })
      // A different callback URL per message, all on one host that holds every request; more of
      // them than the worker reads at the head of the queue or in one sweep.
      const onSlowHost = (i: number) => `${slowHost.url("/cb")}?message=${i}`
      await enqueue("message.sent", "cbslow", SLOW_CALLBACKS, onSlowHost)
      await waitFor(() => slowHost.requests.length === PER_RECEIVER, {
        what: "the slow host's share of requests in flight",
      })
      const secret = (
        (await (await gw.api("/v1/webhooks/callback-secret")).json()) as { secret: string }
      ).secret
      fastHost.setSecret("/cb", secret)
      await enqueue("message.sent", "cbfast", 5, () => fastHost.url("/cb"))

      await waitFor(() => fastHost.requests.filter((r) => r.answered === 200).length === 5, {
        what: "the other host's five callbacks",
      })
      expect(fastHost.requests.every((r) => r.verified)).toBe(true)
      // Still held: the slow host never got more than its share.
      expect(slowHost.requests.length).toBe(PER_RECEIVER)
      expect(slowHost.requests.every((r) => r.answered === 0)).toBe(true)

      hold.release()
      await waitFor(
        () => slowHost.requests.filter((r) => r.answered === 200).length === SLOW_CALLBACKS,
        { what: "every slow-host callback after the release" },
      )
      expect(new Set(slowHost.requests.map((r) => r.id)).size).toBe(SLOW_CALLBACKS)
    } finally {
      hold.release()
      await slowHost.stop()
      await fastHost.stop()
    }
  })
})
