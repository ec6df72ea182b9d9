// MO over a real SMPP bind: the fake SMSC sends deliver_sm / data_sm, the real server stores
// them before answering, and GET /v1/inbound lists them in arrival order.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { InboundView } from "../../src/core/inbound.ts"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { waitFor } from "../support/wait-for.ts"

let smsc: FakeSmsc
let gw: TestGateway

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
})

afterAll(async () => {
  await gw?.stop()
  await smsc?.close()
})

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

  test("the connector counts inbound messages", async () => {
    const body = (await (await gw.api("/v1/connectors")).json()) as {
      data: { counters: { inbound: number } }[]
    }
    expect(body.data[0]!.counters.inbound).toBeGreaterThanOrEqual(4)
  })
})
