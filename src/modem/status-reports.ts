/**
 * Status reports (SMS-STATUS-REPORT, TS 23.040 §9.2.2.3) turned into receipts, and the storages
 * they wait in besides the inbox's own.
 *
 * A report announced with +CDSI: "SR",<index> is read from its storage and deleted only once its
 * receipt is stored. Every listing of the SIM also lists the report storages (`storages`), so a
 * report left there by a failed store, or by a +CDSI that came while the gateway was down, is
 * found again without anything kept in memory. The inbox (inbox.ts) runs all of this on its one
 * task queue.
 *
 * Some modems list "SR" in +CPMS=? and then refuse to select or list it: a refusal takes that
 * storage out of use until the modem initialises again (`onReady`). A modem that lists a report
 * storage but refuses to read one entry by index (+CMGR) has its reports there read from the next
 * listing instead; one that refuses to delete them (+CMGD) has each report's receipt stored once
 * and the delete tried again at later listings (each refusal logged once). A visit always ends with an
 * attempt to select our own storage; when that attempt fails the selection is unknown, and
 * `ensureOwnStorage()` selects our storage before the inbox's next command on it.
 */
import { decodeSmsPdu, type SmsStatusReport } from "../codec/sms-pdu.ts"
import type { ConnectorEvents } from "../connectors/connector.ts"
import type { Logger } from "../lib/logger.ts"
import type { AtCommand, AtResult } from "./at-engine.ts"
import { isEmptySlot, isRefusal } from "./at-errors.ts"
import { parseCmgl, parseCmgr, type StoredPdu } from "./at-responses.ts"
import { receiptFromReport } from "./receipt.ts"

/** TS 27.005 §3.2.2 <mem1> "SR": status report storage. */
const STATUS_REPORT_STORAGE = "SR"
/** Storages named by +CDSI remembered for listing; a few at most on real modems. */
const MAX_ANNOUNCED_STORAGES = 4
/**
 * Entries of a report storage remembered across listings (left alone, or stored and not yet
 * deleted); the oldest is forgotten past this, far above any modem's storage.
 */
const MAX_REMEMBERED = 1000

export interface StatusReportDeps {
  connectorId: string
  run(command: AtCommand): Promise<AtResult>
  events: Pick<ConnectorEvents, "receipt">
  log: Logger
  /** The inbox's own storage ("SM"): selected again after each visit elsewhere. */
  storage: string
  /** The <mem1> storages +CPMS=? listed at the last initialisation; empty when unknown. */
  readStorages(): readonly string[]
  /**
   * The inbox lists everything again at its next tick: a receipt failed to store, or a report
   * could not be read by its index.
   */
  listAgain(): void
  /** The inbox's counters this adds to. */
  stats: { receipts: number; undecodable: number }
}

export type ReportOutcome = "stored" | "failed" | "undecodable" | "other type"

export class StatusReports {
  /** Storages a +CDSI named during this run: listed with "SR" (`storages`). */
  private readonly announced = new Set<string>()
  /** `storage:index:pdu` of SMS-DELIVERs and SMS-SUBMITs in a report storage: not ours, left. */
  private readonly kept = new Set<string>()
  /** `storage:index:pdu` of reports whose receipt is stored and whose +CMGD has not succeeded. */
  private readonly stored = new Set<string>()
  /**
   * Storages where the modem refused a +CMGR (their reports are read from listings) or a +CMGD
   * (logged once); both forgotten when it initialises again.
   */
  private readonly readRefused = new Set<string>()
  private readonly deleteRefused = new Set<string>()
  /** Storages the modem refused to select or list since it last initialised: not tried again. */
  private readonly refused = new Set<string>()
  /** false while another storage may be <mem1>: a switch back failed, or a visit is under way. */
  private ownSelected = true

  constructor(private readonly deps: StatusReportDeps) {}

  /** The modem initialised: it selected our storage, and may accept a storage it refused. */
  onReady(): void {
    this.refused.clear()
    this.readRefused.clear()
    this.deleteRefused.clear()
    this.ownSelected = true
  }

