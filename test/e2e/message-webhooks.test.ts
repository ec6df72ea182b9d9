// Message status events as webhooks: REST → SMPP bind → receipt, each status change arriving at
// a real receiver (endpoint and per-message callback_url), signatures verified independently.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
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
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
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
    const created = await gw.api("/v1/webhooks", {
      method: "POST",
      json: {
        url: receiver.url("/hooks"),
        events: ["message.queued", "message.sent", "message.delivered", "message.failed"],
      },
    })
    expect(created.status).toBe(201)
    receiver.setSecret("/hooks", ((await created.json()) as { secret: string }).secret)

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

  test("a permanent carrier error sends message.failed with the carrier's code", async () => {
    smsc.setBehaviour({ errorOnSubmit: { status: 0x0b } })
    try {
      const id = await send({ to: "+233241234569", message: "bad destination" })
      const failed = await waitFor(
        () =>
          receiver
            .at("/hooks")
            .find((r) => r.payload.data.id === id && r.payload.type === "message.failed"),
        { what: "message.failed" },
      )
      expect(failed.verified).toBe(true)
      expect(failed.payload.data).toMatchObject({
        status: "failed",
        error: { code: "ESME_RINVDSTADR" },
      })
    } finally {
      smsc.setBehaviour({ errorOnSubmit: null })
    }
  })
})
