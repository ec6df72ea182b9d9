/**
 * What the modem receives: SMS-DELIVERs (MO messages) and SMS-STATUS-REPORTs (receipts).
 *
 * SIM policy: a message stays on the SIM until `events.inbound` has resolved (it is durably
 * stored); only then is it deleted with +CMGD. If inbound rejects, it stays and the next tick
 * lists the SIM again (+CMGL=4) and retries. Parts of a concatenated message stay on the SIM
 * until every part is there; the complete message goes to `inbound` once and then all its
 * indexes are deleted. A set still incomplete `reassemblyTimeoutMs` after its first part arrived
 * is delivered with the missing parts marked, so the SIM cannot fill up forever.
 *
 * Status reports are receipts (status-reports.ts); those in another storage ("SR") are listed
 * with every listing of the SIM.
 *
 * All work runs one task at a time, so reads, deliveries and deletes never interleave.
 */
import { createHash } from "node:crypto"
import { CodecError } from "../codec/codec-error.ts"
import { decodeSmsPdu, type SmsDeliver } from "../codec/sms-pdu.ts"
import type { ConnectorEvents, InboundMessage } from "../connectors/connector.ts"
import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"
import { senderOf } from "./addresses.ts"
import type { AtCommand, AtResult } from "./at-engine.ts"
import { AtError, isEmptySlot } from "./at-errors.ts"
import type { Urc } from "./at-framer.ts"
import { parseCmgl, parseCmgr, type StoredPdu } from "./at-responses.ts"
import { type JoinedMessage, Reassembly } from "./reassembly.ts"
import { StatusReports } from "./status-reports.ts"

/** TP-PID 0x40: "Short Message Type 0", acknowledged and discarded by the MS (TS 23.040 §9.2.3.9). */
const PID_TYPE_0 = 0x40
/** A full +CMGL listing every this many ticks, to catch a +CMTI the modem never sent. */
const RESCAN_EVERY_TICKS = 30
/** +CMT messages (not on the SIM) held in memory until stored; beyond this the oldest is dropped. */
const MAX_UNSTORED = 100

export interface InboxDeps {
  connectorId: string
  run(command: AtCommand): Promise<AtResult>
  events: ConnectorEvents
  clock: Clock
  log: Logger
  reassemblyTimeoutMs: number
  /** The SIM's own number, when known: the `to` of MO messages. */
  ownNumber(): string | null
  /** ISO 3166-1 alpha-2 for national-format senders (addresses.ts senderOf); "" = as decoded. */
  country?: string
  /** The message storage the driver selected with +CPMS ("SM"). */
  storage: string
  /** The <mem1> storages +CPMS=? listed at the last initialisation; empty when unknown. */
  readStorages(): readonly string[]
}

export interface InboxStats {
  inbound: number
  receipts: number
  inboundFailures: number
  undecodable: number
  discarded: number
  duplicates: number
  expiredSets: number
  deleteFailures: number
}

export class Inbox {
  readonly reassembly = new Reassembly()
  readonly stats: InboxStats = {
    inbound: 0,
    receipts: 0,
    inboundFailures: 0,
    undecodable: 0,
    discarded: 0,
    duplicates: 0,
    expiredSets: 0,
    deleteFailures: 0,
  }
  private chain: Promise<void> = Promise.resolve()
  private rescanNeeded = true
  private ticks = 0
  /** A housekeeping task is queued and has not started: ticks do not pile up behind slow work. */
  private housekeepingQueued = false
  private stopped = false
  /** Stored through `inbound` but +CMGD failed: delete again, never deliver twice. */
  private readonly delivered = new Map<number, string>()
  /** Undecodable or not ours (stored SMS-SUBMIT): left on the SIM, logged once. */
  private readonly skipped = new Map<number, string>()
  private unstored: { sms: SmsDeliver; pdu: string }[] = []
  private readonly reports: StatusReports

  constructor(private readonly deps: InboxDeps) {
    this.reports = new StatusReports({
      ...deps,
      listAgain: () => {
        this.rescanNeeded = true
      },
      stats: this.stats,
    })
  }

  stop(): void {
    this.stopped = true
  }

