import { describe, expect, test } from "bun:test"
import { waitFor } from "../support/wait-for.ts"
import { outbound, startRig } from "./harness.ts"

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
    let attempts = 0
    rig.store.acceptReceipt = async () => {
      attempts++
      throw new Error("disk full")
    }
    await rig.connector.submit(outbound(["not stored"]))
    rig.modem.statusReport(11, 0x00)
    await waitFor(() => attempts === 1, { what: "the attempt to store" })
    // The read that followed selected SM storage again, and the report was not deleted.
    await waitFor(() => rig.modem.commands.at(-1) === 'AT+CPMS="SM"', { what: "SM again" })
    expect(rig.modem.reports.size).toBe(1)
    expect(rig.modem.commands.some((c) => c.startsWith("AT+CMGD"))).toBe(false)

    // Once storing works again, housekeeping reads the report from its storage again, stores it
    // and deletes it: the scan lists only SM, so nothing else would.
    rig.store.acceptReceipt = async () => {}
    await waitFor(() => rig.receipts.length === 1, { what: "the report stored on a later read" })
    expect(rig.receipts[0]).toMatchObject({ carrierId: "11", state: "delivered" })
    await waitFor(() => rig.modem.reports.size === 0, { what: "report deleted" })
    await waitFor(() => rig.modem.commands.at(-1) === 'AT+CPMS="SM"', { what: "SM again" })
    // One receipt, however many reads it took to store it.
    expect(rig.connector.health().counters.receipts).toBe(1)
  })
})
