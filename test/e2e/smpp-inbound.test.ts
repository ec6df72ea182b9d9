// MO over a real SMPP bind: the fake SMSC sends deliver_sm / data_sm, the real server stores
// them before answering, and GET /v1/inbound lists them in arrival order. Nothing answered 0 is
// lost (parts of a long MO survive a restart) and nothing redelivered is stored twice.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { InboundView } from "../../src/core/inbound.ts"
import type { SmppConnector } from "../../src/smpp/connector.ts"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"
import { type Receiver, startReceiver } from "../support/webhook-receiver.ts"

let smsc: FakeSmsc
let gw: TestGateway
let receiver: Receiver
let webhookId: string

type Inbound = InboundView

beforeAll(async () => {
  smsc = await startFakeSmsc({ credentials: null, receipts: "auto", receiptDelayMs: 5 })
  gw = await startGateway(`
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "gw"
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
`)
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, { what: "bound" })
  receiver = startReceiver()
  webhookId = (await receiver.subscribe(gw, "/hooks", ["message.received"])).id
})

afterAll(async () => {
  await gw?.stop()
  await smsc?.close()
  await receiver?.stop()
})

/**
 * The message.received events stored for MOs from `from`, at an endpoint subscribed to them: its
 * delivery log shows each event stored. They are committed with the message,
 * before the SMSC is answered, so once an MO is answered its events are all listed here.
 */
async function receivedEvents(g: TestGateway, endpoint: string, from: string): Promise<unknown[]> {
  const res = await g.api(`/v1/webhooks/${endpoint}/deliveries?limit=100`)
  expect(res.status).toBe(200)
  const page = (await res.json()) as {
    data: { event_type: string; payload: { data: { from: string } } }[]
  }
  return page.data.filter(
    (d) => d.event_type === "message.received" && d.payload.data.from === from,
  )
}

async function inboundAfter(
  cursor: string | null,
): Promise<{ data: Inbound[]; next_cursor: string }> {
  const res = await gw.api(`/v1/inbound${cursor ? `?since=${cursor}` : ""}`)
  expect(res.status).toBe(200)
  return (await res.json()) as { data: Inbound[]; next_cursor: string }
}

