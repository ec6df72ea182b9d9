import { describe, expect, test } from "bun:test"
import { missingMarker } from "../../src/modem/reassembly.ts"
import { BEELINE_UCS2_16BIT, PYGSM_MULTIPART, PYGSM_YO } from "../fixtures/modem/published-pdus.ts"
import { waitFor } from "../support/wait-for.ts"
import { failingHook, startRig, stored } from "./harness.ts"

/** A promise the test releases by hand. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {}
  const wait = new Promise<void>((resolve) => {
    open = resolve
  })
  return { wait, open }
}

describe("modem connector receiving", () => {
  test("reads an SMS on +CMTI and deletes it only after inbound() resolved", async () => {
    await using rig = await startRig()
    const stored_ = gate()
    rig.store.accept = () => stored_.wait
    const sentAt = new Date("2026-03-01T10:20:30Z")
    const index = rig.modem.receive({
      from: "+4917612345678",
      text: "Hi there {x}",
      sentAt,
      zoneQuarters: -20,
    })
    expect(index).toBe(0)

    await waitFor(() => rig.inboundCalls.length === 1, { what: "inbound called" })
    expect(rig.modem.commands).toContain("AT+CMGR=0")
    expect(rig.modem.commands).not.toContain("AT+CMGD=0")
    expect(rig.modem.sim.has(0)).toBe(true)

    stored_.open()
    await waitFor(() => rig.modem.deleted.includes(0), { what: "+CMGD after store" })
    expect(rig.modem.sim.size).toBe(0)
    expect(rig.inbound).toHaveLength(1)
    expect(rig.inbound[0]).toMatchObject({
      connectorId: "modem-1",
      from: "+4917612345678",
      to: null,
      text: "Hi there {x}",
      encoding: "gsm7",
      parts: 1,
      sentAt: sentAt.getTime(),
    })
    expect(rig.inbound[0]!.externalId).toMatch(/^sim:[0-9a-f]{24}$/u)
    expect(rig.connector.health().counters.inbound).toBe(1)
  })

  test("leaves the SMS on the SIM while inbound() rejects and stores it once when it succeeds", async () => {
    await using rig = await startRig()
    const failing = failingHook("database is locked", 2)
    rig.store.accept = failing
    const index = rig.modem.receive({ from: "+4917600000001", text: "retry me" })
    await waitFor(() => failing.calls >= 2, { what: "two rejections" })
    expect(rig.modem.deleted).not.toContain(index)
    expect(rig.modem.sim.has(index)).toBe(true)

    await waitFor(() => rig.modem.deleted.includes(index), {
      what: "deleted after the retry stored it",
    })
    expect(rig.inbound.map((m) => m.text)).toEqual(["retry me"])
    expect(rig.inboundCalls).toHaveLength(3)
    // Every attempt names the same message, so a store can de-duplicate.
    expect(new Set(rig.inboundCalls.map((m) => m.externalId)).size).toBe(1)
  })

  test("processes messages already on the SIM when it starts", async () => {
    await using rig = await startRig(
      {},
      {},
      {
        before: (modem) => {
          modem.receive(stored(PYGSM_YO), false)
          modem.receive({ from: "Bank", text: "Code 1234", encoding: "ucs2" }, false)
        },
      },
    )
    await waitFor(() => rig.modem.sim.size === 0, { what: "SIM emptied" })
    expect(rig.inbound.map((m) => [m.from, m.text, m.encoding])).toEqual([
      // TON unknown, 11 digits: a valid number as +1 415…, read so as an SMPP sender would be.
      ["+14153773715", "Yo", "gsm7"],
      ["Bank", "Code 1234", "ucs2"],
    ])
    expect(rig.modem.deleted).toEqual([0, 1])
  })

  test("reassembles parts that arrive out of order and interleaved with other senders", async () => {
    await using rig = await startRig({ firstIndex: 1 })
    const beeline = BEELINE_UCS2_16BIT.parts.map(stored) // sequence 2, 1, 3, 4
    const pygsm = PYGSM_MULTIPART.parts.map(stored) // sequence 1, 2
    const b2 = rig.modem.receive(beeline[0]!)
    const p2 = rig.modem.receive(pygsm[1]!)
    const yo = rig.modem.receive(stored(PYGSM_YO))
    // Stored first, deleted from the SIM after: wait for both.
    await waitFor(() => rig.inbound.length === 1 && rig.modem.deleted.length === 1, {
      what: "the single-part message stored and deleted",
    })
    expect(rig.inbound[0]!.text).toBe("Yo")
    // The partial parts stay on the SIM.
    expect(rig.modem.deleted).toEqual([yo])
    expect([...rig.modem.sim.keys()].sort()).toEqual([b2, p2].sort())

    const b1 = rig.modem.receive(beeline[1]!)
    const p1 = rig.modem.receive(pygsm[0]!)
    const b3 = rig.modem.receive(beeline[2]!)
    await waitFor(() => rig.inbound.length === 2, { what: "the pygsm message" })
    const b4 = rig.modem.receive(beeline[3]!)
    await waitFor(() => rig.inbound.length === 3, { what: "the Beeline message" })

    expect(rig.inbound.map((m) => [m.from, m.parts, m.encoding, m.text])).toEqual([
      ["+14153773715", 1, "gsm7", "Yo"],
      [PYGSM_MULTIPART.from, 2, "gsm7", PYGSM_MULTIPART.text],
      [BEELINE_UCS2_16BIT.from, 4, "ucs2", BEELINE_UCS2_16BIT.text],
    ])
    await waitFor(() => rig.modem.sim.size === 0, { what: "SIM emptied" })
    expect(rig.modem.deleted.sort()).toEqual([yo, p1, p2, b1, b2, b3, b4].sort())
    expect(rig.connector.health().details.partial_messages).toBe(0)
  })

  test("delivers an incomplete message with its gaps marked after the reassembly timeout", async () => {
    await using rig = await startRig({}, { reassembly_timeout_ms: 250 })
    const index = rig.modem.receive({
      from: "+4917600000002",
      text: "second half",
      concat: { reference: 9, total: 2, sequence: 2 },
    })
    await waitFor(() => rig.connector.health().details.partial_messages === 1, {
      what: "partial set tracked",
    })
    expect(rig.inbound).toHaveLength(0)
    await waitFor(() => rig.inbound.length === 1, { what: "expired set delivered" })
    expect(rig.inbound[0]).toMatchObject({ text: `${missingMarker(1, 2)}second half`, parts: 1 })
    await waitFor(() => rig.modem.deleted.includes(index), { what: "deleted" })
  })

  test("stores a message routed directly with +CMT", async () => {
    await using rig = await startRig()
    rig.modem.receiveDirect({ from: "+4917600000003", text: "flash" })
    await waitFor(() => rig.inbound.length === 1, { what: "+CMT stored" })
    expect(rig.inbound[0]).toMatchObject({ from: "+4917600000003", text: "flash" })
  })

  test("removes a discard-type voicemail indication without storing it", async () => {
    await using rig = await startRig()
    // TS 23.038 §4 group 1100: message waiting, discard message (DCS 0xC8, voicemail active).
    const index = rig.modem.receive({ from: "+4917600000004", text: "1 new voicemail", dcs: 0xc8 })
    await waitFor(() => rig.modem.deleted.includes(index), { what: "deleted" })
    expect(rig.inbound).toHaveLength(0)
  })

  test("is not confused by garbage and by URCs inside a +CMGL answer", async () => {
    let second = -1
    await using rig = await startRig(
      {},
      {},
      {
        before: (modem) => {
          modem.receive({ from: "+4917600000005", text: "first" }, false)
          second = modem.receive({ from: "+4917600000006", text: "second" }, false)
          // The +CMTI for the second SMS lands between the lines of the +CMGL answer, with noise.
          modem.injectIntoNextResponse(
            "AT+CMGL",
            `\r\n+CMTI: "SM",${second}\r\n\u0001\u0002\u00ff\u0000garbage\r\n^RSSI:9\r\n${"Z".repeat(5000)}\r\n`,
          )
        },
      },
    )
    rig.modem.sendRaw(Uint8Array.of(0xff, 0xfe, 0x00, 0x0d, 0x0a, 0x07, 0x41, 0x0d, 0x0a))
    await waitFor(() => rig.modem.sim.size === 0, { what: "SIM emptied" })
    expect(rig.inbound.map((m) => m.text).sort()).toEqual(["first", "second"])
    expect(rig.connector.health().details.noise_lines).toBeGreaterThan(0)
    // Still healthy afterwards.
    const outcome = await rig.connector.submit({
      id: "msg_after_noise",
      to: "+4915112345678",
      from: null,
      encoding: "gsm7",
      partCount: 1,
      parts: [{ index: 0, text: "still fine" }],
      reference: 1,
      requestReceipt: false,
    })
    expect(outcome.parts[0]!.ok).toBe(true)
  })
})
