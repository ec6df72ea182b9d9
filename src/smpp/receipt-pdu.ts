/**
 * deliver_sm / data_sm → DeliveryReceipt. Pure over the fields npm `smpp` parsed.
 *
 * The TLVs win over the text when present (SMPP 3.4 §5.3.2.12 receipted_message_id, §5.3.2.35
 * message_state): they are typed, while the Appendix B text is vendor-specific.
 */

import { decodeShortMessage } from "../codec/charset.ts"
import {
  messageStateName,
  parseReceiptDate,
  parseReceiptText,
  receiptState,
} from "../codec/receipt.ts"
import type { DeliveryReceipt } from "../connectors/connector.ts"
import { shortMessageOctets } from "./short-message.ts"

/** The received fields this module reads, as npm `smpp` names them. */
export interface ReceivedSm {
  esm_class?: unknown
  data_coding?: unknown
  short_message?: unknown
  message_payload?: unknown
  receipted_message_id?: unknown
  message_state?: unknown
  network_error_code?: unknown
  [field: string]: unknown
}

// SMPP 3.4 §5.2.12, deliver_sm esm_class bits 5-2 (message type).
const MESSAGE_TYPE_MASK = 0x3c
const SMSC_DELIVERY_RECEIPT = 0x04
const INTERMEDIATE_DELIVERY_NOTIFICATION = 0x20

/** An SMSC delivery receipt or an intermediate delivery notification, not an MO message. */
export function isReceipt(esmClass: number): boolean {
  const type = esmClass & MESSAGE_TYPE_MASK
  return type === SMSC_DELIVERY_RECEIPT || type === INTERMEDIATE_DELIVERY_NOTIFICATION
}

/**
 * The user data as text: short_message, or message_payload when short_message is empty
 * (SMPP 3.4 §5.3.2.32 allows either, never both). data_coding 0 is read as Latin-1 rather than
 * the carrier's default alphabet: Appendix B receipts are ASCII, and GSM 03.38 would turn the
 * "_" and "$" that some carriers put in ids into "§" and "¤".
 */
export function receivedText(pdu: ReceivedSm): string {
  const dataCoding = typeof pdu.data_coding === "number" ? pdu.data_coding : 0
  let octets = shortMessageOctets(pdu.short_message, dataCoding).message
  if (octets.length === 0 && pdu.message_payload != null) {
    octets = shortMessageOctets(pdu.message_payload, dataCoding).message
  }
  // SMPP 3.4 §5.2.19: 0 (read as Latin-1 here), 1 IA5 and 3 Latin-1 are one octet per character.
  if (dataCoding === 0 || dataCoding === 1 || dataCoding === 3) {
    return Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength).toString("latin1")
  }
  return decodeShortMessage(octets, dataCoding, "latin1")
}

/** null when neither the TLVs nor the text give both a message id and a state. */
export function parseReceiptPdu(pdu: ReceivedSm, connectorId: string): DeliveryReceipt | null {
  const raw = receivedText(pdu)
  const text = parseReceiptText(raw)

  const tlvId = cString(pdu.receipted_message_id)
  const carrierId = tlvId || text?.id
  const stat =
    typeof pdu.message_state === "number" ? messageStateName(pdu.message_state) : text?.stat
  if (!carrierId || !stat) return null

  const doneDate = text?.doneDate
  return {
    connectorId,
    carrierId,
    state: receiptState(stat),
    stat,
    error: text?.err ?? networkError(pdu.network_error_code),
    doneAt: doneDate ? parseReceiptDate(doneDate) : null,
    raw,
  }
}

function cString(value: unknown): string {
  if (typeof value !== "string") return ""
  const nul = value.indexOf("\0")
  return (nul === -1 ? value : value.slice(0, nul)).trim()
}

// SMPP 3.4 §5.3.2.31 network_error_code: network type octet, then a 2-octet error code.
const NETWORK_TYPES = [
  "",
  "ANSI-136",
  "IS-95",
  "GSM",
  "ANSI-136",
  "IS-95",
  "ANSI-41",
  "SMPP",
  "SMSC",
]

function networkError(value: unknown): string | null {
  if (!(value instanceof Uint8Array) || value.length < 3) return null
  const type = NETWORK_TYPES[value[0]!] || `type_${value[0]}`
  const code = (value[1]! << 8) | value[2]!
  return `${type}:${code}`
}
