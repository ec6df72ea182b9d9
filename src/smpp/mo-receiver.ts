/**
 * The connector's MO side: decodes each deliver_sm / data_sm that is not a receipt, reassembles
 * multipart messages, hands whole messages to `events.inbound`, and says which command_status
 * the PDU is to be answered with. The answer is the acknowledgement the SMSC relies on, so
 * nothing is answered 0 before it is committed:
 *
 * - a single part: 0 only once `events.inbound` resolved (the message is durably stored); if it
 *   rejects, ESME_RX_T_APPN (0x64), so the SMSC keeps the message and delivers it again (Kannel
 *   answers the same when its store refuses). When the PDU has no SMSC id it carries a
 *   fingerprint (mo-pdu.ts moFingerprint) that lets the store recognise a redelivery;
 * - any part of a set: 0 once `events.inboundPart` resolved: the part is committed (mo_parts),
 *   and if it completed its set, the message is stored and the parts deleted in that same
 *   transaction. A restart in the middle of a set loses nothing: the parts that arrive after it
 *   complete the set with those stored before. ESME_RX_T_APPN when it rejects;
 * - a PDU that cannot be an MO (see mo-pdu.ts): its error status, counted as malformed;
 * - anything while the connector stops: ESME_RX_T_APPN.
 *
 * No part is held in memory only: an SMPP connector cannot be built without the durable part
 * events (durablePartsOf).
 */
import type { DefaultEncoding } from "../codec/charset.ts"
import type {
  ConnectorDeps,
  ConnectorEvents,
  InboundMessage,
  InboundPart,
  InboundPartEvents,
  InboundPartResult,
} from "../connectors/connector.ts"
import type { Logger } from "../lib/logger.ts"
import { commandStatusName, ESME_ROK, ESME_RX_T_APPN } from "./command-status.ts"
import {
  assembleMo,
  decodeMoPdu,
  type MoConcat,
  type MoEncoding,
  type MoPart,
  type MoPdu,
} from "./mo-pdu.ts"
import { moSetKey } from "./mo-reassembly.ts"

export interface MoReceiverOptions {
  connectorId: string
  defaultEncoding: DefaultEncoding
  /** ISO 3166-1 alpha-2 for national-format addresses (mo-pdu.ts moAddress); "" = as sent. */
  country?: string
  reassemblyTimeoutMs: number
  reassemblyMaxParts: number
}

export interface MoCounters {
  /** MO PDUs received (every part, malformed ones included). */
  moParts: number
  /** Whole MO messages stored (events.inbound resolved, or a part completed its set). */
  inbound: number
  /** events.inbound or inboundPart rejected: answered ESME_RX_T_APPN for the SMSC to redeliver. */
  inboundRejected: number
  /** PDUs refused as malformed. */
  moMalformed: number
  /** Parts of a set that were held already, or belong to a message already stored. */
  duplicates: number
  /** Incomplete sets (and their parts) dropped after the reassembly timeout. */
  expiredSets: number
  expiredParts: number
  /** Incomplete sets (and their parts) dropped to stay within the reassembly bound. */
  evictedSets: number
  evictedParts: number
  /** Parts held now for reassembly. */
  moHeldParts: number
}

/** After a failed expiry job, when to try again. */
const EXPIRY_RETRY_MS = 1000

export class MoReceiver {
  private readonly parts: InboundPartEvents
  private readonly log: Logger
  private readonly counts: Omit<MoCounters, "moHeldParts"> = {
    moParts: 0,
    inbound: 0,
    inboundRejected: 0,
    moMalformed: 0,
    duplicates: 0,
    expiredSets: 0,
    expiredParts: 0,
    evictedSets: 0,
    evictedParts: 0,
  }
  private stopped = false
  /** Parts held in the store, as its last answer said. */
  private storedParts = 0
  /** When the oldest stored set is due; 0 until the store was asked (parts of an earlier run). */
  private nextExpiryAt = 0
  /** Set while an expiry job runs: the earliest deadline of the parts held meanwhile. */
  private dueDuringExpiry: number | null = null

  constructor(
    private readonly options: MoReceiverOptions,
    private readonly deps: Pick<ConnectorDeps, "clock" | "events">,
    logger: Logger,
  ) {
    this.log = logger
    this.parts = durablePartsOf(deps.events, options.connectorId)
  }

  get inbound(): number {
    return this.counts.inbound
  }

  get heldParts(): number {
    return this.storedParts
  }

  counters(): MoCounters {
    return { ...this.counts, moHeldParts: this.storedParts }
  }

  stop(): void {
    this.stopped = true
  }

  /** Drops incomplete sets whose time is up; called by the connector's sweep timer. */
  sweep(now: number): void {
    if (this.stopped || this.dueDuringExpiry !== null || now < this.nextExpiryAt) return
    this.dueDuringExpiry = Number.POSITIVE_INFINITY
    const timeout = this.options.reassemblyTimeoutMs
    this.parts.expireInboundParts(this.options.connectorId, now - timeout).then(
      (result) => {
        for (const set of result.expired) this.dropped(set.received, set.total, "expired")
        this.storedParts = result.heldParts
        const due =
          result.oldestFirstAt === null ? Number.POSITIVE_INFINITY : result.oldestFirstAt + timeout
        this.nextExpiryAt = Math.min(due, this.dueDuringExpiry ?? Number.POSITIVE_INFINITY)
        this.dueDuringExpiry = null
      },
      (error: unknown) => {
        this.log.warn({ err: error }, "expiring stored mo parts failed; trying again")
        this.nextExpiryAt = now + EXPIRY_RETRY_MS
        this.dueDuringExpiry = null
      },
    )
  }

