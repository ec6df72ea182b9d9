/**
 * The one interface every way out of the gateway implements (SMPP bind pool, GSM modem,
 * simulator). The router and the outbox see only this; only src/app.ts knows concrete types.
 */

import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"

export type Encoding = "gsm7" | "ucs2"

/** One part of an outbound message, as split by src/codec/segment.ts (design.md §4). */
export interface OutboundPart {
  /** 0-based position of this part in the whole message. */
  index: number
  text: string
}

export interface OutboundMessage {
  id: string
  /** Destination in E.164 with the leading '+'. Connectors format it for their wire. */
  to: string
  /** Alphanumeric sender (≤ 11 chars) or a number (digits, optional '+'); null = none. */
  from: string | null
  encoding: Encoding
  /** Total number of parts of the message (the UDH "total" field). */
  partCount: number
  /**
   * The parts to send now, in ascending index order. On a retry this holds only the parts that
   * have no carrier id yet. A connector sends them in order and stops at the first failure.
   */
  parts: OutboundPart[]
  /** Concatenation reference 0–255, the same for every part of this message. */
  reference: number
  requestReceipt: boolean
}

export interface ConnectorError {
  /** Spec spelling where one exists (`ESME_RTHROTTLED`), else `timeout`, `connection_lost`, `not_bound`, `stopped`. */
  code: string
  /** SMPP command_status, when the error came from the carrier. */
  status?: number
  /** true: worth retrying later or elsewhere; false: the carrier refused the message for good. */
  temporary: boolean
  message: string
}

export type SubmitPartResult =
  | { index: number; ok: true; carrierId: string; at: number }
  | { index: number; ok: false; error: ConnectorError; at: number }

/** Results for the parts that were attempted, in order; parts after a failure are absent. */
export interface SubmitOutcome {
  parts: SubmitPartResult[]
}

/** A message not attempted at all: its first part failed with `error`. */
export function refusedOutcome(
  message: Pick<OutboundMessage, "parts">,
  error: ConnectorError,
  at: number,
): SubmitOutcome {
  return { parts: [{ index: message.parts[0]?.index ?? 0, ok: false, error, at }] }
}

/** Final and intermediate states a delivery receipt can report (SMPP 3.4 Appendix B `stat:`). */
export type ReceiptState = "delivered" | "failed" | "expired" | "pending"

export interface DeliveryReceipt {
  connectorId: string
  /** The carrier's message id exactly as it appeared in the receipt. */
  carrierId: string
  state: ReceiptState
  /** The raw `stat:` value or message_state name, e.g. DELIVRD, UNDELIV. */
  stat: string
  /** The receipt's `err:` code or network error, if any. */
  error: string | null
  /** `done date:` as epoch ms, if present and parseable. */
  doneAt: number | null
  /** The receipt text as received, kept for the message timeline. */
  raw: string
  /**
   * Match `carrierId` exactly, without also trying its hex/decimal reading. A modem's ids are
   * TP-MR values 0–255, where "39" read as hex would be another message's "57".
   */
  exactId?: boolean
}

export type ConnectorState = "bound" | "connecting" | "down" | "throttled" | "saturated" | "stopped"

/** Whether the router may hand a connector in `state` new messages now (health().usable). */
export function isUsable(state: ConnectorState): boolean {
  return state === "bound" || state === "throttled" || state === "saturated"
}

export interface ConnectorHealth {
  id: string
  type: string
  state: ConnectorState
  /** Whether the router may hand this connector new messages now. */
  usable: boolean
  sessions: { configured: number; bound: number }
  window: { size: number; used: number }
  tps: number
  /** Messages handed to submit() whose promise has not settled yet. */
  pending: number
  lastError: string | null
  /** Since start: parts accepted by the carrier/modem, parts refused, throttle answers, receipts and MO messages received. */
  counters: ConnectorCounters
  /** Type-specific live facts shown by GET /v1/connectors (a modem's signal, operator, registration, SIM status; an SMPP pool's effective tps). */
  details: Record<string, string | number | boolean | null>
}

export interface ConnectorCounters {
  sent: number
  failed: number
  throttled: number
  receipts: number
  inbound: number
}

