// The real server with a modem connector, talking AT over a real pseudo-terminal to the
// simulated modem: REST → +CMGS → status report → delivered; +CMTI → stored → GET /v1/inbound.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeModem, startFakeModem } from "../fakes/modem.ts"
import { type TestGateway, startGateway } from "../support/gateway.ts"
import { waitFor } from "../support/wait-for.ts"

let modem: FakeModem
let gw: TestGateway

interface Detail {
  status: string
  connector: string | null
  carrier_message_id: string | null
  events: { status: string; detail: string | null }[]
}

beforeAll(async () => {
  modem = await startFakeModem({ operator: "Signalbox Mobile", rssi: 21 })
  gw = await startGateway(`
[[connectors]]
id = "modem-1"
type = "modem"
device = ${JSON.stringify(modem.devicePath)}
tps = 50
command_timeout_ms = 500
send_timeout_ms = 2000
poll_interval_ms = 100
registration_timeout_ms = 3000
reopen_min_ms = 20
reopen_max_ms = 100
[[routes]]
prefix = "*"
connectors = ["modem-1"]
`)
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, { what: "modem ready" })
})

afterAll(async () => {
  await gw?.stop()
  await modem?.stop()
})

async function detail(id: string): Promise<Detail> {
  return (await (await gw.api(`/v1/messages/${id}`)).json()) as Detail
}

describe("a modem as a connector of the real server", () => {
  test("GET /v1/connectors shows the modem's signal, operator, registration and SIM", async () => {
    const body = (await (await gw.api("/v1/connectors")).json()) as { data: { id: string; type: string; state: string; details: Record<string, unknown> }[] }
    const m = body.data.find((c) => c.id === "modem-1")!
    expect(m.type).toBe("modem")
    expect(m.state).toBe("bound")
    expect(m.details).toMatchObject({ operator: "Signalbox Mobile", registration: "home", sim: "ready", signal_rssi: 21 })
  })

  test("a two-part message goes out as two SMS-SUBMIT PDUs and is delivered by the status reports", async () => {
    const before = modem.submits.length
    const text = "Your parcel is on its way. ".repeat(7).trim()
    const res = await gw.api("/v1/messages", { method: "POST", json: { to: "+4917612345678", message: text } })
    expect(res.status).toBe(202)
    const id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
    await waitFor(async () => (await detail(id)).status === "sent", { what: "sent" })
    const submits = modem.submits.slice(before)
    expect(submits.length).toBe(2)
    expect(submits.map((s) => s.decoded.to)).toEqual(["+4917612345678", "+4917612345678"])
    expect(submits.every((s) => s.decoded.statusReportRequest)).toBe(true)
    expect(submits.map((s) => s.decoded.concat?.sequence)).toEqual([1, 2])
    expect(submits[0]!.decoded.concat!.reference).toBe(submits[1]!.decoded.concat!.reference)
    expect(submits.map((s) => s.decoded.text).join("")).toBe(text)

    for (const s of submits) modem.statusReport(s.mr, 0x00)
    const done = await waitFor(async () => {
      const d = await detail(id)
      return d.status === "delivered" ? d : null
    }, { what: "delivered" })
    expect(done.connector).toBe("modem-1")
  })

  test("a temporary +CMS ERROR is retried and the message still goes out", async () => {
    modem.failNextSends(332) // network timeout: temporary
    const res = await gw.api("/v1/messages", { method: "POST", json: { to: "+4917612345679", message: "retry me" } })
    const id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
    const d = await waitFor(async () => {
      const m = await detail(id)
      return m.status === "sent" ? m : null
    }, { what: "sent after a retry", timeoutMs: 15_000 })
    expect(d.events.some((e) => e.status === "queued" && /\+CMS ERROR: 332/.test(e.detail ?? ""))).toBe(true)
  })

  test("an inbound SMS is read, stored, then deleted from the SIM, and listed by GET /v1/inbound", async () => {
    const index = modem.receive({ from: "+4917699999999", text: "YES please" })
    const page = await waitFor(async () => {
      const body = (await (await gw.api("/v1/inbound")).json()) as { data: { from: string; message: string; connector: string }[]; next_cursor: string }
      return body.data.some((m) => m.message === "YES please") ? body : null
    }, { what: "inbound listed" })
    const m = page.data.find((x) => x.message === "YES please")!
    expect(m).toMatchObject({ from: "+4917699999999", connector: "modem-1" })
    await waitFor(() => modem.deleted.includes(index), { what: "+CMGD after storing" })
    // Nothing new after the cursor.
    const next = (await (await gw.api(`/v1/inbound?since=${page.next_cursor}`)).json()) as { data: unknown[] }
    expect(next.data).toEqual([])
  })

  test("a two-part inbound SMS arriving out of order is stored once, reassembled", async () => {
    const a = "Part one of a long reply that needs two messages to arrive in full. ".repeat(2)
    const b = "And this is the second half."
    modem.receive({ from: "+4917688888888", text: b, concat: { reference: 77, total: 2, sequence: 2 } })
    modem.receive({ from: "+4917688888888", text: a, concat: { reference: 77, total: 2, sequence: 1 } })
    const body = await waitFor(async () => {
      const page = (await (await gw.api("/v1/inbound?limit=1000")).json()) as { data: { from: string; message: string; parts: number }[] }
      const mine = page.data.filter((m) => m.from === "+4917688888888")
      return mine.length > 0 ? mine : null
    }, { what: "reassembled inbound" })
    expect(body.length).toBe(1)
    expect(body[0]).toMatchObject({ message: a + b, parts: 2 })
  })
})
