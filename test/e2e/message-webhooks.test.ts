// Message status events as webhooks: REST → SMPP bind → receipt, each status change arriving at
// a real receiver (endpoint and per-message callback_url), signatures verified independently;
// and the ends that never reach a carrier (expired, canceled).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { messageWhen } from "../support/messages.ts"
import { body, createCustomer, createKey, problem, sendAs } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { type Receiver, startReceiver } from "../support/webhook-receiver.ts"

let smsc: FakeSmsc
let gw: TestGateway
let receiver: Receiver

beforeAll(async () => {
  receiver = startReceiver()
  smsc = await startFakeSmsc({
    credentials: null,
    receipts: "auto",
    receiptDelayMs: 5,
    errorOnSubmit: null,
  })
  gw = await startGateway(
    `
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "gw"
[[connectors]]
id = "dead"
type = "smpp"
host = "127.0.0.1"
port = 1
system_id = "gw"
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
[[routes]]
prefix = "+49"
connectors = ["dead"]
`,
    { webhooks: { backoff: { baseMs: 100, maxMs: 1000 }, pollMs: 50 } },
  )
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, { what: "bound" })
})

afterAll(async () => {
  await gw?.stop()
  await smsc?.close()
  await receiver?.stop()
})

async function send(json: Record<string, unknown>): Promise<string> {
  const res = await gw.api("/v1/messages", { method: "POST", json })
  expect(res.status).toBe(202)
  return ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
}

describe("message status webhooks", () => {
  test("an endpoint subscribed to message.* receives queued, sent, delivered in order, signed", async () => {
    await receiver.subscribe(gw, "/hooks", [
      "message.queued",
      "message.sent",
      "message.delivered",
      "message.failed",
    ])

    const id = await send({ to: "+233241234567", message: "hook me" })
    const events = await waitFor(
      () => {
        const mine = receiver.at("/hooks").filter((r) => r.payload.data.id === id)
        return mine.length >= 3 ? mine : null
      },
      { what: "three events for the message" },
    )
    expect(events.map((e) => e.payload.type)).toEqual([
      "message.queued",
      "message.sent",
      "message.delivered",
    ])
    expect(events.every((e) => e.verified)).toBe(true)
    expect(events[2]!.payload.data).toMatchObject({
      id,
      to: "+233241234567",
      status: "delivered",
      connector: "carrier-a",
    })
  })

  test("a request to several recipients (one batch insert) sends each message its own events", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: {
        to: ["+233241234571", "+233241234572", "+233241234573"],
        message: "hook us all",
        callback_url: receiver.url("/cb-batch"),
      },
    })
    expect(res.status).toBe(202)
    const ids = ((await res.json()) as { messages: { id: string }[] }).messages.map((m) => m.id)
    for (const [i, id] of ids.entries()) {
      const mine = await waitFor(
        () => {
          const events = receiver.at("/hooks").filter((r) => r.payload.data.id === id)
          return events.length >= 3 ? events : null
        },
        { what: `events of recipient ${i}` },
      )
      expect(mine.map((e) => e.payload.type)).toEqual([
        "message.queued",
        "message.sent",
        "message.delivered",
      ])
      expect(mine[0]!.payload.data).toMatchObject({
        id,
        to: `+23324123457${i + 1}`,
        status: "queued",
      })
    }
    // The per-message callback URL, written once for the batch, is each message's own.
    await waitFor(() => receiver.at("/cb-batch").length >= 9, { what: "callback events" })
    expect(new Set(receiver.at("/cb-batch").map((r) => r.payload.data.id))).toEqual(new Set(ids))
  })

  test("a per-message callback_url gets that message's events, signed with the account callback secret", async () => {
    const secret = (
      (await (await gw.api("/v1/webhooks/callback-secret")).json()) as { secret: string }
    ).secret
    receiver.setSecret("/cb", secret)
    const id = await send({
      to: "+233241234568",
      message: "call me back",
      callback_url: receiver.url("/cb"),
    })
    const events = await waitFor(
      () => {
        const mine = receiver.at("/cb").filter((r) => r.payload.data.id === id)
        return mine.length >= 3 ? mine : null
      },
      { what: "callback events" },
    )
    expect(events.map((e) => e.payload.type)).toEqual([
      "message.queued",
      "message.sent",
      "message.delivered",
    ])
    expect(events.every((e) => e.verified)).toBe(true)
  })

  test("GET /v1/messages/{id}/callbacks shows each callback delivery and what the receiver answered", async () => {
    receiver.on("/cb-down", () => 503)
    const id = await send({
      to: "+233241234569",
      message: "is anyone there",
      callback_url: receiver.url("/cb-down"),
    })
    type Callbacks = {
      data: {
        url: string
        event_type: string
        status: string
        last_status_code: number | null
        last_error: string | null
        attempts: { status_code: number | null; error: string | null }[]
      }[]
    }
    const log = await waitFor(
      async () => {
        const res = await gw.api(`/v1/messages/${id}/callbacks`)
        expect(res.status).toBe(200)
        const page = (await res.json()) as Callbacks
        return page.data.length === 3 && page.data[0]!.attempts.length > 0 ? page : null
      },
      { what: "three callback deliveries, the first attempted" },
    )
    expect(log.data.map((d) => d.event_type)).toEqual([
      "message.queued",
      "message.sent",
      "message.delivered",
    ])
    for (const d of log.data) expect(d.url).toBe(receiver.url("/cb-down"))
    const [queued, ...later] = log.data
    expect(queued).toMatchObject({ status: "pending", last_status_code: 503 })
    expect(queued!.attempts[0]!.status_code).toBe(503)
    expect(queued!.last_error).toContain("HTTP 503")
    // Events of one message reach its callback in order: the later ones wait for the first.
    for (const d of later) expect(d).toMatchObject({ status: "pending", attempts: [] })
    // A message without a callback_url has none; another account's message is not found.
    const plain = await send({ to: "+233241234570", message: "no callback" })
    const none = (await (await gw.api(`/v1/messages/${plain}/callbacks`)).json()) as Callbacks
    expect(none.data).toEqual([])
    const other = await createCustomer(gw)
    const res = await gw.api(`/v1/messages/${id}/callbacks`, { key: other.key })
    expect(res.status).toBe(404)
    // The same account's sandbox key does not see its live messages either.
    const sandbox = await createKey(gw, { scopes: ["admin"], mode: "test" })
    expect((await gw.api(`/v1/messages/${id}/callbacks`, { key: sandbox.key })).status).toBe(404)
  })

  test("a customer reads its own message's callbacks; a key without sms.read may not", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 5 })
    // A public name (the attempts may fail here; the log is what is read).
    const url = "https://callbacks.example.com/shop"
    const sent = await body<{ messages: { id: string }[] }>(
      await sendAs(gw, shop.key, { to: "+233241234571", message: "mine", callback_url: url }),
      202,
    )
    const id = sent.messages[0]!.id
    const log = await waitFor(
      async () => {
        const page = await body<{ data: { url: string; event_type: string }[] }>(
          await gw.api(`/v1/messages/${id}/callbacks`, { key: shop.key }),
          200,
        )
        return page.data.length > 0 ? page : null
      },
      { what: "the customer's callback log" },
    )
    expect(log.data[0]).toMatchObject({ url, event_type: "message.queued" })
    const sendOnly = await createKey(gw, { scopes: ["sms.send"] }, shop.key)
    await problem(
      await gw.api(`/v1/messages/${id}/callbacks`, { key: sendOnly.key }),
      403,
      "forbidden",
    )
  })

  test("a permanent carrier error sends message.failed with the carrier's code", async () => {
    smsc.setBehaviour({ errorOnSubmit: { status: 0x0b } })
    try {
      const id = await send({ to: "+233241234569", message: "bad destination" })
      const failed = await receiver.waitForEvent("/hooks", "message.failed", (d) => d.id === id)
      expect(failed.verified).toBe(true)
      expect(failed.payload.data).toMatchObject({
        status: "failed",
        error: { code: "ESME_RINVDSTADR" },
      })
    } finally {
      smsc.setBehaviour({ errorOnSubmit: null })
    }
  })

  test("a scheduled message sends message.queued once, when it is released, with the whole message", async () => {
    await receiver.subscribe(gw, "/released", ["message.queued"])
    const id = await send({
      to: "+233241234571",
      message: "in a second",
      scheduled_at: new Date(Date.now() + 1_000).toISOString(),
    })
    const event = await receiver.waitForEvent("/released", "message.queued", (d) => d.id === id)
    expect(event.verified).toBe(true)
    const detail = (await (await gw.api(`/v1/messages/${id}`)).json()) as {
      batch_id: string
      created_at: string
    }
    // The release's own row (UPDATE … RETURNING), not a partial one.
    expect(event.payload.data).toMatchObject({
      id,
      to: "+233241234571",
      status: "queued",
      batch_id: detail.batch_id,
      created_at: detail.created_at,
      segments: 1,
    })
    await messageWhen(gw, id, (m) => m.status === "delivered")
    expect(receiver.at("/released").filter((r) => r.payload.data.id === id)).toHaveLength(1)
  })
})