describe("inbound SMS over SMPP", () => {
  let cursor: string | null = null

  test("a single MO is answered 0 only once stored, and listed", async () => {
    const statuses = await smsc.sendMo({
      from: "+233241111111",
      to: "+233200000001",
      text: "STATUS?",
    })
    expect(statuses).toEqual([0])
    const page = await inboundAfter(cursor)
    expect(page.data).toEqual([
      expect.objectContaining({
        from: "+233241111111",
        to: "+233200000001",
        message: "STATUS?",
        encoding: "gsm7",
        parts: 1,
        connector: "carrier-a",
      }),
    ])
    cursor = page.next_cursor
  })

  test("UCS-2 parts sent out of order with SAR TLVs are reassembled into one message", async () => {
    const text = "Merci beaucoup 🙏 — à demain! ".repeat(6)
    const statuses = await smsc.sendMo({
      from: "+233241111112",
      to: "+233200000001",
      text,
      encoding: "ucs2",
      split: "sar",
      order: [1, 2, 0],
    })
    expect(statuses.every((s) => s === 0)).toBe(true)
    const page = await inboundAfter(cursor)
    expect(page.data.length).toBe(1)
    expect(page.data[0]).toMatchObject({ message: text, encoding: "ucs2", parts: 3 })
    cursor = page.next_cursor
  })

  test("a data_sm MO with message_payload is stored too", async () => {
    const statuses = await smsc.sendMo({
      from: "+233241111113",
      to: "+233200000001",
      text: "via data_sm",
      dataSm: true,
    })
    expect(statuses).toEqual([0])
    const page = await inboundAfter(cursor)
    expect(page.data.map((m) => m.message)).toEqual(["via data_sm"])
    cursor = page.next_cursor
  })

  test("a redelivered MO (same SMSC message id) is answered 0 again but stored once", async () => {
    const spec = {
      from: "+233241111114",
      to: "+233200000001",
      text: "only once",
      messageId: "mo-77",
    }
    expect(await smsc.sendMo(spec)).toEqual([0])
    expect(await smsc.sendMo(spec)).toEqual([0])
    const page = await inboundAfter(cursor)
    expect(page.data.map((m) => m.message)).toEqual(["only once"])
    cursor = page.next_cursor
  })

  test("the same MO PDU delivered twice without an SMSC id is answered 0 twice and stored once", async () => {
    // The SMSC redelivers when the connection dropped after the commit but before the
    // deliver_sm_resp went out; SMSCs almost never put an id on an MO.
    const from = "+233241111115"
    const [pdu] = smsc.moPdus({ from, to: "+233200000001", text: "Yes please" })
    expect(await smsc.sendPdus([pdu!])).toEqual([0])
    expect(await smsc.sendPdus([pdu!])).toEqual([0])
    const page = await inboundAfter(cursor)
    expect(page.data.map((m) => [m.from, m.message])).toEqual([[from, "Yes please"]])
    expect(await receivedEvents(gw, webhookId, from)).toHaveLength(1)
    cursor = page.next_cursor
  })

  test("another text, or the same text to another number, from that sender is a new message", async () => {
    const from = "+233241111115"
    expect(await smsc.sendMo({ from, to: "+233200000001", text: "Yes please!" })).toEqual([0])
    expect(await smsc.sendMo({ from, to: "+233200000002", text: "Yes please" })).toEqual([0])
    const page = await inboundAfter(cursor)
    expect(page.data.map((m) => [m.to, m.message])).toEqual([
      ["+233200000001", "Yes please!"],
      ["+233200000002", "Yes please"],
    ])
    cursor = page.next_cursor
  })

  test("a redelivered part of a long MO already stored is answered 0 and stores nothing", async () => {
    const from = "+233241111116"
    const text = "Please call me back about the order, it has not arrived yet. ".repeat(4)
    const pdus = smsc.moPdus({ from, to: "+233200000001", text })
    expect(pdus).toHaveLength(2)
    expect(await smsc.sendPdus(pdus)).toEqual([0, 0])
    // The completing part again (its answer was lost), then the first one.
    expect(await smsc.sendPdus([pdus[1]!, pdus[0]!])).toEqual([0, 0])
    const page = await inboundAfter(cursor)
    expect(page.data.map((m) => [m.message, m.parts])).toEqual([[text, 2]])
    expect(await receivedEvents(gw, webhookId, from)).toHaveLength(1)
    const health = (await (await gw.api("/v1/connectors")).json()) as {
      data: { details: { mo_held_parts: number } }[]
    }
    expect(health.data[0]!.details.mo_held_parts).toBe(0)
    cursor = page.next_cursor
  })

  test("the connector counts inbound messages", async () => {
    const body = (await (await gw.api("/v1/connectors")).json()) as {
      data: { counters: { inbound: number } }[]
    }
    expect(body.data[0]!.counters.inbound).toBeGreaterThanOrEqual(4)
  })
})

describe("the data_coding of an MO", () => {
  let gsmSmsc: FakeSmsc
  let latinSmsc: FakeSmsc
  let g: TestGateway
  const LATIN = "Grüße aus Köln: ça coûte 5 £, ¿sí? ½ × ©"
  const GSM = "Prix: 5€ {ok} [à] ~ ^ | \\ Øre"

  beforeAll(async () => {
    gsmSmsc = await startFakeSmsc({ credentials: null })
    latinSmsc = await startFakeSmsc({ credentials: null })
    g = await startGateway(`
[[connectors]]
id = "carrier-gsm"
type = "smpp"
host = "127.0.0.1"
port = ${gsmSmsc.port}
system_id = "gw"
default_encoding = "gsm7"
[[connectors]]
id = "carrier-latin"
type = "smpp"
host = "127.0.0.1"
port = ${latinSmsc.port}
system_id = "gw"
default_encoding = "latin1"
`)
    await waitFor(() => gsmSmsc.boundSessions() === 1 && latinSmsc.boundSessions() === 1, {
      what: "both binds",
    })
  })

  afterAll(async () => {
    await g?.stop()
    await gsmSmsc?.close()
    await latinSmsc?.close()
  })

  // SMPP 3.4 §5.2.19: 3 is Latin-1 on any connector; 0 is the SMSC's default alphabet, which
  // the connector's default_encoding names.
  test.each([
    [
      "3 on a gsm7 connector is Latin-1",
      "+233241111130",
      "carrier-gsm",
      "latin1",
      undefined,
      LATIN,
      1,
    ],
    [
      "3 on a latin1 connector is Latin-1",
      "+233241111131",
      "carrier-latin",
      "latin1",
      undefined,
      LATIN,
      1,
    ],
    [
      "0 on a gsm7 connector is GSM 7-bit",
      "+233241111132",
      "carrier-gsm",
      "gsm7",
      undefined,
      GSM,
      1,
    ],
    ["0 on a latin1 connector is Latin-1", "+233241111133", "carrier-latin", "latin1", 0, LATIN, 1],
    [
      "0 in two UDH parts on a latin1 connector",
      "+233241111134",
      "carrier-latin",
      "latin1",
      0,
      LATIN.repeat(5),
      2,
    ],
  ] as const)(
    "data_coding %s: stored and listed as sent",
    async (_title, from, connector, encoding, dataCoding, text, parts) => {
      const fake = connector === "carrier-gsm" ? gsmSmsc : latinSmsc
      const statuses = await fake.sendMo({
        from,
        to: "+233200000001",
        text,
        encoding,
        ...(dataCoding === undefined ? {} : { dataCoding }),
      })
      expect(statuses).toEqual(Array(parts).fill(0))
      const res = await g.api("/v1/inbound?limit=1000")
      expect(res.status).toBe(200)
      const listed = ((await res.json()) as { data: Inbound[] }).data.filter((m) => m.from === from)
      expect(listed).toEqual([
        expect.objectContaining({ message: text, encoding, parts, connector }),
      ])
    },
  )
})

