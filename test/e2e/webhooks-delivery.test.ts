// Webhook deliveries end to end: the gateway on a real socket POSTs to a real receiver that
// verifies every signature with the independent `standardwebhooks` package.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test"
import type { WebhookEventType } from "../../src/core/webhooks/webhook-service.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { waitFor } from "../support/wait-for.ts"
import { type Receiver, startReceiver } from "../support/webhook-receiver.ts"

// Fast retries so the file runs in seconds: 100, 200, 400, 800 ms (each jittered down ≤ 20 %).
const MAX_FAILURES = 5
const FAST = {
  backoff: { baseMs: 100, maxMs: 2_000 },
  pollMs: 50,
  timeoutMs: 5_000,
  maxConsecutiveFailures: MAX_FAILURES,
}

let gw: TestGateway
let receiver: Receiver

beforeAll(async () => {
  receiver = startReceiver()
  gw = await startGateway("", { webhooks: FAST })
})
afterAll(async () => {
  await gw.stop()
  await receiver.stop()
})
// Each test starts with no endpoints, so one test's "*" subscriptions never see another's events.
afterEach(async () => {
  const list = (await (await gw.api("/v1/webhooks?limit=100")).json()) as { data: { id: string }[] }
  for (const e of list.data)
    expect((await gw.api(`/v1/webhooks/${e.id}`, { method: "DELETE" })).status).toBe(204)
})

interface Endpoint {
  id: string
  status: string
  secret: string
  consecutive_failures: number
  suspended_reason: string | null
  failing_since: string | null
}

interface Delivery {
  id: string
  event_type: string
  message_id: string | null
  status: string
  attempt_count: number
  last_status_code: number | null
  last_error: string | null
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  attempts: {
    at: string
    status_code: number | null
    duration_ms: number | null
    error: string | null
  }[]
}

/** Creates an endpoint pointing at `path` on the receiver and registers its secret there. */
async function endpointAt(path: string, events: string[] = ["*"]): Promise<Endpoint> {
  return receiver.subscribe<Endpoint>(gw, path, events)
}

async function deliveries(endpointId: string): Promise<Delivery[]> {
  const res = await gw.api(`/v1/webhooks/${endpointId}/deliveries?limit=100`)
  expect(res.status).toBe(200)
  return ((await res.json()) as { data: Delivery[] }).data
}

async function endpoint(id: string): Promise<Endpoint> {
  return (await (await gw.api(`/v1/webhooks/${id}`)).json()) as Endpoint
}

function enqueue(
  type: WebhookEventType,
  messageId: string | null,
  extra: { callbackUrl?: string; data?: object } = {},
) {
  const { store, webhooks } = gw.gateway
  return store.batcher.run(() =>
    webhooks.enqueueEvent({
      accountId: "acc_root",
      type,
      messageId,
      callbackUrl: extra.callbackUrl ?? null,
      data: extra.data ?? { id: messageId, status: type.split(".")[1] },
      at: Date.now(),
    }),
  )
}

describe("ping", () => {
  test("arrives signed, verifies with standardwebhooks, and is logged as succeeded", async () => {
    const e = await endpointAt("/ping")
    const res = await gw.api(`/v1/webhooks/${e.id}/ping`, { method: "POST" })
    expect(res.status).toBe(202)
    const queued = (await res.json()) as Delivery
    expect(queued.id).toStartWith("whd_")
    expect(queued.event_type).toBe("webhook.ping")
    const [got] = await waitFor(
      () => (receiver.at("/ping").length > 0 ? receiver.at("/ping") : null),
      { what: "the ping" },
    )
    expect(got!.verifyError).toBeNull()
    expect(got!.verified).toBe(true)
    expect(got!.id).toBe(queued.id)
    expect(got!.payload.type).toBe("webhook.ping")
    expect(got!.payload.data.webhook_id).toBe(e.id)
    expect(Number.isNaN(Date.parse(got!.payload.timestamp))).toBe(false)
    const [logged] = await waitFor(
      async () => {
        const list = await deliveries(e.id)
        return list[0]?.status === "succeeded" ? list : null
      },
      { what: "the ping logged as succeeded" },
    )
    expect(logged!.attempts).toHaveLength(1)
    expect(logged!.attempts[0]!.status_code).toBe(200)
    expect(logged!.last_error).toBeNull()
  })
})

