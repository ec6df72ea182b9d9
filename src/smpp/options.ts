/**
 * One SMPP carrier account, exactly as the `[[smpp.connectors]]` TOML table spells it, so the
 * app passes the validated config object straight in. Durations are seconds and may be
 * fractional (tests use 0.05 s backoff).
 */
import type { DefaultEncoding } from "../codec/charset.ts"

export interface SmppConnectorOptions {
  id: string
  type: "smpp"
  host: string
  port: number
  tls: boolean
  system_id: string
  password: string
  system_type: string
  /** Parallel bind_transceiver sessions. */
  sessions: number
  /** Outstanding submit_sm per session. */
  window: number
  /** submit_sm per second across all sessions of this connector; 0 = no cap. */
  tps: number
  /** What data_coding 0 means on this carrier's SMSC (SMPP 3.4 §5.2.19 "SMSC default"). */
  default_encoding: DefaultEncoding
  enquire_link_s: number
  /** Deadline for every request we send: bind, submit_sm, enquire_link, unbind. */
  response_timeout_s: number
  reconnect_min_s: number
  reconnect_max_s: number
  /** Ask for SMSC delivery receipts when the message wants one (SMPP 3.4 §5.2.17). */
  registered_delivery: boolean
  /** -1 = choose from the sender's form (see submit-pdu.ts). */
  source_ton: number
  source_npi: number
  /**
   * Seconds an incomplete multipart MO message waits for its missing parts, counted from its
   * first part; then the held parts are dropped (counted and logged). Default 600.
   */
  mo_reassembly_timeout_s?: number
  /** Most MO parts held (in the database, per connector) for reassembly; beyond it the oldest set is dropped. Default 10000. */
  mo_reassembly_max_parts?: number
  /**
   * ISO 3166-1 alpha-2 country of this carrier's numbers: national-format MO addresses (TON 2,
   * or TON 0 digits that are not international) are read as its numbers. ""/absent: as sent.
   */
  country?: string
}

/** TS 23.040 §9.2.3.24.1 leaves reassembly time to the receiver; handsets keep parts for minutes. */
export const DEFAULT_MO_REASSEMBLY_TIMEOUT_S = 600
/** 10,000 parts × ≤ 254 octets ≈ 2.5 MB: room for thousands of sets in flight. */
export const DEFAULT_MO_REASSEMBLY_MAX_PARTS = 10_000

/** The options as the session and connector use them: milliseconds, whole counts. */
export interface SmppTimings {
  enquireLinkMs: number
  responseTimeoutMs: number
  reconnectMinMs: number
  reconnectMaxMs: number
  /** How long stop() waits for unbind_resp before closing the socket anyway. */
  unbindGraceMs: number
  /** Period of the sweep that expires deadlines (one timer per connector, not one per PDU). */
  tickMs: number
  moReassemblyTimeoutMs: number
  moReassemblyMaxParts: number
}

const MAX_UNBIND_GRACE_MS = 2000
const MAX_TICK_MS = 250
const MIN_TICK_MS = 10

export function smppTimings(options: SmppConnectorOptions): SmppTimings {
  const responseTimeoutMs = Math.max(1, options.response_timeout_s * 1000)
  const enquireLinkMs = Math.max(1, options.enquire_link_s * 1000)
  const reconnectMinMs = Math.max(1, options.reconnect_min_s * 1000)
  return {
    enquireLinkMs,
    responseTimeoutMs,
    reconnectMinMs,
    reconnectMaxMs: Math.max(reconnectMinMs, options.reconnect_max_s * 1000),
    moReassemblyTimeoutMs:
      Math.max(0.001, options.mo_reassembly_timeout_s ?? DEFAULT_MO_REASSEMBLY_TIMEOUT_S) * 1000,
    moReassemblyMaxParts: Math.max(
      1,
      Math.floor(options.mo_reassembly_max_parts ?? DEFAULT_MO_REASSEMBLY_MAX_PARTS),
    ),
    unbindGraceMs: Math.min(responseTimeoutMs, MAX_UNBIND_GRACE_MS),
    // A deadline fires at most one tick late: a quarter of the timeout keeps that error small.
    tickMs: Math.min(
      MAX_TICK_MS,
      Math.max(MIN_TICK_MS, Math.floor(Math.min(responseTimeoutMs / 4, enquireLinkMs / 2))),
    ),
  }
}
