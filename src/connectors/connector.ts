/**
 * The one interface every way out of the gateway implements (SMPP bind pool, GSM modem,
 * simulator). The router and the outbox see only this; only src/app.ts knows concrete types.
 */
import type { Logger } from "../lib/logger.ts"
import type { Clock } from "../lib/clock.ts"

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
}

export type ConnectorState = "bound" | "connecting" | "down" | "throttled" | "saturated" | "stopped"

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
}

export interface ConnectorEvents {
  receipt(receipt: DeliveryReceipt): void
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
  health(): ConnectorHealth
}