describe("events", () => {
  test("an event enqueued in a write transaction reaches every subscribed endpoint and the callback URL, each signed with its own secret", async () => {
    const subscribed = await endpointAt("/events-a", ["message.delivered"])
    const everything = await endpointAt("/events-b", ["*"])
    const other = await endpointAt("/events-c", ["message.failed"])
    const secret = (
      (await (await gw.api("/v1/webhooks/callback-secret")).json()) as { secret: string }
    ).secret
    expect(secret).toStartWith("whsec_")
    receiver.setSecret("/callback", secret)
    const data = {
      id: "msg_evt1",
      to: "+233201234567",
      status: "delivered",
      delivered_at: "2026-01-01T00:00:00.000Z",
    }
    const ids = await enqueue("message.delivered", "msg_evt1", {
      callbackUrl: receiver.url("/callback"),
      data,
    })
    expect(ids).toHaveLength(3)
    const got = await waitFor(
      () => {
        const all = ["/events-a", "/events-b", "/callback"].map((p) => receiver.at(p))
        return all.every((r) => r.length === 1) ? all.map((r) => r[0]!) : null
      },
      { what: "three deliveries" },
    )
    for (const r of got) {
      expect(r.verifyError).toBeNull()
      expect(r.payload).toMatchObject({ type: "message.delivered", data })
    }
    expect(got.map((r) => r.id).sort()).toEqual([...ids].sort())
    expect(new Set(got.map((r) => r.signature)).size).toBe(3)
    expect(receiver.at("/events-c")).toHaveLength(0)
    expect((await deliveries(other.id)).length).toBe(0)
    for (const e of [subscribed, everything]) {
      await waitFor(async () => (await deliveries(e.id))[0]?.status === "succeeded", {
        what: "logged as succeeded",
      })
    }
  })
})

describe("retries and suspension", () => {
  test("a 500 is retried with growing gaps, the endpoint is suspended after the configured failures, and re-enabling delivers the paused event", async () => {
    const e = await endpointAt("/failing")
    let healthy = false
    receiver.on("/failing", () => (healthy ? 200 : 500))
    const [id] = await enqueue("message.sent", "msg_retry1")
    const suspended = await waitFor(
      async () => {
        const now = await endpoint(e.id)
        return now.status === "suspended" ? now : null
      },
      { what: "suspension" },
    )
    expect(suspended.consecutive_failures).toBe(MAX_FAILURES)
    expect(suspended.suspended_reason).toContain(`${MAX_FAILURES} consecutive failed attempts`)
    expect(suspended.suspended_reason).toContain("HTTP 500")
    expect(suspended.failing_since).not.toBeNull()

    const [paused] = await deliveries(e.id)
    expect(paused!.id).toBe(id!)
    expect(paused!.status).toBe("paused")
    expect(paused!.attempts.map((a) => a.status_code)).toEqual(Array(MAX_FAILURES).fill(500))
    expect(paused!.attempts[0]!.error).toContain("HTTP 500: receiver says 500")
    const times = paused!.attempts.map((a) => Date.parse(a.at))
    const gaps = times.slice(1).map((t, i) => t - times[i]!)
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!)
    // Every attempt reached the receiver with the same webhook-id and a valid signature.
    expect(receiver.at("/failing").map((r) => r.id)).toEqual(Array(MAX_FAILURES).fill(id))
    expect(receiver.at("/failing").every((r) => r.verified)).toBe(true)

    // A suspended endpoint gets no new deliveries.
    await enqueue("message.delivered", "msg_retry1")
    expect((await deliveries(e.id)).map((d) => d.id)).toEqual([id!])
    healthy = true
    const res = await gw.api(`/v1/webhooks/${e.id}`, {
      method: "PATCH",
      json: { status: "active" },
    })
    expect(((await res.json()) as Endpoint).status).toBe("active")
    const done = await waitFor(
      async () => {
        const [d] = await deliveries(e.id)
        return d?.status === "succeeded" ? d : null
      },
      { what: "the paused delivery sent after re-enabling" },
    )
    expect(done.attempts.map((a) => a.status_code)).toEqual([...Array(MAX_FAILURES).fill(500), 200])
    expect((await endpoint(e.id)).consecutive_failures).toBe(0)
    expect(receiver.at("/failing").at(-1)!.id).toBe(id!)
  })

  test("a 410 Gone suspends the endpoint at once", async () => {
    const e = await endpointAt("/gone")
    receiver.on("/gone", () => 410)
    await enqueue("message.sent", "msg_gone1")
    const now = await waitFor(
      async () => {
        const x = await endpoint(e.id)
        return x.status === "suspended" ? x : null
      },
      { what: "suspension on 410" },
    )
    expect(now.suspended_reason).toContain("410 Gone")
    expect(receiver.at("/gone")).toHaveLength(1)
  })
})

