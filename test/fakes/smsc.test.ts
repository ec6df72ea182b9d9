// The fake SMSC itself, driven by the real connector.
import { afterEach, describe, expect, test } from "bun:test"
import { join } from "node:path"
import smpp, { type PDU } from "smpp"
import { shortMessageOctets } from "../../src/smpp/short-message.ts"
import { connectorFor, outbound, smppOptions } from "../../src/smpp/test-harness.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"
import { startFakeSmsc } from "./smsc.ts"
import { type MoSpec, moPdus } from "./smsc-pdus.ts"

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function boundConnector(port: number) {
  const harness = connectorFor(smppOptions(port))
  cleanups.push(() => harness.connector.stop())
  await harness.connector.start()
  await waitFor(() => harness.connector.health().usable, { what: "bind" })
  return harness
}

async function readLine(reader: {
  read(): Promise<{ value?: Uint8Array; done: boolean }>
}): Promise<string> {
  let text = ""
  while (!text.includes("\n")) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  return text.trim()
}

describe("startFakeSmsc", () => {
  test("keeps counters but no submits when record is false", async () => {
    const smsc = await startFakeSmsc({ record: false, receipts: "auto" })
    cleanups.push(() => smsc.close())
    const { connector, receipts } = await boundConnector(smsc.port)
    await connector.submit(outbound(["one"]))
    await waitFor(() => receipts.length === 1, { what: "receipt" })

    expect(smsc.submits).toEqual([])
    expect(smsc.counters).toMatchObject({ submits: 1, receipts: 1 })
  })

  test("sends a receipt on request, with the id in the base asked for", async () => {
    const smsc = await startFakeSmsc({ idFormat: "decimal" })
    cleanups.push(() => smsc.close())
    const { connector, receipts } = await boundConnector(smsc.port)
    const outcome = await connector.submit(outbound(["one"]))
    const id = outcome.parts[0]?.ok ? outcome.parts[0].carrierId : ""

    expect(smsc.sendReceipt(id, "EXPIRED", { idFormat: "hex", tlvs: false })).toBe(true)
    await waitFor(() => receipts.length === 1, { what: "receipt" })
    expect(receipts[0]).toMatchObject({
      carrierId: Number(id).toString(16).toUpperCase(),
      state: "expired",
    })
  })

  test("answers ESME_RTHROTTLED above throttleAbove submits per second", async () => {
    const smsc = await startFakeSmsc({ throttleAbove: 2 })
    cleanups.push(() => smsc.close())
    const { connector } = await boundConnector(smsc.port)
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((i) => connector.submit(outbound([`${i}`]))),
    )
    const codes = outcomes.map((o) => (o.parts[0]?.ok ? "ok" : o.parts[0]?.error.code))
    // Four submits may straddle a second boundary; at least two pass, never all four.
    expect(codes.filter((c) => c === "ok").length).toBeGreaterThanOrEqual(2)
    expect(codes).toContain("ESME_RTHROTTLED")
  })
})

/** A PDU as the receiving side parses it from the wire. */
const onWire = (pdu: PDU) => new smpp.PDU(pdu.toBuffer())
/** The wire octets of a short_message / message_payload, UDH included. */
const userData = (pdu: PDU, field = "short_message") => {
  const { udh, message } = shortMessageOctets(pdu[field], pdu.data_coding as number)
  return [...(udh ?? []), ...message]
}
const LONG = "x".repeat(200)
const spec = (extra: Partial<MoSpec>): MoSpec => ({
  from: "+4915112345678",
  to: "12345",
  text: LONG,
  ...extra,
})

