import { describe, expect, test } from "bun:test"
import { buildDeliver } from "../fakes/modem-pdus.ts"
import { waitFor } from "../support/wait-for.ts"
import { failingHook, moStoredOnRelisting, outbound, startRig } from "./harness.ts"

/** The +CPMS commands of the init sequence and the health poll: the only ones without "SR". */
const USUAL_CPMS = new Set(["AT+CPMS=?", 'AT+CPMS="SM","SM","SM"', "AT+CPMS?"])

describe("modem connector status reports", () => {
  test("turns a +CDS status report into a receipt for the part's TP-MR", async () => {
    await using rig = await startRig({ firstMr: 200 })
    const outcome = await rig.connector.submit(outbound(["receipt please"]))
    const carrierId = outcome.parts[0]!.ok ? outcome.parts[0]!.carrierId : ""
    expect(carrierId).toBe("200")
    expect(rig.modem.submits[0]!.decoded.statusReportRequest).toBe(true)

    rig.modem.statusReport(200, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "receipt" })
    expect(rig.receipts[0]).toMatchObject({
      connectorId: "modem-1",
      carrierId: "200",
      state: "delivered",
      stat: "DELIVRD",
      error: null,
    })
    expect(rig.receipts[0]!.doneAt).toBeNumber()
    expect(rig.receipts[0]!.raw).toContain("TP-ST=0x00")
    expect(rig.connector.health().counters.receipts).toBe(1)
  })

  test.each([
    [0x46, "expired", "EXPIRED"],
    [0x41, "failed", "UNDELIV"],
    [0x48, "failed", "DELETED"],
    [0x62, "failed", "UNDELIV"],
    [0x30, "pending", "ENROUTE"],
  ])("maps TP-ST 0x%s to %s", async (status, state, stat) => {
    await using rig = await startRig({ autoReport: { status } })
    await rig.connector.submit(outbound(["report"]))
    await waitFor(() => rig.receipts.length === 1, { what: "receipt" })
    expect(rig.receipts[0]).toMatchObject({
      carrierId: "1",
      state,
      stat,
      error: `0x${status.toString(16).padStart(2, "0")}`,
    })
  })

  test("reads, reports and deletes a stored report (+CDSI) and selects SM storage again", async () => {
    await using rig = await startRig({ cnmiDs: [2], firstMr: 9 })
    await rig.connector.submit(outbound(["stored report"]))
    rig.modem.statusReport(9, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "receipt" })
    expect(rig.receipts[0]).toMatchObject({ carrierId: "9", state: "delivered" })
    await waitFor(() => rig.modem.reports.size === 0, { what: "report deleted" })
    const { commands } = rig.modem
    const sr = commands.lastIndexOf('AT+CPMS="SR"')
    expect(sr).toBeGreaterThan(-1)
    expect(commands.slice(sr)).toContain('AT+CPMS="SM"')
    // Inbound still reads the SM storage afterwards.
    rig.modem.receive({ from: "+4917600000010", text: "after the report" })
    await waitFor(() => rig.inbound.length === 1, { what: "inbound" })
    expect(rig.inbound[0]!.text).toBe("after the report")
  })

  test("keeps a stored report (+CDSI) on the SIM when storing its receipt fails, and stores it later", async () => {
    await using rig = await startRig({ cnmiDs: [2], firstMr: 11 })
    const failing = failingHook("disk full")
    rig.store.acceptReceipt = failing
    await rig.connector.submit(outbound(["not stored"]))
    rig.modem.statusReport(11, 0x00)
    await waitFor(() => failing.calls === 1, { what: "the attempt to store" })
    // The read that followed selected SM storage again, and the report was not deleted.
    await waitFor(() => rig.modem.commands.at(-1) === 'AT+CPMS="SM"', { what: "SM again" })
    expect(rig.modem.reports.size).toBe(1)
    expect(rig.modem.commands.some((c) => c.startsWith("AT+CMGD"))).toBe(false)

    // Once storing works again, the next tick lists "SR" again, stores the receipt and deletes it.
    rig.store.acceptReceipt = async () => {}
    await waitFor(() => rig.receipts.length === 1, { what: "the report stored on a later read" })
    expect(rig.receipts[0]).toMatchObject({ carrierId: "11", state: "delivered" })
    await waitFor(() => rig.modem.reports.size === 0, { what: "report deleted" })
    await waitFor(() => rig.modem.commands.at(-1) === 'AT+CPMS="SM"', { what: "SM again" })
    // One receipt, however many reads it took to store it.
    expect(rig.connector.health().counters.receipts).toBe(1)
  })

  test("reads a report already in SR when it starts (no +CDSI during this run), stores it and deletes it", async () => {
    await using rig = await startRig({}, {}, { before: (modem) => modem.storeReport(42, 0x00) })
    await waitFor(() => rig.receipts.length === 1, { what: "receipt of the stored report" })
    expect(rig.receipts[0]).toMatchObject({ carrierId: "42", state: "delivered", stat: "DELIVRD" })
    await waitFor(() => rig.modem.reports.size === 0, { what: "report deleted" })
    const { commands } = rig.modem
    const sr = commands.indexOf('AT+CPMS="SR"')
    expect(commands.slice(sr, sr + 4)).toEqual([
      'AT+CPMS="SR"',
      "AT+CMGL=4",
      `AT+CMGD=${rig.modem.options.firstIndex}`,
      'AT+CPMS="SM"',
    ])
  })

  test("reads, stores and deletes a report whose receipt failed to store, after the connector restarts", async () => {
    await using rig = await startRig({ cnmiDs: [2], firstMr: 21 })
    const failing = failingHook("database is locked")
    rig.store.acceptReceipt = failing
    await rig.connector.submit(outbound(["stored after a restart"]))
    rig.modem.statusReport(21, 0x00)
    await waitFor(() => failing.calls >= 1, { what: "the failed attempt to store" })
    expect(rig.receipts).toEqual([])

    // A new connector (a new inbox, nothing remembered); the database works again meanwhile.
    await rig.restartConnector(() => {
      expect(rig.modem.reports.size).toBe(1)
      rig.store.acceptReceipt = async () => {}
    })
    await waitFor(() => rig.receipts.length === 1, { what: "receipt after the restart" })
    expect(rig.receipts[0]).toMatchObject({ carrierId: "21", state: "delivered" })
    await waitFor(() => rig.modem.reports.size === 0, { what: "report deleted" })
    expect(rig.connector.health().counters.receipts).toBe(1)
  })

  test("sends no +CPMS beyond init and the health poll when +CPMS=? lists no SR", async () => {
    await using rig = await startRig({ readStorages: ["SM"], cnmiDs: [1], firstMr: 30 })
    // A failed MO store makes the next tick list the SIM again: a full scan, after the first.
    await moStoredOnRelisting(rig, "+4917600000031", "scan twice")
    await rig.connector.submit(outbound(["via +CDS"]))
    rig.modem.statusReport(30, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "+CDS receipt" })
    await rig.connector.inbox.idle()

    const { commands } = rig.modem
    expect(commands.filter((c) => c === "AT+CMGL=4").length).toBeGreaterThanOrEqual(2)
    expect(commands.filter((c) => c.startsWith("AT+CPMS") && !USUAL_CPMS.has(c))).toEqual([])
  })

  test("in SR, deletes an undecodable report, leaves an SMS-DELIVER alone, and stores the rest", async () => {
    await using rig = await startRig(
      {},
      {},
      {
        before: (modem) => {
          // A truncated SMS-STATUS-REPORT: first octet only.
          modem.storeReport({ hex: "0006", tpduLength: 1 })
          modem.storeReport(buildDeliver({ from: "+4917600000040", text: "not a report" }))
          modem.storeReport(43, 0x46)
        },
      },
    )
    await waitFor(() => rig.receipts.length === 1, { what: "receipt of the valid report" })
    expect(rig.receipts[0]).toMatchObject({ carrierId: "43", state: "expired" })
    await waitFor(() => rig.modem.reports.size === 1, { what: "report and garbage deleted" })
    const first = rig.modem.options.firstIndex
    expect([...rig.modem.reports.keys()]).toEqual([first + 1])
    expect(rig.connector.health().details.undecodable).toBe(1)

    // Still healthy: an MO message is read and the storage is SM again.
    rig.modem.receive({ from: "+4917600000041", text: "after the garbage" })
    await waitFor(() => rig.inbound.length === 1, { what: "inbound" })
    expect(rig.modem.reports.size).toBe(1)
  })
})