describe("a retry while another delivery ends", () => {
  // The endpoint's has_open flag (migration 0017) may be cleared only when nothing of it is
  // open: here one delivery ends while the other is in flight and then comes back as a retry.
  test("the retry is sent although a sibling succeeded while it was in flight", async () => {
    const e = await endpointAt("/pair", ["message.sent"])
    receiver.on("/pair", async (r, nth) => {
      if (r.payload.data.id !== "msg_slow" || nth > 0) return 200
      await Bun.sleep(400)
      return 500
    })
    const [slow] = await enqueue("message.sent", "msg_slow")
    const [fast] = await enqueue("message.sent", "msg_fast")
    await waitFor(async () => (await deliveries(e.id)).every((d) => d.status === "succeeded"), {
      what: "both delivered, the slow one on its retry",
    })
    const attempts = receiver.at("/pair").filter((r) => r.id === slow)
    expect(attempts.map((r) => r.answered)).toEqual([500, 200])
    // The fast one had its answer while the slow one's first attempt was still open.
    const order = receiver.log.filter((l) => l.startsWith("answered /pair"))
    expect(order[0]).toContain(fast!)
  })
})

describe("ordering", () => {
  test("a message's later event waits until its earlier one succeeds on the same endpoint", async () => {
    const e = await endpointAt("/ordered")
    receiver.on("/ordered", (r, nth) => (r.payload.type === "message.sent" && nth < 3 ? 500 : 200))
    await gw.gateway.store.batcher.run(() => {
      const base = { accountId: "acc_root", messageId: "msg_ord1", at: Date.now() }
      gw.gateway.webhooks.enqueueEvent({
        ...base,
        type: "message.sent",
        data: { id: "msg_ord1", status: "sent" },
      })
      gw.gateway.webhooks.enqueueEvent({
        ...base,
        type: "message.delivered",
        data: { id: "msg_ord1", status: "delivered" },
      })
    })
    await waitFor(
      () =>
        receiver
          .at("/ordered")
          .some((r) => r.payload.type === "message.delivered" && r.answered === 200),
      {
        what: "the delivered event",
      },
    )
    const seen = receiver.at("/ordered").map((r) => `${r.payload.type} ${r.answered}`)
    expect(seen).toEqual([
      "message.sent 500",
      "message.sent 500",
      "message.sent 500",
      "message.sent 200",
      "message.delivered 200",
    ])
    // The receiver answered; the gateway records the outcome after reading that answer.
    const list = await waitFor(
      async () => {
        const all = await deliveries(e.id)
        return all.every((d) => d.status === "succeeded") ? all : null
      },
      { what: "both deliveries recorded as succeeded" },
    )
    expect(list.map((d) => [d.event_type, d.status, d.attempt_count])).toEqual([
      ["message.delivered", "succeeded", 1],
      ["message.sent", "succeeded", 4],
    ])
  })

  test("another message to the same callback URL is not held up by a failing one", async () => {
    const secret = (
      (await (await gw.api("/v1/webhooks/callback-secret")).json()) as { secret: string }
    ).secret
    receiver.setSecret("/cb-order", secret)
    let slowFailures = 0
    receiver.on("/cb-order", (r) => {
      if (
        r.payload.data.id === "msg_cbA" &&
        r.payload.type === "message.sent" &&
        slowFailures < 3
      ) {
        slowFailures++
        return 503
      }
      return 200
    })
    const callbackUrl = receiver.url("/cb-order")
    await gw.gateway.store.batcher.run(() => {
      const at = Date.now()
      for (const [id, type] of [
        ["msg_cbA", "message.sent"],
        ["msg_cbA", "message.delivered"],
        ["msg_cbB", "message.sent"],
      ] as const) {
        gw.gateway.webhooks.enqueueEvent({
          accountId: "acc_root",
          type,
          messageId: id,
          callbackUrl,
          data: { id },
          at,
        })
      }
    })
    await waitFor(() => receiver.at("/cb-order").filter((r) => r.answered === 200).length === 3, {
      what: "three successes",
    })
    const order = receiver.log
      .filter((l) => l.startsWith("answered /cb-order"))
      .map((l) => {
        const r = receiver.requests.find((x) => l.includes(x.id) && x.path === "/cb-order")!
        return `${r.payload.data.id} ${r.payload.type} ${l.split(" ").at(-1)}`
      })
    const bOk = order.indexOf("msg_cbB message.sent 200")
    const aSentOk = order.indexOf("msg_cbA message.sent 200")
    const aDeliveredOk = order.indexOf("msg_cbA message.delivered 200")
    expect(order.filter((o) => o === "msg_cbA message.sent 503")).toHaveLength(3)
    expect(bOk).toBeGreaterThanOrEqual(0)
    expect(bOk).toBeLessThan(aSentOk)
    expect(aSentOk).toBeLessThan(aDeliveredOk)
    expect(receiver.at("/cb-order").every((r) => r.verified)).toBe(true)
  })
})