/** A mobile-originated (MO) message, reassembled from its parts, as a connector received it. */
export interface InboundMessage {
  connectorId: string
  /** The sender: E.164 with '+' when numeric, else the alphanumeric address as sent. */
  from: string
  /** Our number it was sent to (E.164 with '+'), or null when the connector cannot tell (a modem's own SIM number is often unknown). */
  to: string | null
  text: string
  /** How the text was coded on the wire: gsm7, ucs2, latin1, ascii or binary (text is then hex). */
  encoding: string
  /** Number of parts it arrived in (1 for a single SMS). */
  parts: number
  /** Service-centre timestamp of the (first) part as epoch ms, if the wire carried one. */
  sentAt: number | null
  /** When this connector finished receiving it, epoch ms. */
  receivedAt: number
  /** Connector-specific identity to de-duplicate a redelivered MO (e.g. SIM index list or SMSC message id); may be null. */
  externalId: string | null
  /**
   * Without an externalId: a hash of the PDU (SMPP) that recognises a redelivery within
   * MO_REDELIVERY_WINDOW_MS (core/inbound.ts, docs/two-way.md#redelivery).
   */
  fingerprint?: string | null
}

/** One part of a multipart MO, held durably (mo_parts) until its set completes. */
export interface InboundPart {
  connectorId: string
  /** The connector's key of the set: (scheme, source, destination, reference, total). */
  setKey: string
  total: number
  /** 1-based. */
  sequence: number
  from: string
  to: string
  dataCoding: number
  encoding: string
  /** User data after any UDH. */
  octets: Uint8Array
  externalId: string | null
  fingerprint: string
  receivedAt: number
}

/** A set the store dropped: how many of its parts had arrived. */
export interface DroppedPartSet {
  setKey: string
  received: number
  total: number
}

export type InboundPartResult =
  /** Committed, the set still incomplete (`duplicate`: that part was held already). */
  | {
      kind: "held"
      duplicate: boolean
      /** When the set's first part arrived: the reassembly timeout runs from it. */
      firstAt: number
      heldParts: number
      /** Sets dropped to keep the connector's held parts within `maxHeldParts`. */
      evicted: DroppedPartSet[]
    }
  /** It completed its set: the message is stored and the parts are gone. */
  | { kind: "stored"; heldParts: number }
  /** A part of a message stored within the redelivery window: nothing was written. */
  | { kind: "redelivered"; heldParts: number }

export interface InboundPartOptions {
  /** The connector joins its parts (in sequence order) into the message. */
  assemble(parts: InboundPart[]): InboundMessage
  /** Beyond this many parts held for the connector, its oldest other sets are dropped. */
  maxHeldParts: number
}

/**
 * What the gateway adds to a connector's events to hold MO parts durably (core/inbound.ts
 * inboundEvents, wired in src/app.ts). Both resolve only after their commit.
 */
export interface InboundPartEvents {
  inboundPart(part: InboundPart, options: InboundPartOptions): Promise<InboundPartResult>
  /** Drops the connector's sets whose first part arrived at or before `before`. */
  expireInboundParts(
    connectorId: string,
    before: number,
  ): Promise<{ expired: DroppedPartSet[]; heldParts: number; oldestFirstAt: number | null }>
}

export interface ConnectorEvents {
  /**
   * A delivery receipt. Resolves once it is durably stored; only then does the SMPP connector
   * answer the deliver_sm (a rejection answers ESME_RX_T_APPN, so the SMSC sends it again).
   */
  receipt(receipt: DeliveryReceipt): Promise<void>
  /**
   * An MO message. Resolves once it is durably stored; only then may the connector acknowledge
   * it to the peer (deliver_sm_resp) or delete it from the SIM (+CMGD). A rejection means "not
   * stored": keep it and try again later.
   */
  inbound(message: InboundMessage): Promise<void>
  /** Durable multipart reassembly: required by the SMPP connector (modems keep parts on the SIM). */
  inboundPart?: InboundPartEvents["inboundPart"]
  expireInboundParts?: InboundPartEvents["expireInboundParts"]
}

export interface ConnectorDeps {
  logger: Logger
  clock: Clock
  events: ConnectorEvents
}

export interface Connector {
  readonly id: string
  readonly type: string
  /** Starts binding/opening in the background; resolves once started, not once bound. */
  start(): Promise<void>
  /** Unbinds gracefully; pending submits settle with a temporary `stopped` error. */
  stop(): Promise<void>
  /** Never rejects: every failure is a SubmitPartResult with ok=false. */
  submit(message: OutboundMessage): Promise<SubmitOutcome>
  /** How many more messages submit() should be given now without piling up in memory. */
  capacity(): number
  /** health().state alone, cheap enough to ask for every message routed (isUsable says the rest). */
  status(): ConnectorState
  health(): ConnectorHealth
}
