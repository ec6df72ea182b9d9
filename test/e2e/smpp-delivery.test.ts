// REST → outbox → SMPP bind → fake SMSC → deliver_sm receipt → `delivered`, over real TCP.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { malformedFrame, receiptWithoutNul } from "../fakes/smsc-pdus.ts"
import { smppCarrier } from "../support/connector-config.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { carrierIdOnceSent, messageWhen } from "../support/messages.ts"
import { waitFor } from "../support/wait-for.ts"

let smsc: FakeSmsc
let gw: TestGateway

interface Detail {
  status: string
  connector: string | null
  carrier_message_id: string | null
  error: { code: string; detail: string | null } | null
  events: { status: string; detail: string | null; part?: number }[]
  parts: { index: number; status: string; carrier_message_id: string | null }[]
}

beforeAll(async () => {
  smsc = await startFakeSmsc({
    credentials: [{ system_id: "gw", password: "secret" }],
    receipts: "auto",
    receiptDelayMs: 10,
  })
  gw = await startGateway(`
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "gw"
password = "secret"
sessions = 2
window = 10
tps = 500
default_encoding = "gsm7"
reconnect_min_s = 0.05
reconnect_max_s = 0.5
response_timeout_s = 2
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
[queue]
retry_base_ms = 50
retry_cap_ms = 200
`)
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, { what: "bind" })
})

afterAll(async () => {
  await gw?.stop()
  await smsc?.close()
})

async function send(json: Record<string, unknown>): Promise<string> {
  const res = await gw.api("/v1/messages", { method: "POST", json })
  expect(res.status).toBe(202)
  return ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
}

async function final(id: string): Promise<Detail> {
  return waitFor(
    async () => {
      const d = (await (await gw.api(`/v1/messages/${id}`)).json()) as Detail
      return ["delivered", "failed", "expired"].includes(d.status) ? d : null
    },
    { what: `final status of ${id}` },
  )
}

