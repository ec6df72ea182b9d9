import { describe, expect, test } from "bun:test"
import type { Logger } from "../../src/lib/logger.ts"
import type { FakeModem } from "../fakes/modem.ts"
import { buildDeliver, buildStatusReport } from "../fakes/modem-pdus.ts"
import { waitFor } from "../support/wait-for.ts"
import { warnLog } from "../support/warn-log.ts"
import { moStoredOnRelisting, outbound, startRig } from "./harness.ts"

/** Selects, listings, reads and deletes: the commands that depend on the selected <mem1>. */
const STORAGE_COMMAND = /^AT\+(CPMS=["]|CMG[LRD])/u

function count(modem: FakeModem, command: string): number {
  return modem.commands.filter((c) => c === command).length
}

/** Reports announced with +CDSI in SR, where the modem refuses every `command`. */
function refusingInSr(firstMr: number, command: string, logger: Logger) {
  return startRig(
    { cnmiDs: [2], firstMr },
    {},
    { before: (modem) => modem.failNext(command, "+CMS ERROR: 302", Infinity, "SR"), logger },
  )
}

/**
 * Reports announced with +CDSI in SR, where an SMS-DELIVER (not ours) already waits, and no
 * ticks: only the task under test lists or switches storages.
 */
function untickedWithDeliverInSr(firstMr: number) {
  return startRig(
    { cnmiDs: [2], firstMr },
    { poll_interval_ms: 600_000 },
    {
      before: (modem) =>
        modem.storeReport(
          buildDeliver({ from: `+49176000000${firstMr}`, text: "in SR, not ours" }),
        ),
    },
  )
}

describe("modem connector report storages the modem will not use", () => {
  test.each([
    ["select", (modem: FakeModem) => modem.failNext('AT+CPMS="SR"', "+CMS ERROR: 302", Infinity)],
    ["listing", (modem: FakeModem) => modem.failNext("AT+CMGL", "ERROR", Infinity, "SR")],
  ])(
    "stops using SR after the modem refuses its %s, with no listing of the SIM on every tick",
    async (what, refuse) => {
      const log = warnLog()
      await using rig = await startRig({ firstMr: 60 }, {}, { before: refuse, logger: log.logger })
      const polls = () => count(rig.modem, "AT+CPMS?")
      const start = polls()
      await waitFor(() => polls() >= start + 6, { what: "six more health polls and ticks" })

      // MO messages and receipts still work: +CMTI in SM, +CDS, and a report stored in SM. The
      // first MO fails to store once, so a later tick lists the SIM again, without SR.
      await moStoredOnRelisting(rig, "+4917600000060", "still received")
      await rig.connector.submit(outbound(["via +CDS"]))
      rig.modem.statusReport(60, 0x00)
      await waitFor(() => rig.receipts.length === 1, { what: "+CDS receipt" })
      rig.modem.receive(buildStatusReport({ mr: 61, recipient: "+4915112345678", status: 0x00 }))
      await waitFor(() => rig.receipts.length === 2, { what: "receipt of a report in SM" })
      await rig.connector.inbox.idle()

      expect(count(rig.modem, 'AT+CPMS="SR"')).toBe(1)
      // Listings of SM: when ready, after the failed MO store, and every 30 ticks; none because
      // of the refusal. Plus the refused listing of SR.
      const srListings = what === "listing" ? 1 : 0
      expect(count(rig.modem, "AT+CMGL=4")).toBeLessThanOrEqual(
        2 + srListings + Math.floor(polls() / 30),
      )
      expect(rig.modem.storage).toBe("SM")
      const warnings = log.messages()
      expect(warnings.filter((m) => m.includes("refuses a status report storage"))).toHaveLength(1)
      expect(warnings).not.toContain("inbox task failed")
      expect(rig.modem.sim.size).toBe(0)

      // A new initialisation may find the storage usable: it is tried once more.
      await rig.modem.replug()
      await waitFor(() => count(rig.modem, 'AT+CPMS="SR"') === 2, { what: "SR tried again" })
    },
  )

  test("selects SM again when the select of SR is answered after the deadline, and deletes nothing unstored", async () => {
    // No ticks: nothing but the failed read itself can select SM again.
    await using rig = await untickedWithDeliverInSr(70)
    await rig.connector.inbox.idle()
    const notOurs = rig.modem.options.firstIndex
    await rig.connector.submit(outbound(["late select"]))
    const from = rig.modem.commands.length
    // The modem selects SR but answers only when the driver, having timed out, sends its next line.
    rig.modem.answerLateNext('AT+CPMS="SR"')
    rig.modem.statusReport(70, 0x00)
    await waitFor(() => count(rig.modem, 'AT+CPMS="SR"') === 2, { what: "the select of SR" })
    await rig.connector.inbox.idle()
    const storageCommands = rig.modem.commands.slice(from).filter((c) => STORAGE_COMMAND.test(c))
    expect(storageCommands).toEqual(['AT+CPMS="SR"', 'AT+CPMS="SM"'])
    expect(rig.modem.storage).toBe("SM")
    expect(rig.receipts).toEqual([])
    expect([...rig.modem.reports.keys()]).toEqual([notOurs, notOurs + 1])

    // The next listing (here: after a restart) finds the report, stores it and deletes it.
    await rig.restartConnector()
    await waitFor(() => rig.receipts.length === 1, { what: "receipt from the listing" })
    await waitFor(() => !rig.modem.reports.has(notOurs + 1), { what: "report deleted" })
    await rig.connector.inbox.idle()
    expect(rig.receipts[0]).toMatchObject({ carrierId: "70", state: "delivered" })
    // The SMS-DELIVER in SR was never taken for an SM message, delivered, or deleted.
    expect(rig.inboundCalls).toEqual([])
    expect([...rig.modem.reports.keys()]).toEqual([notOurs])
    expect(rig.modem.storage).toBe("SM")
  })

  test("selects SM before reading a +CMTI index when the switch back from SR failed", async () => {
    // No ticks: the +CMTI read is the first task on SM after the failed switch back.
    await using rig = await untickedWithDeliverInSr(80)
    await rig.connector.inbox.idle()
    const first = rig.modem.options.firstIndex
    await rig.connector.submit(outbound(["switch back fails"]))
    // (U)SIM busy: the modem stays on SR.
    rig.modem.failNext('AT+CPMS="SM"', "+CMS ERROR: 314")
    rig.modem.statusReport(80, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "receipt of the +CDSI report" })
    await waitFor(() => count(rig.modem, 'AT+CPMS="SM"') >= 1, { what: "the switch back" })
    await rig.connector.inbox.idle()
    expect(rig.modem.storage).toBe("SR")

    const from = rig.modem.commands.length
    // The same index as the SMS-DELIVER waiting in SR.
    expect(rig.modem.receive({ from: "+4917600000081", text: "in SM" })).toBe(first)
    await waitFor(() => rig.inbound.length === 1, { what: "MO from SM" })
    await rig.connector.inbox.idle()
    expect(rig.modem.commands.slice(from, from + 2)).toEqual(['AT+CPMS="SM"', `AT+CMGR=${first}`])
    expect(rig.inboundCalls.map((m) => m.text)).toEqual(["in SM"])
    expect(rig.modem.storage).toBe("SM")
    expect([...rig.modem.reports.keys()]).toEqual([first])
    expect(rig.modem.sim.size).toBe(0)
  })

  test("reads reports from the listing when the modem refuses +CMGR in SR, warning once", async () => {
    const log = warnLog()
    await using rig = await refusingInSr(90, "AT+CMGR", log.logger)
    await rig.connector.submit(outbound(["first report"]))
    await rig.connector.submit(outbound(["second report"]))
    rig.modem.statusReport(90, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "first receipt, from a listing of SR" })
    rig.modem.statusReport(91, 0x00)
    await waitFor(() => rig.receipts.length === 2, { what: "second receipt, from a listing of SR" })
    await rig.connector.inbox.idle()

    // One refused read: the second +CDSI goes straight to the next listing.
    const srReads = rig.modem.commands.filter((c) => c.startsWith("AT+CMGR"))
    expect(srReads).toHaveLength(1)
    expect(rig.receipts.map((r) => [r.carrierId, r.state])).toEqual([
      ["90", "delivered"],
      ["91", "delivered"],
    ])
    expect(rig.modem.reports.size).toBe(0)
    expect(rig.modem.storage).toBe("SM")
    const warnings = log.messages()
    expect(warnings.filter((m) => m.includes("refuses to read a status report"))).toHaveLength(1)
    expect(warnings).not.toContain("inbox task failed")
  })

  test("stores a report's receipt once when the modem refuses to delete it from SR, and tries the delete again", async () => {
    const log = warnLog()
    await using rig = await refusingInSr(95, "AT+CMGD", log.logger)
    await rig.connector.submit(outbound(["undeletable"]))
    rig.modem.statusReport(95, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "the receipt" })
    await moStoredOnRelisting(rig, "+4917600000095")

    expect(rig.receipts).toHaveLength(1)
    expect(rig.modem.reports.size).toBe(1)
    // Two in SR (refused, then tried again at the listing, without a second receipt) and one in
    // SM for the MO, which took the same index there.
    expect(count(rig.modem, `AT+CMGD=${rig.modem.options.firstIndex}`)).toBe(3)
    expect(rig.modem.storage).toBe("SM")
    const warnings = log.messages()
    expect(warnings.filter((m) => m.includes("refuses to delete a status report"))).toHaveLength(1)
    expect(warnings).not.toContain("inbox task failed")
  })

  test("deletes a report at the next listing after one refused +CMGD, storing its receipt once", async () => {
    await using rig = await startRig(
      { cnmiDs: [2], firstMr: 97 },
      {},
      { before: (modem) => modem.failNext("AT+CMGD", "+CMS ERROR: 314", 1, "SR") },
    )
    await rig.connector.submit(outbound(["busy once"]))
    rig.modem.statusReport(97, 0x00)
    await waitFor(() => rig.receipts.length === 1, { what: "the receipt" })
    expect(rig.modem.reports.size).toBe(1)
    await moStoredOnRelisting(rig, "+4917600000097")

    expect(rig.receipts).toHaveLength(1)
    expect(rig.modem.reports.size).toBe(0)
  })

  test("a visit that fails logs its own error; a failed switch back is logged beside it", async () => {
    const log = warnLog()
    await using rig = await startRig(
      { cnmiDs: [2], firstMr: 100 },
      // No health polls: only the visit's commands go unanswered.
      { poll_interval_ms: 600_000 },
      { logger: log.logger },
    )
    await rig.connector.submit(outbound(["unanswered visit"]))
    rig.modem.setSilent(true)
    rig.modem.statusReport(100, 0x00)
    const failed = await waitFor(() => log.entries().find((l) => l.msg === "inbox task failed"), {
      what: "the failed visit",
    })
    // The select of SR timed out, and so did the switch back to SM: the task names the first.
    expect(failed.err).toStartWith('AT+CPMS="SR"')
    expect(
      log.entries().find((l) => l.msg.startsWith("selecting the SIM storage again"))?.err,
    ).toStartWith('AT+CPMS="SM"')
    rig.modem.setSilent(false)
  })

  test("sim_used counts the SIM though a health poll is answered while SR stays selected", async () => {
    await using rig = await startRig(
      { cnmiDs: [2], firstMr: 110 },
      { poll_interval_ms: 150 },
      {
        before: (modem) => {
          for (const n of [1, 2])
            modem.storeReport(buildDeliver({ from: `+491760000011${n}`, text: "in SR, not ours" }))
        },
      },
    )
    await rig.connector.inbox.idle()
    const commands: string[] = []
    rig.modem.onEvent = (e) => {
      if (e.type === "command") commands.push(`${rig.modem.storage} ${e.line}`)
    }
    await rig.connector.submit(outbound(["poll me"]))
    // (U)SIM busy three times: the switch back fails, and SR stays selected across polls.
    rig.modem.failNext('AT+CPMS="SM"', "+CMS ERROR: 314", 3)
    rig.modem.statusReport(110, 0x00)
    // A poll's +CPMS? sent while SR was selected, and a command after it: its answer was read.
    await waitFor(
      () => {
        const at = commands.indexOf("SR AT+CPMS?")
        return at >= 0 && commands.length > at + 1
      },
      { what: "a health poll answered from SR" },
    )
    // SM holds nothing; SR holds the two SMS-DELIVERs, which an answer from SR would count.
    expect(rig.modem.sim.size).toBe(0)
    expect(rig.connector.health().details.sim_used).toBe(0)
  })
})