  /** Resolves when the queued work is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain
  }

  onReady(): void {
    this.reports.onReady()
    this.rescanNeeded = true
    this.enqueue("scan", () => this.scan())
  }

  onTick(): void {
    this.ticks++
    if (this.housekeepingQueued) return
    this.housekeepingQueued = true
    this.enqueue("housekeeping", async () => {
      this.housekeepingQueued = false
      if (this.rescanNeeded || this.ticks % RESCAN_EVERY_TICKS === 0) await this.scan()
      await this.retryComplete()
      await this.expire()
      await this.retryUnstored()
    })
  }

  onUrc(urc: Urc): void {
    switch (urc.kind) {
      case "cmti":
        this.enqueue("read", () =>
          urc.storage === "" || urc.storage === this.deps.storage
            ? this.readIndex(urc.index)
            : this.scan(),
        )
        return
      case "cdsi":
        this.enqueue("read report", () =>
          urc.storage === "" || urc.storage === this.deps.storage
            ? this.readIndex(urc.index)
            : this.reports.read(urc.storage, urc.index),
        )
        return
      case "cds":
        if (urc.pdu === null) {
          this.deps.log.warn({ length: urc.length }, "+CDS without a PDU line ignored")
          return
        }
        // Not on the SIM: nothing to keep if storing fails (StatusReports.store logs it).
        void this.reports.store(urc.pdu, urc.length).then((outcome) => {
          if (outcome === "other type")
            this.deps.log.warn({ pdu: urc.pdu }, "+CDS PDU of another type ignored")
        })
        return
      case "cmt":
        if (urc.pdu === null) {
          this.deps.log.warn({ length: urc.length }, "+CMT without a PDU line ignored")
          return
        }
        this.enqueue("+CMT", () => this.onDirect(urc.pdu!, urc.length))
        return
    }
  }

  private enqueue(what: string, task: () => Promise<void>): void {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : task()))
      .catch((error) => {
        this.rescanNeeded = true
        if (
          error instanceof AtError &&
          (error.kind === "device_lost" || error.kind === "stopped")
        ) {
          this.deps.log.debug({ task: what, err: error.message }, "inbox task interrupted")
        } else {
          this.deps.log.warn({ task: what, err: (error as Error).message }, "inbox task failed")
        }
      })
  }

  private async scan(): Promise<void> {
    this.rescanNeeded = false
    const listing = parseCmgl((await this.onOwnStorage("AT+CMGL=4")).lines)
    const present = new Map(listing.map((entry) => [entry.index, entry.pdu]))
    this.reassembly.retain(present)
    for (const index of [...this.delivered.keys()])
      if (!present.has(index)) this.delivered.delete(index)
    for (const index of [...this.skipped.keys()])
      if (present.get(index) !== this.skipped.get(index)) this.skipped.delete(index)
    for (const entry of listing) await this.processStored(entry)
    for (const storage of this.reports.storages()) {
      // While storing fails, the rest would fail too; the next tick lists them again.
      if (this.stopped || !(await this.reports.scan(storage))) return
    }
  }

  /**
   * Every +CMGL, +CMGR and +CMGD on our own storage goes through here: if a visit to a report
   * storage could not switch back, our storage is selected first, so an index never reaches
   * another storage's entry.
   */
  private async onOwnStorage(command: string): Promise<AtResult> {
    await this.reports.ensureOwnStorage()
    return this.deps.run({ command })
  }

  private async readIndex(index: number): Promise<void> {
    let result: AtResult
    try {
      result = await this.onOwnStorage(`AT+CMGR=${index}`)
    } catch (error) {
      if (isEmptySlot(error)) return
      throw error
    }
    const entry = parseCmgr(index, result.lines)
    if (entry) await this.processStored(entry)
  }

  private async processStored(entry: StoredPdu): Promise<void> {
    const { index, pdu } = entry
    if (this.reassembly.holds(index, pdu) || this.skipped.get(index) === pdu) return
    if (this.delivered.get(index) === pdu) {
      await this.remove(index, pdu)
      return
    }
    let decoded: ReturnType<typeof decodeSmsPdu>
    try {
      decoded = decodeSmsPdu(pdu, { tpduLength: entry.length })
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      this.stats.undecodable++
      this.skipped.set(index, pdu)
      this.deps.log.warn({ index, pdu, err: error.message }, "undecodable SMS left on the SIM")
      return
    }
    if (decoded.type === "submit") {
      this.skipped.set(index, pdu)
      this.deps.log.debug({ index, stat: entry.stat }, "stored SMS-SUBMIT on the SIM left alone")
      return
    }
    if (decoded.type === "status-report") {
      if (await this.reports.storeReport(decoded, pdu)) await this.remove(index, pdu)
      // Left on the SIM: the next tick lists it again.
      else this.rescanNeeded = true
      return
    }
    await this.onDeliver(decoded, index, pdu)
  }

  private async onDirect(pdu: string, length: number): Promise<void> {
    let decoded: ReturnType<typeof decodeSmsPdu>
    try {
      decoded = decodeSmsPdu(pdu, { tpduLength: length })
    } catch (error) {
      this.stats.undecodable++
      this.deps.log.warn({ pdu, err: (error as Error).message }, "undecodable +CMT ignored")
      return
    }
    // Not on the SIM: nothing to read again if storing fails.
    if (decoded.type === "status-report") await this.reports.storeReport(decoded, pdu)
    else if (decoded.type === "deliver") await this.onDeliver(decoded, null, pdu)
  }

