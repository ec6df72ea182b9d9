// The real server with a modem connector, talking AT over a real pseudo-terminal to the
// simulated modem: REST → +CMGS → status report → delivered; +CMTI → stored → GET /v1/inbound.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeModem, startFakeModem } from "../fakes/modem.ts"
import { modemConnector } from "../support/connector-config.ts"
import { connectorView } from "../support/connector-view.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { carrierIdOnceSent, messageWhen } from "../support/messages.ts"
import { createKey } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { warnLog } from "../support/warn-log.ts"

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
  gw = await startGateway(`${modemConnector(modem.devicePath)}
[[connectors]]
id = "backup"
type = "simulator"
delivery_delay_ms = 5
[[routes]]
prefix = "*"
connectors = ["modem-1", "backup"]
[queue]
retry_base_ms = 50
retry_cap_ms = 200
`)
  await waitFor(async () => (await modemHealth()).usable, { what: "modem ready" })
})

function modemHealth() {
  return connectorView(gw, "modem-1")
}

async function send(json: Record<string, unknown>): Promise<string> {
  const res = await gw.api("/v1/messages", { method: "POST", json })
  expect(res.status).toBe(202)
  return ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
}

afterAll(async () => {
  await gw?.stop()
  await modem?.stop()
})

async function detail(id: string): Promise<Detail> {
  return (await (await gw.api(`/v1/messages/${id}`)).json()) as Detail
}