  /** The command_status to answer this deliver_sm / data_sm with, now or once stored. */
  receive(pdu: MoPdu & { command?: unknown }): number | Promise<number> {
    this.counts.moParts++
    if (this.stopped) return ESME_RX_T_APPN
    const decoded = decodeMoPdu(pdu, this.options.defaultEncoding, this.options.country)
    if (!decoded.ok) {
      this.counts.moMalformed++
      this.log.warn(
        { command: pdu.command, status: commandStatusName(decoded.status), reason: decoded.reason },
        "malformed mo refused",
      )
      return decoded.status
    }
    const { part } = decoded
    return part.concat === null ? this.deliver(part) : this.storePart(part, part.concat)
  }

  private async storePart(part: MoPart, concat: MoConcat): Promise<number> {
    const now = this.deps.clock.now()
    const { connectorId, reassemblyTimeoutMs, reassemblyMaxParts } = this.options
    const record: InboundPart = {
      connectorId,
      setKey: moSetKey(part, concat),
      total: concat.total,
      sequence: concat.sequence,
      from: part.from,
      to: part.to,
      dataCoding: part.dataCoding,
      encoding: part.encoding,
      octets: part.octets,
      externalId: part.externalId,
      fingerprint: part.fingerprint,
      receivedAt: now,
    }
    let result: InboundPartResult
    try {
      result = await this.parts.inboundPart(record, {
        assemble: (held) => assembleMo(held.map(moPartOf), connectorId, now),
        maxHeldParts: reassemblyMaxParts,
      })
    } catch (error) {
      this.counts.inboundRejected++
      this.log.warn(
        { err: error, sequence: concat.sequence, total: concat.total },
        "mo part not stored; answered ESME_RX_T_APPN for the SMSC to redeliver",
      )
      return ESME_RX_T_APPN
    }
    this.storedParts = result.heldParts
    switch (result.kind) {
      case "held": {
        if (result.duplicate) this.counts.duplicates++
        for (const set of result.evicted) this.dropped(set.received, set.total, "evicted")
        const due = result.firstAt + reassemblyTimeoutMs
        this.nextExpiryAt = Math.min(this.nextExpiryAt, due)
        if (this.dueDuringExpiry !== null)
          this.dueDuringExpiry = Math.min(this.dueDuringExpiry, due)
        break
      }
      case "redelivered":
        this.counts.duplicates++
        this.log.debug({ sequence: concat.sequence }, "mo part of a stored message redelivered")
        break
      case "stored":
        this.counts.inbound++
        this.log.debug({ parts: concat.total, encoding: part.encoding }, "mo stored")
        break
    }
    return ESME_ROK
  }

  /** A single-part MO: 0 once events.inbound resolved. */
  private async deliver(part: MoPart): Promise<number> {
    const assembled = assembleMo([part], this.options.connectorId, this.deps.clock.now())
    const message: InboundMessage = {
      ...assembled,
      fingerprint: assembled.externalId === null ? part.fingerprint : null,
    }
    try {
      await this.deps.events.inbound(message)
    } catch (error) {
      this.counts.inboundRejected++
      this.log.warn(
        { err: error, parts: message.parts, externalId: message.externalId },
        "mo not stored; answered ESME_RX_T_APPN for the SMSC to redeliver",
      )
      return ESME_RX_T_APPN
    }
    this.counts.inbound++
    this.log.debug({ parts: message.parts, encoding: message.encoding }, "mo stored")
    return ESME_ROK
  }

  private dropped(received: number, total: number, reason: "expired" | "evicted"): void {
    if (reason === "expired") {
      this.counts.expiredSets++
      this.counts.expiredParts += received
    } else {
      this.counts.evictedSets++
      this.counts.evictedParts += received
    }
    this.log.warn(
      { received, total, reason },
      reason === "expired"
        ? "incomplete mo message dropped after the reassembly timeout"
        : "incomplete mo message dropped: reassembly buffer full",
    )
  }
}

/**
 * The durable part events (see InboundPartEvents). ConnectorEvents keeps them optional for the
 * connectors that never see parts; an SMPP connector refuses to be built without them rather
 * than answer 0 to parts it could lose.
 */
function durablePartsOf(events: ConnectorEvents, connectorId: string): InboundPartEvents {
  const { inboundPart, expireInboundParts } = events
  if (inboundPart === undefined || expireInboundParts === undefined)
    throw new Error(
      `smpp connector "${connectorId}" needs events.inboundPart and events.expireInboundParts: ` +
        "multipart MO parts are committed before they are answered (docs/smpp.md#reassembly)",
    )
  return { inboundPart, expireInboundParts }
}

/** A stored part as assembleMo reads it (its concatenation info is the set's, no longer needed). */
function moPartOf(p: InboundPart): MoPart {
  return {
    from: p.from,
    to: p.to,
    dataCoding: p.dataCoding,
    encoding: p.encoding as MoEncoding,
    octets: p.octets,
    concat: null,
    externalId: p.externalId,
    fingerprint: p.fingerprint,
  }
}