describe("webhooks for messages that never reach a carrier", () => {
  const ENDS = "/ends"

  beforeAll(async () => {
    await receiver.subscribe(gw, ENDS, ["message.expired", "message.canceled"])
  })

  async function status(id: string): Promise<{ status: string; error: { code: string } | null }> {
    const res = await gw.api(`/v1/messages/${id}`)
    expect(res.status).toBe(200)
    return (await res.json()) as { status: string; error: { code: string } | null }
  }

  test("a scheduled message canceled with POST /v1/messages/{id}/cancel sends message.canceled", async () => {
    const id = await send({
      to: "+233241234570",
      message: "see you tomorrow",
      scheduled_at: new Date(Date.now() + 3_600_000).toISOString(),
    })
    const canceled = await gw.api(`/v1/messages/${id}/cancel`, { method: "POST" })
    expect(canceled.status).toBe(200)
    const event = await receiver.waitForEvent(ENDS, "message.canceled", (d) => d.id === id)
    expect(event.verified).toBe(true)
    expect(event.payload.data).toMatchObject({ id, to: "+233241234570", status: "canceled" })
    expect((await status(id)).status).toBe("canceled")
    expect(
      receiver
        .at(ENDS)
        .filter((r) => r.payload.data.id === id)
        .map((r) => r.payload.type),
    ).toEqual(["message.canceled"])
  })

  test("a message whose validity ends while its only connector is down sends message.expired", async () => {
    // +49 routes to "dead", which never binds: the message waits in the queue until it expires.
    const id = await send({ to: "+4915123456789", message: "too late", validity: 1 })
    const event = await receiver.waitForEvent(ENDS, "message.expired", (d) => d.id === id)
    expect(event.verified).toBe(true)
    expect(event.payload.data).toMatchObject({
      id,
      to: "+4915123456789",
      status: "expired",
      error: { code: "expired" },
    })
    expect(await status(id)).toMatchObject({ status: "expired", error: { code: "expired" } })
  })
})