describe("sending over a real SMPP bind", () => {
  test("plain text arrives as data_coding 0 GSM-7 with international TON/NPI and is delivered", async () => {
    const before = smsc.submits.length
    const id = await send({
      to: "+233201234567",
      message: "Hello @ Signalbox £5 {ok}",
      from: "ACME",
    })
    const m = await final(id)
    expect(m.status).toBe("delivered")
    const pdu = smsc.submits.slice(before).find((s) => s.destination_addr === "233201234567")!
    expect(pdu).toBeDefined()
    expect(pdu.dest_addr_ton).toBe(1)
    expect(pdu.dest_addr_npi).toBe(1)
    expect(pdu.source_addr).toBe("ACME")
    expect(pdu.source_addr_ton).toBe(5)
    expect(pdu.data_coding).toBe(0)
    expect(pdu.registered_delivery & 1).toBe(1)
    expect(pdu.text).toBe("Hello @ Signalbox £5 {ok}")
    expect(m.carrier_message_id).toBe(pdu.message_id)
    expect(m.events.map((e) => e.status)).toEqual(["queued", "sending", "sent", "delivered"])
  })

  test("a UCS-2 text (Arabic and emoji) arrives as data_coding 8 and is delivered", async () => {
    const before = smsc.submits.length
    const text = "مرحبا بالعالم 👋🏽"
    const m = await final(await send({ to: "+233201234568", message: text }))
    expect(m.status).toBe("delivered")
    const pdu = smsc.submits.slice(before).find((s) => s.destination_addr === "233201234568")!
    expect(pdu.data_coding).toBe(8)
    expect(pdu.text).toBe(text)
  })

  test("a 400-character text arrives as 3 numbered parts with one reference, each with a receipt", async () => {
    const before = smsc.submits.length
    const text = Array.from({ length: 400 }, (_, i) => String.fromCharCode(97 + (i % 26))).join("")
    const m = await final(await send({ to: "+233201234569", message: text }))
    expect(m.status).toBe("delivered")
    const parts = smsc.submits.slice(before).filter((s) => s.destination_addr === "233201234569")
    expect(parts).toHaveLength(3)
    expect(parts.map((p) => p.udh?.sequence)).toEqual([1, 2, 3])
    expect(parts.every((p) => p.udh?.total === 3)).toBe(true)
    expect(new Set(parts.map((p) => p.udh?.reference)).size).toBe(1)
    expect(
      parts.every((p) => (p.esm_class & 0x40) === 0x40 && (p.registered_delivery & 1) === 1),
    ).toBe(true)
    expect(parts.map((p) => p.text).join("")).toBe(text)
    expect(m.parts.map((p) => p.status)).toEqual(["delivered", "delivered", "delivered"])
    expect(m.parts.map((p) => p.carrier_message_id)).toEqual(parts.map((p) => p.message_id))
  })

  test("a receipt that overtakes its submit_sm_resp and uses another id base still delivers", async () => {
    smsc.setBehaviour({ receiptBeforeResp: true, idFormat: "hex", receiptIdFormat: "decimal" })
    try {
      const m = await final(await send({ to: "+233201234570", message: "race" }))
      expect(m.status).toBe("delivered")
    } finally {
      smsc.setBehaviour({ receiptBeforeResp: false, idFormat: "hex", receiptIdFormat: "same" })
    }
  })

  // Brief rule 4 and SMPP 3.4 §5.3.2.12: odd frames from a carrier, through the whole gateway.
  test("receipts the library decodes (a UDH, a data_sm) without the TLV's NUL still deliver", async () => {
    smsc.setBehaviour({ receipts: "none" })
    try {
      const ids = [
        await send({ to: "+233201234581", message: "receipt with a UDH" }),
        await send({ to: "+233201234582", message: "receipt as data_sm" }),
      ]
      const carrierIds = await Promise.all(ids.map((id) => carrierIdOnceSent(gw, id)))
      expect(smsc.sendFrame(receiptWithoutNul("deliver_sm", carrierIds[0]!))).toBe(true)
      expect(smsc.sendFrame(receiptWithoutNul("data_sm", carrierIds[1]!))).toBe(true)
      for (const id of ids) expect((await final(id)).status).toBe("delivered")
    } finally {
      smsc.setBehaviour({ receipts: "auto" })
    }
  })

  test("a deliver_sm it cannot decode is refused with ESME_RINVOPTPARSTREAM; the bind stays and keeps sending", async () => {
    const binds = smsc.binds.accepted
    expect(smsc.sendFrame(malformedFrame("bad_tlv"))).toBe(true)
    await waitFor(() => smsc.counters.lastDeliverSmRespStatus === 0xc0, {
      what: "the error answer",
    })
    expect((await final(await send({ to: "+233201234583", message: "after it" }))).status).toBe(
      "delivered",
    )
    expect(smsc.binds.accepted).toBe(binds)
  })

  test("an UNDELIV receipt fails the message naming the part and keeping the carrier's stat", async () => {
    smsc.setBehaviour({ receiptStat: "UNDELIV" })
    try {
      const m = await final(await send({ to: "+233201234571", message: "x".repeat(200) }))
      expect(m.status).toBe("failed")
      expect(m.error?.code).toBe("UNDELIV")
      expect(m.error?.detail).toContain("part ")
    } finally {
      smsc.setBehaviour({ receiptStat: "DELIVRD" })
    }
  })

  test("a permanent submit error fails at once with the SMPP status kept", async () => {
    smsc.setBehaviour({ errorOnSubmit: { status: 0x0b } })
    try {
      const m = await final(await send({ to: "+233201234572", message: "bad destination" }))
      expect(m.status).toBe("failed")
      expect(m.error?.code).toBe("ESME_RINVDSTADR")
      expect(m.events.map((e) => e.status)).toEqual(["queued", "sending", "failed"])
    } finally {
      smsc.setBehaviour({ errorOnSubmit: null })
    }
  })

  test("a throttled submit is retried later without spending the budget, then delivered", async () => {
    smsc.setBehaviour({ errorOnSubmit: { status: 0x58 } })
    let id = ""
    try {
      id = await send({ to: "+233201234573", message: "retry me" })
      await waitFor(
        async () => {
          const d = (await (await gw.api(`/v1/messages/${id}`)).json()) as Detail
          return d.events.some(
            (e) => e.status === "queued" && e.detail?.includes("ESME_RTHROTTLED"),
          )
        },
        { what: "a retry event naming ESME_RTHROTTLED" },
      )
    } finally {
      smsc.setBehaviour({ errorOnSubmit: null })
    }
    const m = await final(id)
    expect(m.status).toBe("delivered")
    expect(m.events.filter((e) => e.status === "sending").length).toBeGreaterThanOrEqual(2)
  })
})

// An SMSC that restarts may number its messages from the start again: a receipt for an id the
// gateway has stored twice is for the newest part (the lookup's order by submitted_at; that it
// uses migration 0016's index is store/receipt-lookup.test.ts's to check).
describe("a carrier id used twice", () => {
  test("the receipt delivers the newer message; the older one stays sent", async () => {
    const first = await startFakeSmsc({ receipts: "none" })
    const port = first.port
    const own = await startGateway(`${smppCarrier(port)}
[queue]
retry_base_ms = 50
retry_cap_ms = 200
`)
    let second: FakeSmsc | undefined
    try {
      const sentWith = async (to: string) => {
        const res = await own.api("/v1/messages", { method: "POST", json: { to, message: to } })
        const id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
        return { id, carrier_message_id: await carrierIdOnceSent(own, id) }
      }
      const older = await sentWith("+233241000061")
      await first.close()
      second = await startFakeSmsc({ receipts: "none", port })
      const newer = await sentWith("+233241000062")
      expect(newer.carrier_message_id).toBe(older.carrier_message_id)

      expect(second.sendReceipt(newer.carrier_message_id)).toBe(true)
      await messageWhen(own, newer.id, (m) => m.status === "delivered")
      const old = (await (await own.api(`/v1/messages/${older.id}`)).json()) as Detail
      expect(old.status).toBe("sent")
      expect(old.parts[0]!.status).toBe("sent")
    } finally {
      await own.stop()
      await second?.close()
      await first.close()
    }
  })
})
