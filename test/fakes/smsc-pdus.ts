/**
 * The fake SMSC's PDU work, kept pure: decoding a received submit_sm, building an SMPP 3.4
 * Appendix B delivery receipt, and the malformed frames it can send.
 */
import smpp, { type PDU } from "smpp"
import { decodeShortMessage } from "../../src/codec/charset.ts"
import { type ConcatInfo, parseUdh } from "../../src/codec/udh.ts"
import { shortMessageOctets } from "../../src/smpp/short-message.ts"

export interface ReceivedSubmit {
  system_id: string
  source_addr: string
  source_addr_ton: number
  source_addr_npi: number
  destination_addr: string
  dest_addr_ton: number
  dest_addr_npi: number
  data_coding: number
  esm_class: number
  registered_delivery: number
  udh: ConcatInfo | null
  /** short_message octets after the UDH. */
  message: Uint8Array
  /** dc 0 as unpacked GSM 03.38, 8 as UCS-2, 3 as Latin-1. */
  text: string
  /** "" when the submit was refused or never answered. */
  message_id: string
  at: number
}

export function decodeSubmit(pdu: PDU, systemId: string, messageId: string): ReceivedSubmit {
  const dataCoding = pdu.data_coding as number
  const octets = shortMessageOctets(pdu.short_message, dataCoding)
  return {
    system_id: systemId,
    source_addr: pdu.source_addr as string,
    source_addr_ton: pdu.source_addr_ton as number,
    source_addr_npi: pdu.source_addr_npi as number,
    destination_addr: pdu.destination_addr as string,
    dest_addr_ton: pdu.dest_addr_ton as number,
    dest_addr_npi: pdu.dest_addr_npi as number,
    data_coding: dataCoding,
    esm_class: pdu.esm_class as number,
    registered_delivery: pdu.registered_delivery as number,
    udh: octets.udh ? (parseUdh(octets.udh).concat ?? null) : null,
    message: octets.message,
    text: decodeShortMessage(octets.message, dataCoding, "gsm7"),
    message_id: messageId,
    at: Date.now(),
  }
}

/** What a receipt needs from its submit_sm: the addresses to swap and the text excerpt. */
export interface ReceiptSubject {
  source_addr: string
  source_addr_ton: number
  source_addr_npi: number
  destination_addr: string
  dest_addr_ton: number
  dest_addr_npi: number
  text: string
  at: number
}

export function receiptSubjectOf(pdu: PDU, text = ""): ReceiptSubject {
  return {
    source_addr: pdu.source_addr as string,
    source_addr_ton: pdu.source_addr_ton as number,
    source_addr_npi: pdu.source_addr_npi as number,
    destination_addr: pdu.destination_addr as string,
    dest_addr_ton: pdu.dest_addr_ton as number,
    dest_addr_npi: pdu.dest_addr_npi as number,
    text,
    at: Date.now(),
  }
}

// SMPP 3.4 §5.3.2.35 message_state for an Appendix B stat.
const MESSAGE_STATE: Record<string, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
}

export interface ReceiptFields {
  id: string
  stat: string
  err?: string
  tlvs: boolean
  subject?: ReceiptSubject
}

/** A deliver_sm receipt from the handset back to the sender, Appendix B text plus TLVs. */
export function receiptDeliverSm({ id, stat, err, tlvs, subject }: ReceiptFields): PDU {
  const now = new Date()
  const submitted = subject ? new Date(subject.at) : now
  const delivered = stat === "DELIVRD" ? "001" : "000"
  const code = err ?? (stat === "DELIVRD" ? "000" : "001")
  const excerpt = (subject?.text ?? "").slice(0, 20).replace(/[^\x20-\x7e]/g, "?")
  const text =
    `id:${id} sub:001 dlvrd:${delivered} submit date:${appendixBDate(submitted)} ` +
    `done date:${appendixBDate(now)} stat:${stat} err:${code} text:${excerpt}`
  const fields: Record<string, unknown> = {
    source_addr_ton: subject?.dest_addr_ton ?? 1,
    source_addr_npi: subject?.dest_addr_npi ?? 1,
    source_addr: subject?.destination_addr ?? "",
    dest_addr_ton: subject?.source_addr_ton ?? 0,
    dest_addr_npi: subject?.source_addr_npi ?? 0,
    destination_addr: subject?.source_addr ?? "",
    // SMPP 3.4 §5.2.12: message type "SMSC Delivery Receipt".
    esm_class: 0x04,
    data_coding: 0,
    short_message: Buffer.from(text, "latin1"),
  }
  if (tlvs) {
    fields.receipted_message_id = id
    fields.message_state = MESSAGE_STATE[stat] ?? MESSAGE_STATE.UNKNOWN
  }
  return new smpp.PDU("deliver_sm", fields)
}

/** Appendix B date: YYMMDDhhmm. */
function appendixBDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0")
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  )
}

/** What garbage to send once after the first successful bind. */
export type MalformedPdu =
  /** command_length far above the library's 16 KiB maximum: the client's reader gives up. */
  | "oversized"
  /** A well-framed PDU with an unknown command_id: answerable with generic_nack. */
  | "unknown_command"
  /** A deliver_sm whose last TLV claims more octets than the PDU has. */
  | "bad_tlv"

export function malformedFrame(kind: MalformedPdu): Buffer {
  if (kind === "oversized") {
    const frame = Buffer.alloc(16)
    frame.writeUInt32BE(0x00ffffff, 0)
    frame.writeUInt32BE(0x00000005, 4)
    return frame
  }
  if (kind === "unknown_command") {
    const frame = Buffer.alloc(16)
    frame.writeUInt32BE(16, 0)
    frame.writeUInt32BE(0x00000999, 4)
    frame.writeUInt32BE(0, 8)
    frame.writeUInt32BE(4242, 12)
    return frame
  }
  // A valid deliver_sm, then a message_state TLV header whose value is missing: the library
  // reads past the end of the PDU.
  const pdu = new smpp.PDU("deliver_sm", { sequence_number: 4243, short_message: Buffer.alloc(0) })
  const body = pdu.toBuffer()
  const frame = Buffer.alloc(body.length + 4)
  body.copy(frame)
  frame.writeUInt16BE(0x0427, body.length)
  frame.writeUInt16BE(1, body.length + 2)
  frame.writeUInt32BE(frame.length, 0)
  return frame
}
