import { describe, expect, test } from "bun:test"
import { segmentText } from "../../src/codec/segment.ts"
import type { SubmitPartResult } from "../../src/connectors/connector.ts"
import { outbound, startRig } from "./harness.ts"

function ok(result: SubmitPartResult | undefined): string {
  if (!result?.ok) throw new Error(`part failed: ${JSON.stringify(result)}`)
  return result.carrierId
}

describe("modem connector sending", () => {
  test("sends a single GSM-7 part and returns the TP-MR as the carrier id", async () => {
    await using rig = await startRig({ firstMr: 41 })
    const outcome = await rig.connector.submit(
      outbound(["Your code is 4711 {ok}"], { to: "+4915112345678" }),
    )
    expect(outcome.parts.map(ok)).toEqual(["41"])
    const [submit] = rig.modem.submits
    expect(submit!.decoded).toMatchObject({
      to: "+4915112345678",
      toa: 0x91,
      text: "Your code is 4711 {ok}",
      dcs: 0x00,
      statusReportRequest: true,
      concat: null,
      smsc: null,
      messageReference: 0,
    })
    // AT+CMGS=<length> counts the TPDU without the one-octet empty SMSC field.
    expect(submit!.length).toBe(submit!.hex.length / 2 - 1)
    expect(rig.connector.health().counters).toMatchObject({ sent: 1, failed: 0 })
  })

  test("sends a three-part GSM-7 message with one UDH reference, in order", async () => {
    await using rig = await startRig({ firstMr: 254 })
    const text = `${"Signalbox [modem] test ".repeat(18)}€ end`
    const { parts, encoding } = segmentText(text)
    expect(parts).toHaveLength(3)
    const message = outbound(parts, { encoding, reference: 0xa7 })
    const outcome = await rig.connector.submit(message)
    // TP-MR wraps at 256.
    expect(outcome.parts.map(ok)).toEqual(["254", "255", "0"])
    const decoded = rig.modem.submits.map((s) => s.decoded)
    expect(decoded.map((d) => d.concat)).toEqual([
      { reference: 0xa7, total: 3, sequence: 1 },
      { reference: 0xa7, total: 3, sequence: 2 },
      { reference: 0xa7, total: 3, sequence: 3 },
    ])
    expect(decoded.map((d) => d.text).join("")).toBe(text)
    expect(decoded.every((d) => d.udl <= 160 && d.statusReportRequest)).toBe(true)
  })

  test("sends UCS-2 parts with DCS 0x08 and no status report when none is wanted", async () => {
    await using rig = await startRig()
    const text = `Привет! ${"Сообщение из шлюза. ".repeat(5)}😀`
    const { parts, encoding } = segmentText(text)
    expect(encoding).toBe("ucs2")
    const outcome = await rig.connector.submit(
      outbound(parts, { encoding, requestReceipt: false, reference: 3 }),
    )
    expect(outcome.parts.every((p) => p.ok)).toBe(true)
    const decoded = rig.modem.submits.map((s) => s.decoded)
    expect(decoded.every((d) => d.dcs === 0x08 && !d.statusReportRequest)).toBe(true)
    expect(decoded.map((d) => d.text).join("")).toBe(text)
    expect(decoded.map((d) => d.concat?.sequence)).toEqual(parts.map((_, i) => i + 1))
  })

  test("stops at a temporary +CMS ERROR and reports it as temporary", async () => {
    await using rig = await startRig()
    const message = outbound(["part one ", "part two ", "part three"])
    rig.modem.failNextSends(331, 1)
    const outcome = await rig.connector.submit(message)
    expect(outcome.parts).toHaveLength(1)
    expect(outcome.parts[0]).toMatchObject({
      index: 0,
      ok: false,
      error: { code: "+CMS ERROR: 331", temporary: true },
    })
    expect(rig.modem.submits).toHaveLength(0)
    // A retry carries only the parts without a carrier id; here: all of them, and they go through.
    const retry = await rig.connector.submit(message)
    expect(retry.parts.map((p) => p.ok)).toEqual([true, true, true])
  })

  test("stops after the first failed part on a permanent +CMS ERROR", async () => {
    await using rig = await startRig({ firstMr: 7 })
    rig.modem.failNextSends(1, 1, 1) // part 2: unassigned (unallocated) number
    const outcome = await rig.connector.submit(
      outbound(["first part ", "second part ", "third part"]),
    )
    expect(outcome.parts).toEqual([
      expect.objectContaining({ index: 0, ok: true, carrierId: "7" }),
      expect.objectContaining({
        index: 1,
        ok: false,
        error: expect.objectContaining({ code: "+CMS ERROR: 1", temporary: false }),
      }),
    ])
    expect(rig.modem.submits.map((s) => s.decoded.text)).toEqual(["first part "])
    expect(rig.modem.commands.filter((c) => c.startsWith("AT+CMGS"))).toHaveLength(2)
    expect(rig.connector.health().counters).toMatchObject({ sent: 1, failed: 1 })
    expect(rig.connector.health().lastError).toContain("+CMS ERROR: 1")
  })

  test("refuses with not_bound while the modem is not registered", async () => {
    await using rig = await startRig({ registration: 3 }, {}, { waitReady: false })
    const outcome = await rig.connector.submit(outbound(["hello"]))
    expect(outcome.parts[0]).toMatchObject({
      ok: false,
      error: { code: "not_bound", temporary: true },
    })
    expect(rig.modem.commands.some((c) => c.startsWith("AT+CMGS"))).toBe(false)
  })

  test("refuses with saturated beyond its small queue and keeps order", async () => {
    await using rig = await startRig({}, { tps: 50 })
    const messages = Array.from({ length: 6 }, (_, i) => outbound([`message ${i}`]))
    const outcomes = await Promise.all(messages.map((m) => rig.connector.submit(m)))
    const codes = outcomes.map((o) => (o.parts[0]!.ok ? "sent" : o.parts[0]!.error.code))
    expect(codes.filter((c) => c === "saturated").length).toBeGreaterThan(0)
    const sent = rig.modem.submits.map((s) => s.decoded.text)
    expect(sent).toEqual(
      messages.filter((_, i) => codes[i] === "sent").map((m) => m.parts[0]!.text),
    )
  })

  test("sends through a noisy Huawei-style modem whose answers arrive in pieces", async () => {
    await using rig = await startRig({ profile: "huawei", chunked: true })
    const outcome = await rig.connector.submit(outbound(["through the noise ", "and back"]))
    expect(outcome.parts.map((p) => p.ok)).toEqual([true, true])
    expect(rig.modem.submits.map((s) => s.decoded.text).join("")).toBe("through the noise and back")
  })

  test("fails a part the codec cannot encode as permanent without touching the modem", async () => {
    await using rig = await startRig()
    const outcome = await rig.connector.submit(outbound(["ж"], { encoding: "gsm7" }))
    expect(outcome.parts[0]).toMatchObject({
      ok: false,
      error: { code: "unencodable", temporary: false },
    })
    expect(rig.modem.commands.some((c) => c.startsWith("AT+CMGS"))).toBe(false)
  })
})