describe("moPdus", () => {
  test("addresses an MO like a handset: international sender, short code destination", () => {
    const [pdu] = moPdus(spec({ text: "hi" }), 1).map(onWire)
    expect(pdu).toMatchObject({
      command: "deliver_sm",
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: "4915112345678",
      dest_addr_ton: 3,
      destination_addr: "12345",
      esm_class: 0,
      data_coding: 0,
    })
  })

  test("sends the TON asked for with fromTon and toTon, the digits as given", () => {
    const [pdu] = moPdus(
      spec({ from: "0241234567", fromTon: 2, to: "0200000001", toTon: 0 }),
      1,
    ).map(onWire)
    expect(pdu).toMatchObject({
      source_addr_ton: 2,
      source_addr: "0241234567",
      dest_addr_ton: 0,
      destination_addr: "0200000001",
    })
  })

  test("splits 200 GSM septets into 153 + 47 behind an 8-bit reference UDH (TS 23.040 §9.2.3.24.1)", () => {
    const pdus = moPdus(spec({}), 0x1ff).map(onWire)
    expect(pdus.map((p) => p.esm_class)).toEqual([0x40, 0x40])
    expect(pdus.map((p) => userData(p).slice(0, 6))).toEqual([
      [5, 0, 3, 0xff, 2, 1],
      [5, 0, 3, 0xff, 2, 2],
    ])
    expect(pdus.map((p) => userData(p).length - 6)).toEqual([153, 47])
  })

  test("uses a 16-bit reference UDH (IE 0x08) for udh16", () => {
    const [first] = moPdus(spec({ split: "udh16" }), 0x1234).map(onWire)
    expect(userData(first!).slice(0, 7)).toEqual([6, 8, 4, 0x12, 0x34, 2, 1])
  })

  test("carries SAR TLVs for sar and the whole text in message_payload for payload", () => {
    const sar = moPdus(spec({ split: "sar", encoding: "latin1" }), 9).map(onWire)
    expect(
      sar.map((p) => [
        p.sar_msg_ref_num,
        p.sar_total_segments,
        p.sar_segment_seqnum,
        p.data_coding,
      ]),
    ).toEqual([
      [9, 2, 1, 3],
      [9, 2, 2, 3],
    ])
    const [payload] = moPdus(spec({ split: "payload", dataSm: true }), 9).map(onWire)
    expect(payload?.command).toBe("data_sm")
    expect(userData(payload!, "message_payload")).toHaveLength(200)
  })

  test("never ends a part inside a surrogate pair unless partOctets forces the cut", () => {
    const text = `${"a".repeat(66)}😀`
    const whole = moPdus(spec({ text, encoding: "ucs2", split: "udh8" }), 1).map(onWire)
    expect(whole.map((p) => userData(p).length - 6)).toEqual([132, 4])
    const cut = moPdus(spec({ text: "a😀", encoding: "ucs2", partOctets: 4 }), 1).map(onWire)
    expect(cut.map((p) => userData(p).slice(6))).toEqual([
      [0x00, 0x61, 0xd8, 0x3d],
      [0xde, 0x00],
    ])
  })
})

describe("startFakeSmsc faults and MO", () => {
  test("sends MO messages in the order asked and counts the answers by status", async () => {
    const smsc = await startFakeSmsc()
    cleanups.push(() => smsc.close())
    const { connector, inbound } = await boundConnector(smsc.port)
    expect(await smsc.sendMo(spec({ text: "x".repeat(400), order: [2, 1, 0] }))).toEqual([0, 0, 0])
    expect(await smsc.sendMo(spec({ from: "", text: "no sender" }))).toEqual([0x0a])
    expect(smsc.counters).toMatchObject({ mo: 4, moResps: { 0: 3, 10: 1 } })
    expect(inbound.map((m) => m.text.length)).toEqual([400])
    expect(connector.health().counters.inbound).toBe(1)
  })

  test("drops every bound session every dropBindEveryMs until switched off", async () => {
    const smsc = await startFakeSmsc({ dropBindEveryMs: 50 })
    cleanups.push(() => smsc.close())
    const { connector } = await boundConnector(smsc.port)
    await waitFor(() => smsc.counters.bindsDropped >= 3 && smsc.binds.accepted >= 4, {
      what: "drops",
    })
    smsc.setBehaviour({ dropBindEveryMs: null })
    const dropped = smsc.counters.bindsDropped
    await waitFor(() => connector.health().usable, { what: "rebind" })
    expect((await connector.submit(outbound(["steady"]))).parts[0]?.ok).toBe(true)
    expect(smsc.counters.bindsDropped).toBe(dropped)
  })

  test("switches rejectBind, errorOnSubmit and blackHole at run time", async () => {
    const smsc = await startFakeSmsc()
    cleanups.push(() => smsc.close())
    const { connector } = await boundConnector(smsc.port)
    smsc.setBehaviour({ errorOnSubmit: { status: 0x45, fraction: 0.5 } })
    const codes = []
    for (let i = 0; i < 4; i++) {
      const [part] = (await connector.submit(outbound([`m${i}`]))).parts
      codes.push(part?.ok ? "ok" : part?.error.code)
    }
    expect(codes).toEqual(["ok", "ESME_RSUBMITFAIL", "ok", "ESME_RSUBMITFAIL"])
    smsc.setBehaviour({ errorOnSubmit: null, rejectBind: true })
    smsc.dropAll()
    await waitFor(() => smsc.binds.rejected >= 1, { what: "rejected bind" })
    smsc.setBehaviour({ rejectBind: false, blackHole: true })
    await waitFor(() => connector.health().usable, { what: "rebind" })
    void connector.submit(outbound(["never answered"]))
    await waitFor(() => smsc.submits.length === 5, { what: "black-holed submit" })
    expect(smsc.submits[4]?.message_id).toBe("")
  })
})