describe("isolation between receivers", () => {
  test("a receiver that holds every request gets at most its share of slots; another endpoint is served meanwhile", async () => {
    const stuck = await endpointAt("/stuck")
    const quick = await endpointAt("/quick")
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    receiver.on("/stuck", async () => {
      await held
      return 200
    })
    try {
      for (let i = 0; i < 12; i++) {
        expect((await gw.api(`/v1/webhooks/${stuck.id}/ping`, { method: "POST" })).status).toBe(202)
      }
      await waitFor(() => receiver.at("/stuck").length === 8, { what: "8 requests held open" })
      expect((await gw.api(`/v1/webhooks/${quick.id}/ping`, { method: "POST" })).status).toBe(202)
      await waitFor(async () => (await deliveries(quick.id))[0]?.status === "succeeded", {
        what: "the other endpoint's ping",
      })
      // The default per-endpoint cap (8 of 16 slots): the 4 other pings still wait their turn.
      expect(receiver.at("/stuck")).toHaveLength(8)
      expect(receiver.at("/stuck").every((r) => r.answered === 0)).toBe(true)
    } finally {
      release()
    }
    await waitFor(async () => (await deliveries(stuck.id)).every((d) => d.status === "succeeded"), {
      what: "all 12 held pings delivered after the release",
    })
    expect(receiver.at("/stuck")).toHaveLength(12)
  })
})

describe("isolation from the send path", () => {
  test("a receiver that sleeps 2 s does not delay POST /v1/messages", async () => {
    const e = await endpointAt("/slow")
    receiver.on("/slow", async () => {
      await Bun.sleep(2_000)
      return 200
    })
    await gw.api(`/v1/webhooks/${e.id}/ping`, { method: "POST" })
    await waitFor(() => receiver.at("/slow").length === 1, { what: "the slow request to arrive" })
    const events: string[] = []
    for (let i = 0; i < 5; i++) {
      const res = await gw.api("/v1/messages", {
        method: "POST",
        json: { to: "+233201234567", message: `while a webhook waits ${i}` },
      })
      expect(res.status).toBe(202)
      events.push(
        receiver.at("/slow")[0]!.answered === 0
          ? "202 while the webhook was in flight"
          : "202 after the webhook answered",
      )
    }
    await waitFor(async () => (await deliveries(e.id))[0]?.status === "succeeded", {
      what: "the slow ping to succeed",
      timeoutMs: 10_000,
    })
    events.push("webhook succeeded")
    expect(events).toEqual([
      ...Array(5).fill("202 while the webhook was in flight"),
      "webhook succeeded",
    ])
  })
})

describe("timeouts", () => {
  // Its own gateway: the file's is given 5 s per attempt so slow receivers above still succeed.
  test("an attempt with no answer within timeoutMs is a failure, retried with the same webhook-id", async () => {
    const quick = await startGateway("", { webhooks: { ...FAST, timeoutMs: 300 } })
    try {
      const e = await receiver.subscribe(quick, "/late", ["*"])
      receiver.on("/late", async (_r, nth) => {
        if (nth === 0) await Bun.sleep(1_500)
        return 200
      })
      expect((await quick.api(`/v1/webhooks/${e.id}/ping`, { method: "POST" })).status).toBe(202)
      const done = await waitFor(
        async () => {
          const list = (await (
            await quick.api(`/v1/webhooks/${e.id}/deliveries?limit=10`)
          ).json()) as { data: Delivery[] }
          const d = list.data[0]
          return d?.status === "succeeded" ? d : null
        },
        { what: "the ping delivered on the second attempt" },
      )
      expect(done.attempts).toHaveLength(2)
      expect(done.attempts[0]).toMatchObject({ status_code: null })
      expect(done.attempts[0]!.error).toContain("timed out after 300 ms")
      expect(done.attempts[1]).toMatchObject({ status_code: 200 })
      const ids = receiver.at("/late").map((r) => r.id)
      expect(ids).toHaveLength(2)
      expect(new Set(ids).size).toBe(1)
    } finally {
      await quick.stop()
    }
  })

  // The window that is 24 hours by default, shortened: an endpoint failing for that long is
  // suspended even before maxConsecutiveFailures attempts.
  test("an endpoint that has not succeeded within maxAgeMs is suspended", async () => {
    const brief = await startGateway("", {
      webhooks: { ...FAST, maxAgeMs: 600, maxConsecutiveFailures: 1_000 },
    })
    try {
      const e = await receiver.subscribe(brief, "/down", ["*"])
      receiver.on("/down", () => 500)
      expect((await brief.api(`/v1/webhooks/${e.id}/ping`, { method: "POST" })).status).toBe(202)
      const suspended = await waitFor(
        async () => {
          const now = (await (await brief.api(`/v1/webhooks/${e.id}`)).json()) as Endpoint
          return now.status === "suspended" ? now : null
        },
        { what: "suspension after the window" },
      )
      expect(suspended.suspended_reason).toContain("no successful delivery for")
      expect(suspended.consecutive_failures).toBeLessThan(1_000)
      expect(receiver.at("/down").length).toBeGreaterThan(1)
    } finally {
      await brief.stop()
    }
  })
})