describe("a modem as a connector of the real server", () => {
  test("a GSM-7 text, a UCS-2 text and a 3-part text arrive as correct PDUs and reach delivered", async () => {
    const texts = [
      "Hello from Signalbox: {ok} @ £5 €",
      "مرحبا بك في سيجنال بوكس 👋",
      "Three parts. ".repeat(33).trim(),
    ]
    for (const text of texts) {
      const before = modem.submits.length
      const id = await send({ to: "+4917612340000", message: text })
      await waitFor(async () => (await detail(id)).status === "sent", {
        what: `sent: ${text.slice(0, 20)}`,
      })
      const submits = modem.submits.slice(before)
      expect(submits.map((s) => s.decoded.text).join("")).toBe(text)
      expect(
        submits.every((s) => s.decoded.to === "+4917612340000" && s.decoded.statusReportRequest),
      ).toBe(true)
      const ucs2 = Array.from(text).some((c) => c !== "€" && c.codePointAt(0)! > 0xff)
      expect(submits.every((s) => s.decoded.dcs === (ucs2 ? 0x08 : 0x00))).toBe(true)
      if (submits.length > 1) {
        expect(submits.map((s) => s.decoded.concat!.sequence)).toEqual(submits.map((_, i) => i + 1))
        expect(new Set(submits.map((s) => s.decoded.concat!.reference)).size).toBe(1)
      }
      for (const s of submits) modem.statusReport(s.mr, 0x00)
      await waitFor(async () => (await detail(id)).status === "delivered", { what: "delivered" })
    }
    expect(modem.submits.length).toBeGreaterThanOrEqual(5)
  })

  // Issue #5: a sandbox key's messages reach no carrier and no modem.
  test("a sandbox key's message is delivered by the sandbox; the modem gets nothing", async () => {
    const sandbox = (await createKey(gw, { scopes: ["admin"], mode: "test" })).key
    const before = modem.submits.length
    const res = await gw.api("/v1/messages", {
      method: "POST",
      key: sandbox,
      json: { to: "+4917612340001", message: "sandbox only" },
    })
    expect(res.status).toBe(202)
    const id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
    const d = await waitFor(
      async () => {
        const m = (await (await gw.api(`/v1/messages/${id}`, { key: sandbox })).json()) as Detail
        return m.status === "delivered" ? m : null
      },
      { what: "sandbox delivered" },
    )
    expect(d.connector).toBe("sandbox")
    expect(modem.submits.slice(before)).toEqual([])
  })

  test("GET /v1/connectors shows the modem's signal, operator, registration and SIM", async () => {
    const body = (await (await gw.api("/v1/connectors")).json()) as {
      data: { id: string; type: string; state: string; details: Record<string, unknown> }[]
    }
    const m = body.data.find((c) => c.id === "modem-1")!
    expect(m.type).toBe("modem")
    expect(m.state).toBe("bound")
    expect(m.details).toMatchObject({
      operator: "Signalbox Mobile",
      registration: "home",
      sim: "ready",
      signal_rssi: 21,
    })
  })

  test("a two-part message goes out as two SMS-SUBMIT PDUs and is delivered by the status reports", async () => {
    const before = modem.submits.length
    const text = "Your parcel is on its way. ".repeat(7).trim()
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+4917612345678", message: text },
    })
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
    const done = await waitFor(
      async () => {
        const d = await detail(id)
        return d.status === "delivered" ? d : null
      },
      { what: "delivered" },
    )
    expect(done.connector).toBe("modem-1")
  })

  test("a temporary +CMS ERROR is retried on the next connector of the route", async () => {
    modem.failNextSends(332) // network timeout: temporary
    const id = await send({ to: "+4917612345679", message: "retry me" })
    const d = await waitFor(
      async () => {
        const m = await detail(id)
        return m.status === "delivered" ? m : null
      },
      { what: "delivered after a retry", timeoutMs: 15_000 },
    )
    expect(
      d.events.some((e) => e.status === "queued" && /\+CMS ERROR: 332/.test(e.detail ?? "")),
    ).toBe(true)
    expect(d.events.filter((e) => e.status === "sending").at(-1)!.detail).toMatch(
      /→ backup .*retry after modem-1 failed/,
    )
    expect(d.connector).toBe("backup")
  })

  test("an inbound SMS is read, stored, then deleted from the SIM, and listed by GET /v1/inbound", async () => {
    const index = modem.receive({ from: "+4917699999999", text: "YES please" })
    const page = await waitFor(
      async () => {
        const body = (await (await gw.api("/v1/inbound")).json()) as {
          data: { from: string; message: string; connector: string }[]
          next_cursor: string
        }
        return body.data.some((m) => m.message === "YES please") ? body : null
      },
      { what: "inbound listed" },
    )
    const m = page.data.find((x) => x.message === "YES please")!
    expect(m).toMatchObject({ from: "+4917699999999", connector: "modem-1" })
    await waitFor(() => modem.deleted.includes(index), { what: "+CMGD after storing" })
    // Nothing new after the cursor.
    const next = (await (await gw.api(`/v1/inbound?since=${page.next_cursor}`)).json()) as {
      data: unknown[]
    }
    expect(next.data).toEqual([])
  })

  test("pulling the device mid-send fails over to the next connector; the modem comes back by itself", async () => {
    modem.swallowNext(1, "AT+CMGS")
    const commandsBefore = modem.commands.length
    const id = await send({ to: "+4917612345670", message: "cable pulled" })
    await waitFor(() => modem.commands.slice(commandsBefore).some((c) => c.startsWith("AT+CMGS")), {
      what: "+CMGS sent",
    })
    await modem.unplug()
    const m = await waitFor(
      async () => {
        const d = await detail(id)
        return d.status === "delivered" ? d : null
      },
      { what: "delivered through the backup", timeoutMs: 15_000 },
    )
    expect(m.connector).toBe("backup")
    expect(m.events.some((e) => e.status === "queued" && /modem-1/.test(e.detail ?? ""))).toBe(true)
    expect((await modemHealth()).usable).toBe(false)

    await modem.replug()
    await waitFor(async () => (await modemHealth()).usable, {
      what: "modem back",
      timeoutMs: 15_000,
    })
    const after = await send({ to: "+4917612345671", message: "modem is back" })
    await waitFor(async () => (await detail(after)).status === "sent", {
      what: "sent via the modem",
    })
    expect((await detail(after)).connector).toBe("modem-1")
  })

  test("a two-part inbound SMS arriving out of order is stored once, reassembled", async () => {
    const a = "Part one of a long reply that needs two messages to arrive in full. ".repeat(2)
    const b = "And this is the second half."
    modem.receive({
      from: "+4917688888888",
      text: b,
      concat: { reference: 77, total: 2, sequence: 2 },
    })
    modem.receive({
      from: "+4917688888888",
      text: a,
      concat: { reference: 77, total: 2, sequence: 1 },
    })
    const body = await waitFor(
      async () => {
        const page = (await (await gw.api("/v1/inbound?limit=1000")).json()) as {
          data: { from: string; message: string; parts: number }[]
        }
        const mine = page.data.filter((m) => m.from === "+4917688888888")
        return mine.length > 0 ? mine : null
      },
      { what: "reassembled inbound" },
    )
    expect(body.length).toBe(1)
    expect(body[0]).toMatchObject({ message: a + b, parts: 2 })
  })
})