describe("smsc-main", () => {
  test("prints its port, then its counters on SIGTERM, and stamps each submit_sm", async () => {
    await using dir = tempDir("signalbox-smsc-")
    const stamps = join(dir.path, "submits.tsv")
    const args = ["--port", "0", "--receipts", "auto", "--stamps", stamps]
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "smsc-main.ts"), ...args], {
      stdout: "pipe",
      stderr: "inherit",
    })
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
    const reader = child.stdout.getReader()
    const { port } = JSON.parse(await readLine(reader)) as { port: number }
    expect(port).toBeGreaterThan(0)

    const { connector, receipts } = await boundConnector(port)
    await Promise.all([1, 2, 3].map((i) => connector.submit(outbound([`message ${i}`]))))
    await waitFor(() => receipts.length === 3, { what: "receipts" })
    await connector.stop()

    child.kill("SIGTERM")
    expect(JSON.parse(await readLine(reader))).toEqual({ submits: 3, receipts: 3 })
    expect(await child.exited).toBe(0)
    const lines = (await Bun.file(stamps).text()).trim().split("\n")
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toMatch(/^4915112345678\t\d+\.\d{3}$/)
  })
})

/** Reads one line at a time from a child's stdout. */
function lineReader(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let buffer = ""
  return async (): Promise<string> => {
    while (!buffer.includes("\n")) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value)
    }
    const end = buffer.indexOf("\n")
    const line = end === -1 ? buffer : buffer.slice(0, end)
    buffer = end === -1 ? "" : buffer.slice(end + 1)
    return line.trim()
  }
}

describe("smsc-main control", () => {
  test("takes fault flags, then JSON commands on stdin: set, mo, counters, drop", async () => {
    const args = ["--port", "0", "--reject-bind", "--error-status", "11", "--error-fraction", "1"]
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "smsc-main.ts"), ...args], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    })
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
    const nextLine = lineReader(child.stdout)
    const ask = async (command: Record<string, unknown>) => {
      child.stdin.write(`${JSON.stringify(command)}\n`)
      await child.stdin.flush()
      return JSON.parse(await nextLine()) as Record<string, unknown>
    }
    const { port } = JSON.parse(await nextLine()) as { port: number }

    const harness = connectorFor(smppOptions(port))
    cleanups.push(() => harness.connector.stop())
    await harness.connector.start()
    await waitFor(
      async () => ((await ask({ cmd: "counters" })).binds as { rejected: number }).rejected >= 1,
      {
        what: "rejected bind",
      },
    )
    expect(harness.connector.health().usable).toBe(false)

    expect(await ask({ cmd: "set", id: 7, behaviour: { rejectBind: false } })).toEqual({
      id: 7,
      ok: true,
    })
    await waitFor(() => harness.connector.health().usable, { what: "bind" })
    const [part] = (await harness.connector.submit(outbound(["flagged"]))).parts
    expect(!part?.ok && part?.error.code).toBe("ESME_RINVDSTADR")

    expect(await ask({ cmd: "mo", from: "+4915112345678", to: "12345", text: "STOP" })).toEqual({
      ok: true,
      statuses: [0],
    })
    expect(harness.inbound.map((m) => m.text)).toEqual(["STOP"])
    const counters = await ask({ cmd: "counters" })
    expect(counters).toMatchObject({ ok: true, bound: 1, counters: { mo: 1, moResps: { 0: 1 } } })

    expect(await ask({ cmd: "drop" })).toEqual({ ok: true })
    await waitFor(() => harness.connector.stats().connectionsLost === 1, { what: "drop" })
    expect(await ask({ cmd: "nonsense" })).toEqual({ ok: false, error: 'unknown cmd "nonsense"' })

    child.kill("SIGTERM")
    expect(JSON.parse(await nextLine())).toEqual({ submits: 1, receipts: 0 })
    expect(await child.exited).toBe(0)
  })
})
