/**
 * The connector's MO side: decodes each deliver_sm / data_sm that is not a receipt, reassembles
 * multipart messages, hands whole messages to `events.inbound`, and says which command_status
 * the PDU is to be answered with. The answer is the acknowledgement the SMSC relies on:
 *
 * - a single part, or the part that completes a set: 0 only once `events.inbound` resolved
 *   (the message is durably stored); if it rejects, ESME_RX_T_APPN (0x64), so the SMSC keeps
 *   the message and delivers it again (Kannel answers the same when its store refuses);
 * - any other part of a set: 0 as soon as it is held in memory. If the gateway dies before the
 *   set completes, those parts are gone and the SMSC will not send them again: at most once
 *   for incomplete sets, the price of not holding the SMSC's window open for minutes;
 * - a PDU that cannot be an MO (see mo-pdu.ts): its error status, counted as malformed;
 * - anything while the connector stops: ESME_RX_T_APPN.
 */
import type { DefaultEncoding } from "../codec/charset.ts"
import type { ConnectorDeps, InboundMessage } from "../connectors/connector.ts"
import type { Logger } from "../lib/logger.ts"
import { commandStatusName, ESME_ROK, ESME_RX_T_APPN } from "./command-status.ts"
import { assembleMo, decodeMoPdu, type MoPart, type MoPdu } from "./mo-pdu.ts"
import { type HeldSet, MoReassembler, type ReassemblyCounters } from "./mo-reassembly.ts"

export interface MoReceiverOptions {
  connectorId: string
  defaultEncoding: DefaultEncoding
  reassemblyTimeoutMs: number
  reassemblyMaxParts: number
}

export interface MoCounters extends ReassemblyCounters {
  /** MO PDUs received (every part, malformed ones included). */
  moParts: number
  /** Whole MO messages stored (events.inbound resolved). */
  inbound: number
  /** events.inbound rejected: answered ESME_RX_T_APPN for the SMSC to redeliver. */
  inboundRejected: number
  /** PDUs refused as malformed. */
  moMalformed: number
  /** Parts held now for reassembly. */
  moHeldParts: number
}

export class MoReceiver {
  private readonly reassembler: MoReassembler
  private readonly log: Logger
  private readonly counts = { moParts: 0, inbound: 0, inboundRejected: 0, moMalformed: 0 }
  private stopped = false

  constructor(
    private readonly options: MoReceiverOptions,
    private readonly deps: Pick<ConnectorDeps, "clock" | "events">,
    logger: Logger,
  ) {
    this.log = logger
    this.reassembler = new MoReassembler(
      options.reassemblyTimeoutMs,
      options.reassemblyMaxParts,
      (set, reason) =>
        this.log.warn(
          { received: set.received, total: set.total, reason },
          reason === "expired"
            ? "incomplete mo message dropped after the reassembly timeout"
            : "incomplete mo message dropped: reassembly buffer full",
        ),
    )
  }

  get inbound(): number {
    return this.counts.inbound
  }

  get heldParts(): number {
    return this.reassembler.heldParts
  }

  counters(): MoCounters {
    return {
      ...this.counts,
      ...this.reassembler.counters,
      moHeldParts: this.reassembler.heldParts,
    }
  }

  stop(): void {
    this.stopped = true
  }

  /** Drops incomplete sets whose time is up; called by the connector's sweep timer. */
  sweep(now: number): void {
    this.reassembler.expire(now)
  }

  /** The command_status to answer this deliver_sm / data_sm with, now or once stored. */
  receive(pdu: MoPdu & { command?: unknown }): number | Promise<number> {
    this.counts.moParts++
    if (this.stopped) return ESME_RX_T_APPN
    const decoded = decodeMoPdu(pdu, this.options.defaultEncoding)
    if (!decoded.ok) {
      this.counts.moMalformed++
      this.log.warn(
        { command: pdu.command, status: commandStatusName(decoded.status), reason: decoded.reason },
        "malformed mo refused",
      )
      return decoded.status
    }
    const { part } = decoded
    if (part.concat === null) return this.deliver([part], null, 0)
    const offer = this.reassembler.offer(part, part.concat, this.deps.clock.now())
    switch (offer.kind) {
      case "held":
        return ESME_ROK
      case "busy":
        return offer.delivering
      case "complete": {
        const delivering = this.deliver(offer.parts, offer.set, part.concat.sequence)
        offer.set.delivering = delivering
        return delivering
      }
    }
  }

  private async deliver(parts: MoPart[], set: HeldSet | null, sequence: number): Promise<number> {
    const message = assembleMo(parts, this.options.connectorId, this.deps.clock.now())
    try {
      await store(this.deps.events, message)
    } catch (error) {
      this.counts.inboundRejected++
      if (set !== null) this.reassembler.failed(set, sequence)
      this.log.warn(
        { err: error, parts: message.parts, externalId: message.externalId },
        "mo not stored; answered ESME_RX_T_APPN for the SMSC to redeliver",
      )
      return ESME_RX_T_APPN
    }
    this.counts.inbound++
    if (set !== null) this.reassembler.delivered(set)
    this.log.debug({ parts: message.parts, encoding: message.encoding }, "mo stored")
    return ESME_ROK
  }
}

/**
 * events.inbound as a promise even when it throws synchronously: either way the outcome is seen
 * after `set.delivering` has been assigned.
 */
async function store(events: ConnectorDeps["events"], message: InboundMessage): Promise<void> {
  await events.inbound(message)
}