// A modem that stores status reports (+CNMI ds=2, announced as +CDSI "SR"): the gateway reads
// each from its storage, delivers the message, and deletes the report only once it is stored.
describe("status reports stored on the SIM", () => {
  let srModem: FakeModem
  let srGw: TestGateway

  beforeAll(async () => {
    srModem = await startFakeModem({ cnmiDs: [2] })
    srGw = await startGateway(modemConnector(srModem.devicePath))
    await waitFor(() => srGw.gateway.connectors.get("modem-1")?.health().usable, {
      what: "modem ready",
    })
  })

  afterAll(async () => {
    await srGw?.stop()
    await srModem?.stop()
  })

  test('a +CDSI report is read from "SR", delivers the message, and is deleted', async () => {
    const res = await srGw.api("/v1/messages", {
      method: "POST",
      json: { to: "+4917600000123", message: "report me from SR" },
    })
    expect(res.status).toBe(202)
    const id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
    const mr = await carrierIdOnceSent(srGw, id)
    srModem.statusReport(Number(mr), 0x00)
    await messageWhen(srGw, id, (m) => m.status === "delivered", {
      what: "delivered by the stored report",
    })
    await waitFor(() => srModem.reports.size === 0, { what: "the report deleted from SR" })
    expect(srModem.commands).toContain('AT+CPMS="SR"')
    expect(srModem.commands.at(-1)).not.toBe('AT+CPMS="SR"')
  })
})

// A modem that lists "SR" in +CPMS=? but refuses to select it: the gateway sets SR aside once
// (one warning), and receipts (+CDS) and inbound SMS (+CMTI in SM) go on as before.
describe("a modem that lists SR but refuses it", () => {
  test("messages are delivered by +CDS, inbound SMS is stored, and the refusal is logged once", async () => {
    await using refusing = await startFakeModem({ cnmiDs: [1] })
    refusing.failNext('AT+CPMS="SR"', "+CMS ERROR: 302", Infinity)
    const log = warnLog()
    await using refusingGw = await startGateway(modemConnector(refusing.devicePath), {
      logger: log.logger,
    })
    await waitFor(async () => (await connectorView(refusingGw, "modem-1")).usable, {
      what: "modem ready",
    })

    const res = await refusingGw.api("/v1/messages", {
      method: "POST",
      json: { to: "+4917600000124", message: "report me by +CDS" },
    })
    expect(res.status).toBe(202)
    const id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
    refusing.statusReport(Number(await carrierIdOnceSent(refusingGw, id)), 0x00)
    await messageWhen(refusingGw, id, (m) => m.status === "delivered", {
      what: "delivered by +CDS",
    })
    refusing.receive({ from: "+4917600000125", text: "inbound while SR is refused" })
    await waitFor(
      async () => {
        const inbound = (await (await refusingGw.api("/v1/inbound")).json()) as {
          data: { message: string }[]
        }
        return inbound.data.some((m) => m.message === "inbound while SR is refused")
      },
      { what: "the inbound SMS stored" },
    )
    await waitFor(() => refusing.sim.size === 0, { what: "the inbound SMS deleted from SM" })

    expect(refusing.commands.filter((c) => c === 'AT+CPMS="SR"')).toHaveLength(1)
    const messages = log.messages()
    expect(messages.filter((m) => m.includes("refuses a status report storage"))).toHaveLength(1)
    expect(messages).not.toContain("inbox task failed")
  })
})