describe("a long MO across a gateway restart", () => {
  const connector = (port: number, extra = "") => `
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = ${port}
system_id = "gw"
reconnect_min_s = 0.05
reconnect_max_s = 0.2
${extra}
`
  const LONG = Array.from({ length: 40 }, (_, i) => `part${String(i).padStart(4, "0")} `).join("")

  async function gatewayOn(dataDir: string, fake: FakeSmsc, extra = ""): Promise<TestGateway> {
    const g = await startGateway(connector(fake.port, extra), { dataDir })
    await waitFor(() => fake.boundSessions() === 1, { what: "bound" })
    return g
  }

  test("parts answered before a restart complete with the part after it: stored once, one message.received", async () => {
    await using dir = tempDir("signalbox-restart-")
    const fake = await startFakeSmsc({ credentials: null })
    const r = startReceiver()
    try {
      const from = "+233241111120"
      const [p1, p2, p3] = fake.moPdus({ from, to: "+233200000001", text: LONG, split: "sar" })

      const first = await gatewayOn(dir.path, fake)
      const endpoint = (await r.subscribe(first, "/hooks", ["message.received"])).id
      expect(await fake.sendPdus([p1!, p2!])).toEqual([0, 0])
      await first.stop()
      await waitFor(() => fake.boundSessions() === 0, { what: "unbound" })

      const second = await gatewayOn(dir.path, fake)
      try {
        expect(await fake.sendPdus([p3!])).toEqual([0])
        const res = await second.api("/v1/inbound")
        const page = (await res.json()) as { data: Inbound[] }
        expect(page.data.map((m) => [m.from, m.message, m.parts])).toEqual([[from, LONG, 3]])
        expect(await receivedEvents(second, endpoint, from)).toHaveLength(1)

        // The SMSC redelivers the completing part (its answer lost): nothing more is stored.
        expect(await fake.sendPdus([p3!])).toEqual([0])
        const again = (await (await second.api("/v1/inbound")).json()) as { data: Inbound[] }
        expect(again.data).toHaveLength(1)
        expect(await receivedEvents(second, endpoint, from)).toHaveLength(1)
      } finally {
        await second.stop()
      }
    } finally {
      await fake.close()
      await r.stop()
    }
  })

  test("a set left incomplete by an earlier run is dropped after the reassembly timeout", async () => {
    await using dir = tempDir("signalbox-restart-")
    const fake = await startFakeSmsc({ credentials: null })
    try {
      const from = "+233241111121"
      const [p1, p2] = fake.moPdus({ from, to: "+233200000001", text: LONG.slice(0, 250) })
      const first = await gatewayOn(dir.path, fake)
      expect(await fake.sendPdus([p1!])).toEqual([0])
      await first.stop()
      await waitFor(() => fake.boundSessions() === 0, { what: "unbound" })

      const second = await gatewayOn(dir.path, fake, "mo_reassembly_timeout_s = 0.05")
      try {
        const smpp = second.gateway.connectors.get("carrier-a") as SmppConnector
        await waitFor(() => smpp.stats().expiredSets === 1, { what: "expiry" })
        expect(smpp.stats()).toMatchObject({ expiredParts: 1, moHeldParts: 0 })
        // The late part starts a set of its own; nothing is stored.
        expect(await fake.sendPdus([p2!])).toEqual([0])
        const page = (await (await second.api("/v1/inbound")).json()) as { data: Inbound[] }
        expect(page.data).toEqual([])
      } finally {
        await second.stop()
      }
    } finally {
      await fake.close()
    }
  })
})