  /**
   * Before a command on our own storage: selects it again if a visit elsewhere could not switch
   * back. Throws (and nothing touches the SIM) if that fails too.
   */
  async ensureOwnStorage(): Promise<void> {
    if (!this.ownSelected) await this.selectOwn()
  }

  private announce(storage: string): void {
    if (this.announced.size < MAX_ANNOUNCED_STORAGES) this.announced.add(storage)
  }

  /**
   * Where status reports may wait besides our own storage: "SR" when +CPMS=? lists it, and any
   * storage a +CDSI named during this run. A modem without "SR" gets no extra commands.
   */
  storages(): string[] {
    const storages = new Set(this.announced)
    if (this.deps.readStorages().includes(STATUS_REPORT_STORAGE))
      storages.add(STATUS_REPORT_STORAGE)
    storages.delete(this.deps.storage)
    for (const storage of this.refused) storages.delete(storage)
    return [...storages]
  }

  /** Lists a report storage and settles each entry; false when storing a receipt failed. */
  async scan(storage: string): Promise<boolean> {
    const settled = await this.inStorage(storage, async () => {
      const result = await this.unlessRefused(storage, "AT+CMGL=4")
      if (result === null) return true
      const listing = parseCmgl(result.lines)
      const present = new Set(listing.map((entry) => `${storage}:${entry.index}:${entry.pdu}`))
      for (const set of [this.kept, this.stored])
        for (const key of set)
          if (key.startsWith(`${storage}:`) && !present.has(key)) set.delete(key)
      for (const entry of listing) if (!(await this.settle(storage, entry))) return false
      return true
    })
    return settled ?? true
  }

  /** +CDSI for a report in `storage` (not ours, often "SR"): selected for the read only. */
  async read(storage: string, index: number): Promise<void> {
    this.announce(storage)
    if (this.refused.has(storage)) {
      this.deps.log.debug({ storage, index }, "status report in a refused storage not read")
      return
    }
    if (this.readRefused.has(storage)) {
      this.deps.listAgain()
      return
    }
    await this.inStorage(storage, async () => {
      let lines: string[]
      try {
        lines = (await this.deps.run({ command: `AT+CMGR=${index}` })).lines
      } catch (error) {
        // Gone (deleted by hand, by the modem, or by a listing that got there first).
        if (isEmptySlot(error)) return
        if (!isRefusal(error)) throw error
        // The listing (+CMGL) reads it instead, at the next tick, and the next ones too.
        this.readRefused.add(storage)
        this.deps.log.warn(
          { storage, index, err: error.message },
          "modem refuses to read a status report by index; reports there are read from listings",
        )
        this.deps.listAgain()
        return
      }
      const entry = parseCmgr(index, lines)
      if (entry) await this.settle(storage, entry)
    })
  }

  /**
   * Runs `work` with <mem1> set to `storage` (undefined, without running it, if the modem refused
   * that), and always tries to select our own storage again: also after a select that timed out,
   * as the modem may have carried it out and answered late.
   */
  private async inStorage<T>(storage: string, work: () => Promise<T>): Promise<T | undefined> {
    this.ownSelected = false
    let result: T | undefined
    try {
      if ((await this.unlessRefused(storage, `AT+CPMS="${storage}"`)) !== null)
        result = await work()
    } catch (error) {
      // The visit's own failure is the task's: a failed switch back is only logged beside it.
      await this.selectOwn().catch((switchError: Error) =>
        this.deps.log.warn(
          { storage: this.deps.storage, err: switchError.message },
          "selecting the SIM storage again after a failed visit to a report storage failed",
        ),
      )
      throw error
    }
    await this.selectOwn()
    return result
  }

  /** A failure leaves `ownSelected` false: ensureOwnStorage() selects it before SM work. */
  private async selectOwn(): Promise<void> {
    await this.deps.run({ command: `AT+CPMS="${this.deps.storage}"` })
    this.ownSelected = true
  }

