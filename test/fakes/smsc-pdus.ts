/**
 * The fake SMSC's PDU work, kept pure: decoding a received submit_sm, building an SMPP 3.4
 * Appendix B delivery receipt and MO messages, and the malformed frames it can send.
 */
import smpp, { type PDU } from "smpp"
import { decodeShortMessage } from "../../src/codec/charset.ts"
import { encodeGsm7 } from "../../src/codec/gsm7.ts"
import { encodeUcs2 } from "../../src/codec/ucs2.ts"
import { type ConcatInfo, concatUdh, parseUdh } from "../../src/codec/udh.ts"
import { shortMessageOctets } from "../../src/smpp/short-message.ts"
import { sourceAddress } from "../../src/smpp/submit-pdu.ts"

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
  /** Arrival time on the fake's clock (epoch ms unless a clock was given). */
  at: number
}

export function decodeSubmit(
  pdu: PDU,
  systemId: string,
  messageId: string,
  at = Date.now(),
): ReceivedSubmit {
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
    at,
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
export function appendixBDate(date: Date): string {
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

/** An MO message for the fake SMSC to send, split the way a real SMSC or handset might. */
export interface MoSpec {
  /** Sender: "+4915…" or ≥ 8 digits → TON 1, ≤ 7 digits → TON 3, letters → TON 5 (alphanumeric). */
  from: string
  /** Our number or short code, addressed the same way. */
  to: string
  /**
   * Forces source_addr_ton (e.g. 2, national: `from` "0241234567" is then sent as those digits,
   * NPI still chosen from the form). Default: chosen from `from` as above.
   */
  fromTon?: number
  /** Forces dest_addr_ton the same way. */
  toTon?: number
  text: string
  /** gsm7 → data_coding 0 (unpacked septets), latin1 → 3, ucs2 → 8. Default gsm7. */
  encoding?: "gsm7" | "latin1" | "ucs2"
  /** Overrides data_coding, e.g. 0 for Latin-1 octets to a connector whose default is latin1. */
  dataCoding?: number
  /** data_sm (text in message_payload) instead of deliver_sm. */
  dataSm?: boolean
  /**
   * How a long text is carried: UDH with an 8-bit (IE 0x00) or 16-bit (IE 0x08) reference, SAR
   * TLVs, or whole in one message_payload. Default: one part if it fits, else udh8.
   */
  split?: "udh8" | "udh16" | "sar" | "payload"
  /** Octets of text per part, forcing the split points (may cut an escape or a surrogate pair). */
  partOctets?: number
  /** Concatenation reference; default the SMSC's next one. */
  reference?: number
  /** Send order of the parts, 0-based part indices; default 0, 1, 2, … */
  order?: readonly number[]
  /** Which bound session sends it, in bind order; default 0. */
  sessionIndex?: number
  /** receipted_message_id on every part: the SMSC's id, "<id>" or "<id>.<part>" when split. */
  messageId?: string
}

// TS 23.040 §9.2.3.24: 140 octets of user data; the 8-bit reference UDH takes 6, the 16-bit 7.
const SINGLE = { gsm7: 160, latin1: 140, ucs2: 140 } as const
const UDH8 = { gsm7: 153, latin1: 134, ucs2: 134 } as const
const UDH16 = { gsm7: 152, latin1: 133, ucs2: 132 } as const
const ESC = 0x1b

/** The MO's deliver_sm / data_sm PDUs, in part order (part n at index n − 1). */
export function moPdus(spec: MoSpec, reference: number): PDU[] {
  const encoding = spec.encoding ?? "gsm7"
  const octets =
    encoding === "gsm7"
      ? encodeGsm7(spec.text)
      : encoding === "ucs2"
        ? encodeUcs2(spec.text)
        : Uint8Array.from(Buffer.from(spec.text, "latin1"))
  const dataCoding = spec.dataCoding ?? (encoding === "gsm7" ? 0 : encoding === "ucs2" ? 8 : 3)
  const split =
    spec.split ??
    (octets.length <= SINGLE[encoding] && spec.partOctets === undefined ? null : "udh8")
  const size =
    spec.partOctets ??
    (split === "udh8" ? UDH8[encoding] : split === "udh16" ? UDH16[encoding] : SINGLE[encoding])
  const chunks =
    split === null || split === "payload"
      ? [octets]
      : chunk(octets, size, spec.partOctets === undefined ? encoding : null)
  const source = sourceAddress(spec.from, { ...AUTO_TON, source_ton: spec.fromTon ?? -1 })
  const destination = sourceAddress(spec.to, { ...AUTO_TON, source_ton: spec.toTon ?? -1 })
  return chunks.map((body, i) => {
    const seq = i + 1
    let userData: Uint8Array = body
    let esmClass = 0
    const fields: Record<string, unknown> = {
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: source.addr,
      dest_addr_ton: destination.ton,
      dest_addr_npi: destination.npi,
      destination_addr: destination.addr,
      data_coding: dataCoding,
    }
    if (split === "udh8" || split === "udh16") {
      const udh =
        split === "udh8"
          ? concatUdh(reference & 0xff, chunks.length, seq)
          : Uint8Array.of(
              0x06,
              0x08,
              0x04,
              (reference >> 8) & 0xff,
              reference & 0xff,
              chunks.length,
              seq,
            )
      userData = Buffer.concat([udh, body])
      esmClass = 0x40
    } else if (split === "sar") {
      fields.sar_msg_ref_num = reference & 0xffff
      fields.sar_total_segments = chunks.length
      fields.sar_segment_seqnum = seq
    }
    fields.esm_class = esmClass
    if (spec.messageId !== undefined) {
      fields.receipted_message_id =
        chunks.length === 1 ? spec.messageId : `${spec.messageId}.${seq}`
    }
    const buffer = Buffer.from(userData)
    if (spec.dataSm) {
      fields.message_payload = buffer
      return new smpp.PDU("data_sm", fields)
    }
    if (split === "payload") {
      fields.short_message = Buffer.alloc(0)
      fields.message_payload = buffer
    } else {
      fields.short_message = buffer
    }
    return new smpp.PDU("deliver_sm", fields)
  })
}

const AUTO_TON = { source_ton: -1, source_npi: -1 }

/** Splits at `size` octets, never after an ESC (gsm7) or inside a surrogate pair (ucs2). */
function chunk(octets: Uint8Array, size: number, keepWhole: "gsm7" | "latin1" | "ucs2" | null) {
  const chunks: Uint8Array[] = []
  let start = 0
  while (start < octets.length) {
    let end = Math.min(octets.length, start + Math.max(1, size))
    if (end < octets.length && keepWhole === "gsm7" && octets[end - 1] === ESC) end--
    if (end < octets.length && keepWhole === "ucs2" && (octets[end - 2]! & 0xfc) === 0xd8) end -= 2
    chunks.push(octets.subarray(start, end))
    start = end
  }
  return chunks.length === 0 ? [octets] : chunks
}

/**
 * A receipt `command` (deliver_sm with a UDH, or data_sm) whose receipted_message_id TLV holds
 * `id` without the NUL SMPP 3.4 asks for, then a message_state TLV: as some carriers send it.
 */
export function receiptWithoutNul(command: "deliver_sm" | "data_sm", id: string): Buffer {
  const fields =
    command === "deliver_sm"
      ? { esm_class: 0x44, short_message: Buffer.from([5, 0, 3, 7, 1, 1, 0x41]) }
      : { esm_class: 0x04 }
  const head = new smpp.PDU(command, { source_addr: "4915112345678", ...fields }).toBuffer()
  const tlvs = Buffer.concat([
    Buffer.from([0x00, 0x1e, 0x00, id.length]),
    Buffer.from(id, "ascii"),
    Buffer.from([0x04, 0x27, 0x00, 0x01, 0x02]),
  ])
  const frame = Buffer.concat([head, tlvs])
  frame.writeUInt32BE(frame.length, 0)
  return frame
}