  private async onDeliver(sms: SmsDeliver, index: number | null, pdu: string): Promise<void> {
    if (sms.pid === PID_TYPE_0 || sms.coding.waiting?.discard) {
      // Type 0 and "discard message" indications carry nothing for a person to read.
      this.stats.discarded++
      this.deps.log.info(
        { index, from: sms.from.value, pid: sms.pid, dcs: sms.dcs },
        "silent or discard-type SMS removed",
      )
      if (index !== null) await this.remove(index, pdu)
      return
    }
    const from = senderOf(sms.from, this.deps.country)
    const concat = sms.concat
    if (concat && concat.total > 1) {
      const bits = sms.headers.some((h) => h.id === 0x08) ? 16 : 8
      const part = {
        index,
        sequence: concat.sequence,
        text: sms.text,
        alphabet: sms.alphabet,
        sentAt: sms.sentAt,
        pdu,
      }
      const { set, duplicate } = this.reassembly.add(
        from,
        { ...concat, bits },
        part,
        this.deps.clock.now(),
      )
      if (duplicate) this.stats.duplicates++
      if (this.reassembly.isComplete(set))
        await this.deliverJoined(this.reassembly.join(set), () => this.reassembly.remove(set))
      return
    }
    const joined: JoinedMessage = {
      from,
      text: sms.text,
      alphabet: sms.alphabet,
      parts: 1,
      total: 1,
      missing: [],
      sentAt: sms.sentAt,
      entries: index === null ? [] : [{ index, pdu }],
      pdus: [pdu],
    }
    const stored = await this.deliverJoined(joined, () => {})
    if (!stored && index === null) this.keepUnstored(sms, pdu)
  }

  /** inbound(), then +CMGD of every SIM entry; false (and nothing deleted) if inbound rejected. */
  private async deliverJoined(joined: JoinedMessage, forget: () => void): Promise<boolean> {
    const message: InboundMessage = {
      connectorId: this.deps.connectorId,
      from: joined.from,
      to: this.deps.ownNumber(),
      text: joined.text,
      encoding: joined.alphabet === "8bit" ? "binary" : joined.alphabet,
      parts: joined.parts,
      sentAt: joined.sentAt,
      receivedAt: this.deps.clock.now(),
      externalId: `sim:${createHash("sha256").update(joined.pdus.join("|")).digest("hex").slice(0, 24)}`,
    }
    try {
      await this.deps.events.inbound(message)
    } catch (error) {
      this.stats.inboundFailures++
      this.rescanNeeded = true
      this.deps.log.warn(
        {
          from: joined.from,
          parts: joined.parts,
          indexes: joined.entries.map((e) => e.index),
          err: (error as Error).message,
        },
        "MO message not stored; it stays on the SIM and is retried",
      )
      return false
    }
    this.stats.inbound++
    forget()
    const indexes = joined.entries.map((e) => e.index)
    this.deps.log.info(
      { from: joined.from, parts: joined.parts, missing: joined.missing, indexes },
      "MO message stored",
    )
    // Marked first: if a +CMGD fails (or the device goes) midway, the next listing deletes the
    // rest instead of taking them for new messages.
    for (const entry of joined.entries) this.delivered.set(entry.index, entry.pdu)
    for (const entry of joined.entries) await this.remove(entry.index, entry.pdu)
    return true
  }

  private async remove(index: number, pdu: string): Promise<void> {
    try {
      await this.onOwnStorage(`AT+CMGD=${index}`)
    } catch (error) {
      if (!isEmptySlot(error)) {
        this.stats.deleteFailures++
        this.delivered.set(index, pdu)
        throw error
      }
    }
    this.delivered.delete(index)
  }

  private async retryComplete(): Promise<void> {
    for (const set of this.reassembly.complete()) {
      await this.deliverJoined(this.reassembly.join(set), () => this.reassembly.remove(set))
    }
  }

  private async expire(): Promise<void> {
    for (const set of this.reassembly.due(this.deps.clock.now(), this.deps.reassemblyTimeoutMs)) {
      if (this.reassembly.isComplete(set)) continue
      const joined = this.reassembly.join(set)
      this.deps.log.warn(
        { from: set.from, reference: set.reference, total: set.total, missing: joined.missing },
        "concatenated SMS incomplete past the reassembly timeout; delivering what arrived",
      )
      if (await this.deliverJoined(joined, () => this.reassembly.remove(set)))
        this.stats.expiredSets++
    }
  }

  private keepUnstored(sms: SmsDeliver, pdu: string): void {
    this.unstored.push({ sms, pdu })
    if (this.unstored.length > MAX_UNSTORED) {
      const dropped = this.unstored.shift()!
      this.deps.log.error(
        { from: dropped.sms.from.value, pdu: dropped.pdu },
        "+CMT message dropped: too many unstored",
      )
    }
  }

  private async retryUnstored(): Promise<void> {
    const waiting = this.unstored
    this.unstored = []
    for (const { sms, pdu } of waiting) await this.onDeliver(sms, null, pdu)
  }
}