  /**
   * The select or the listing of a report storage; null if the modem refused it, and then the
   * storage is not used again until the modem initialises again (logged once). Timeouts and a
   * lost device are not refusals: they throw, as any other failure.
   */
  private async unlessRefused(storage: string, command: string): Promise<AtResult | null> {
    try {
      return await this.deps.run({ command })
    } catch (error) {
      if (!isRefusal(error)) throw error
      this.refused.add(storage)
      this.deps.log.warn(
        { storage, command, err: error.message },
        "modem refuses a status report storage it lists; not used until it initialises again",
      )
      return null
    }
  }

  /**
   * The one path of an entry of a report storage (selected by the caller): its receipt stored,
   * then +CMGD. false when storing failed: the entry stays, and the next listing (next tick)
   * reads it again. Undecodable entries are deleted (nothing can ever read them); SMS-DELIVERs
   * and SMS-SUBMITs are not reports and not ours to delete, so they are left alone. An entry
   * whose receipt is stored but whose delete failed is only deleted again at later listings.
   */
  private async settle(storage: string, entry: StoredPdu): Promise<boolean> {
    const key = `${storage}:${entry.index}:${entry.pdu}`
    if (this.kept.has(key)) return true
    if (!this.stored.has(key)) {
      const outcome = await this.store(entry.pdu, entry.length)
      if (outcome === "failed") {
        // The entry stays; the next tick lists everything again.
        this.deps.listAgain()
        return false
      }
      if (outcome === "other type") {
        remember(this.kept, key)
        this.deps.log.warn(
          { storage, index: entry.index, pdu: entry.pdu },
          "SMS in a status report storage is not a status report; left there",
        )
        return true
      }
      // Whatever the delete does now, a later listing must not store this receipt again.
      remember(this.stored, key)
    }
    try {
      await this.deps.run({ command: `AT+CMGD=${entry.index}` })
    } catch (error) {
      if (isEmptySlot(error)) {
        this.stored.delete(key)
        return true
      }
      if (!isRefusal(error)) throw error
      if (!this.deleteRefused.has(storage)) {
        this.deleteRefused.add(storage)
        this.deps.log.warn(
          { storage, index: entry.index, err: error.message },
          "modem refuses to delete a status report; its receipt is stored, the delete is tried again at later listings",
        )
      }
      return true
    }
    this.stored.delete(key)
    return true
  }

  /**
   * A status report's PDU (+CDS, or an entry of a report storage) → a receipt, stored.
   * "failed" when storing failed; "undecodable" and "other type" store nothing.
   */
  async store(pdu: string, length: number): Promise<ReportOutcome> {
    let report: SmsStatusReport
    try {
      const decoded = decodeSmsPdu(pdu, { tpduLength: length })
      if (decoded.type !== "status-report") return "other type"
      report = decoded
    } catch (error) {
      this.deps.stats.undecodable++
      this.deps.log.warn(
        { pdu, err: (error as Error).message },
        "undecodable status report ignored",
      )
      return "undecodable"
    }
    return (await this.storeReport(report, pdu)) ? "stored" : "failed"
  }

  /**
   * A decoded status report → a receipt, stored; false when storing failed (logged). Whether a
   * copy on the SIM is read again is the caller's: a +CDS or +CMT report has none.
   */
  async storeReport(report: SmsStatusReport, pdu: string): Promise<boolean> {
    try {
      await this.deps.events.receipt(receiptFromReport(this.deps.connectorId, report, pdu))
      // Counted once stored: a report read again after a failed store is one receipt.
      this.deps.stats.receipts++
      return true
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message }, "storing a status report failed")
      return false
    }
  }
}

/** Adds `key`, forgetting the oldest entry when the set is full (MAX_REMEMBERED). */
function remember(set: Set<string>, key: string): void {
  if (set.size >= MAX_REMEMBERED) set.delete(set.values().next().value!)
  set.add(key)
}
