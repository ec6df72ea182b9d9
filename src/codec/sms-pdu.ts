/**
 * SMS PDUs as GSM modems exchange them in PDU mode (3GPP TS 27.005 §3.1): the SMSC address field
 * of TS 24.011 §8.2.5.1 followed by a TS 23.040 TPDU, written as hex. Encodes SMS-SUBMIT
 * (§9.2.2.2) for AT+CMGS and decodes SMS-DELIVER (§9.2.2.1), SMS-SUBMIT (as stored on a SIM)
 * and SMS-STATUS-REPORT (§9.2.2.3) from +CMGR, +CMGL, +CMT and +CDS.
 */
import { CodecError } from "./codec-error.ts"
import { decodeGsm7, encodeGsm7, packSeptets, unpackSeptets } from "./gsm7.ts"
import {
  type Alphabet,
  type DataCoding,
  type DeliveryState,
  decodeDataCoding,
  decodeRelativeValidity,
  decodeTimeStamp,
  encodeAddress,
  encodeRelativeValidity,
  encodeSmscAddress,
  type PduAddress,
  readAddress,
  readSmscAddress,
  statusMeaning,
  truncated,
} from "./tpdu-fields.ts"
import { decodeUcs2, encodeUcs2 } from "./ucs2.ts"
import { type ConcatInfo, concatUdh, parseUdh, type UdhElement } from "./udh.ts"

export type { Alphabet, DataCoding, DeliveryState, PduAddress }

/** TP-UD holds at most 140 octets (§9.2.3.16), i.e. 160 septets. */
const MAX_UD_OCTETS = 140
const MAX_UD_SEPTETS = 160

// First-octet bits (§9.2.3.1 - §9.2.3.26).
const MTI_MASK = 0x03
const MTI_SUBMIT = 0x01
const MTI_STATUS_REPORT = 0x02
const RD = 0x04 // SUBMIT: reject duplicates
const MMS = 0x04 // DELIVER / STATUS-REPORT: 0 = more messages waiting
const VPF_MASK = 0x18
const VPF_ENHANCED = 0x08
const VPF_RELATIVE = 0x10
const VPF_ABSOLUTE = 0x18
const SRR = 0x20 // SUBMIT: status report request; DELIVER: status report indication
const UDHI = 0x40
const RP = 0x80

const DCS_GSM7 = 0x00
const DCS_UCS2 = 0x08

export interface SubmitOptions {
  /** "+4915…" (TON international) or a digit string (TON unknown). */
  to: string
  /** The text of this one part; must fit one SMS with the header. */
  text: string
  encoding: "gsm7" | "ucs2"
  /** 8-bit-reference concatenation header (§9.2.3.24.1); null for a single SMS. */
  concat?: ConcatInfo | null
  /** SMSC number to put in front; null or absent = "00", the modem's +CSCA. */
  smsc?: string | null
  /** TP-SRR: ask the SC for a status report. */
  requestStatusReport?: boolean
  /** Relative validity period (TP-VPF 10) in minutes; null or absent = none. */
  validityMinutes?: number | null
  /** TP-RD. */
  rejectDuplicates?: boolean
  /** TP-MR 0-255; modems replace it with their own counter. Default 0. */
  messageReference?: number
}

export interface SubmitPdu {
  /** Upper-case hex, SMSC field included: what follows the "> " prompt. */
  hex: string
  /** TPDU octets, SMSC field excluded: the <length> of AT+CMGS (TS 27.005 §3.5.1). */
  tpduLength: number
}

/** One SMS-SUBMIT (§9.2.2.2). Throws CodecError for text that does not fit or a bad address. */
export function encodeSmsSubmit(options: SubmitOptions): SubmitPdu {
  const concat = options.concat ?? null
  const udh = concat ? concatUdh(concat.reference, concat.total, concat.sequence) : null
  const { dcs, udl, ud } = encodeUserData(options.text, options.encoding, udh)
  const validity = options.validityMinutes ?? null
  const mr = options.messageReference ?? 0
  if (!Number.isInteger(mr) || mr < 0 || mr > 255) {
    throw new CodecError("invalid_pdu", `message reference ${mr} is not 0-255`)
  }
  let first = MTI_SUBMIT
  if (options.rejectDuplicates) first |= RD
  if (validity !== null) first |= VPF_RELATIVE
  if (options.requestStatusReport) first |= SRR
  if (udh) first |= UDHI

  const tpdu = [first, mr, ...encodeAddress(options.to), 0x00, dcs]
  if (validity !== null) tpdu.push(encodeRelativeValidity(validity))
  tpdu.push(udl, ...ud)
  const smsc = encodeSmscAddress(options.smsc ?? null)
  return { hex: toHex(Uint8Array.of(...smsc, ...tpdu)), tpduLength: tpdu.length }
}

function encodeUserData(
  text: string,
  encoding: "gsm7" | "ucs2",
  udh: Uint8Array | null,
): { dcs: number; udl: number; ud: Uint8Array } {
  const headerOctets = udh?.length ?? 0
  if (encoding === "ucs2") {
    const body = encodeUcs2(text)
    const udl = headerOctets + body.length
    if (udl > MAX_UD_OCTETS) throw tooLong(`${body.length / 2} UCS-2 units`, udl, MAX_UD_OCTETS)
    return { dcs: DCS_UCS2, udl, ud: Uint8Array.of(...(udh ?? []), ...body) }
  }
  const septets = encodeGsm7(text)
  // §9.2.3.24: the text after a header starts on a septet boundary, after 0-6 fill bits.
  const fill = (7 - ((headerOctets * 8) % 7)) % 7
  const headerSeptets = (headerOctets * 8 + fill) / 7
  const udl = headerSeptets + septets.length
  if (udl > MAX_UD_SEPTETS) throw tooLong(`${septets.length} septets`, udl, MAX_UD_SEPTETS)
  return { dcs: DCS_GSM7, udl, ud: Uint8Array.of(...(udh ?? []), ...packSeptets(septets, fill)) }
}

function tooLong(what: string, udl: number, max: number): CodecError {
  return new CodecError("message_too_long", `${what} need a TP-UDL of ${udl}; one SMS holds ${max}`)
}

export interface DecodedUserData {
  alphabet: Alphabet
  /** The text; for 8-bit data (or compressed text) the octets as lower-case hex. */
  text: string
  concat: ConcatInfo | null
  /** All UDH information elements (§9.2.3.24), empty without TP-UDHI. */
  headers: UdhElement[]
}

interface Common {
  /** The SMSC field in front of the TPDU, null when empty or absent. */
  smsc: string | null
  firstOctet: number
}

export interface SmsDeliver extends Common, DecodedUserData {
  type: "deliver"
  /** TP-OA: '+' and digits for international numbers, the text for alphanumeric senders. */
  from: PduAddress
  pid: number
  dcs: number
  coding: DataCoding
  /** TP-SCTS as epoch ms, null if the PDU carried an impossible date. */
  sentAt: number | null
  /** Offset from UTC of the SC's clock in minutes. */
  sentAtOffsetMinutes: number | null
  statusReportIndication: boolean
  moreMessages: boolean
  replyPath: boolean
}

export interface SmsSubmit extends Common, DecodedUserData {
  type: "submit"
  messageReference: number
  to: PduAddress
  pid: number
  dcs: number
  coding: DataCoding
  /** Relative validity in minutes; absolute/enhanced formats are reported as raw hex. */
  validity: { minutes: number } | { absoluteAt: number | null } | { enhanced: string } | null
  statusReportRequest: boolean
  rejectDuplicates: boolean
}

export interface SmsStatusReport extends Common {
  type: "status-report"
  /** TP-MR of the SMS-SUBMIT this reports on (the number +CMGS answered). */
  messageReference: number
  recipient: PduAddress
  /** TP-SCTS: when the SC received the SMS-SUBMIT. */
  sentAt: number | null
  /** TP-DT: when the SC delivered it, tried to, or gave up. */
  dischargedAt: number | null
  /** TP-ST (§9.2.3.15). */
  status: number
  state: DeliveryState
  final: boolean
  description: string
  /** TP-SRQ: the report is about an SMS-COMMAND rather than an SMS-SUBMIT. */
  aboutCommand: boolean
}

export type SmsPdu = SmsDeliver | SmsSubmit | SmsStatusReport

export interface DecodeOptions {
  /**
   * The <length> the modem printed (+CMGR, +CMGL, +CMT, +CDS): TPDU octets without the SMSC
   * field. When the hex holds exactly that many octets the modem left the SMSC field out (some
   * do in +CDS), and none is read.
   */
  tpduLength?: number
}

/**
 * Decodes a PDU-mode hex string. TP-MTI 0 is SMS-DELIVER, 1 SMS-SUBMIT (the modem stores our
 * outgoing messages that way), 2 SMS-STATUS-REPORT; the reserved value 3 is read as
 * SMS-DELIVER, as §9.2.3.1 asks of a receiving MS. Throws CodecError("invalid_pdu") for bad hex
 * or a PDU that ends inside a mandatory field; a TP-UDL longer than the data is cut to the data.
 */
export function decodeSmsPdu(hex: string, options: DecodeOptions = {}): SmsPdu {
  const bytes = fromHex(hex)
  const withoutSmsc = options.tpduLength !== undefined && options.tpduLength === bytes.length
  const { smsc, next } = withoutSmsc ? { smsc: null, next: 0 } : readSmscAddress(bytes)
  const tpdu = bytes.subarray(next)
  const first = tpdu[0]
  if (first === undefined)
    throw new CodecError("invalid_pdu", "PDU has no TPDU after the SMSC field")
  const mti = first & MTI_MASK
  if (mti === MTI_SUBMIT) return decodeSubmit(tpdu, smsc)
  if (mti === MTI_STATUS_REPORT) return decodeStatusReport(tpdu, smsc)
  // MTI 0 (SMS-DELIVER) and the reserved MTI 3.
  return decodeDeliver(tpdu, smsc)
}

function decodeDeliver(tpdu: Uint8Array, smsc: string | null): SmsDeliver {
  const first = tpdu[0]!
  const { address: from, next } = readAddress(tpdu, 1)
  const pid = need(tpdu, next, "TP-PID")
  const dcs = need(tpdu, next + 1, "TP-DCS")
  const scts = decodeTimeStamp(tpdu, next + 2)
  const coding = decodeDataCoding(dcs)
  const userData = decodeUserData(tpdu, next + 9, (first & UDHI) !== 0, coding.alphabet)
  return {
    type: "deliver",
    smsc,
    firstOctet: first,
    from,
    pid,
    dcs,
    coding,
    sentAt: scts?.at ?? null,
    sentAtOffsetMinutes: scts?.offsetMinutes ?? null,
    statusReportIndication: (first & SRR) !== 0,
    moreMessages: (first & MMS) === 0,
    replyPath: (first & RP) !== 0,
    ...userData,
  }
}

function decodeSubmit(tpdu: Uint8Array, smsc: string | null): SmsSubmit {
  const first = tpdu[0]!
  const messageReference = need(tpdu, 1, "TP-MR")
  const { address: to, next } = readAddress(tpdu, 2)
  const pid = need(tpdu, next, "TP-PID")
  const dcs = need(tpdu, next + 1, "TP-DCS")
  let offset = next + 2
  let validity: SmsSubmit["validity"] = null
  const vpf = first & VPF_MASK
  if (vpf === VPF_RELATIVE) {
    validity = { minutes: decodeRelativeValidity(need(tpdu, offset, "TP-VP")) }
    offset += 1
  } else if (vpf === VPF_ABSOLUTE) {
    validity = { absoluteAt: decodeTimeStamp(tpdu, offset)?.at ?? null }
    offset += 7
  } else if (vpf === VPF_ENHANCED) {
    if (offset + 7 > tpdu.length) throw truncated("TP-VP", offset)
    validity = { enhanced: toHex(tpdu.subarray(offset, offset + 7)).toLowerCase() }
    offset += 7
  }
  const coding = decodeDataCoding(dcs)
  const userData = decodeUserData(tpdu, offset, (first & UDHI) !== 0, coding.alphabet)
  return {
    type: "submit",
    smsc,
    firstOctet: first,
    messageReference,
    to,
    pid,
    dcs,
    coding,
    validity,
    statusReportRequest: (first & SRR) !== 0,
    rejectDuplicates: (first & RD) !== 0,
    ...userData,
  }
}

function decodeStatusReport(tpdu: Uint8Array, smsc: string | null): SmsStatusReport {
  const first = tpdu[0]!
  const messageReference = need(tpdu, 1, "TP-MR")
  const { address: recipient, next } = readAddress(tpdu, 2)
  const scts = decodeTimeStamp(tpdu, next)
  const dt = decodeTimeStamp(tpdu, next + 7)
  const status = need(tpdu, next + 14, "TP-ST")
  // The optional TP-PI, TP-PID, TP-DCS and TP-UD after TP-ST (§9.2.2.3) carry nothing we use.
  return {
    type: "status-report",
    smsc,
    firstOctet: first,
    messageReference,
    recipient,
    sentAt: scts?.at ?? null,
    dischargedAt: dt?.at ?? null,
    status,
    ...statusMeaning(status),
    aboutCommand: (first & SRR) !== 0,
  }
}

/** TP-UDL and TP-UD at `offset` (§9.2.3.16, §9.2.3.24). */
function decodeUserData(
  tpdu: Uint8Array,
  offset: number,
  hasHeader: boolean,
  alphabet: Alphabet,
): DecodedUserData {
  const udl = need(tpdu, offset, "TP-UDL")
  const ud = tpdu.subarray(offset + 1)
  let headerOctets = 0
  let concat: ConcatInfo | null = null
  let headers: UdhElement[] = []
  if (hasHeader && udl > 0) {
    const parsed = parseUdh(ud)
    headerOctets = parsed.headerLength
    concat = parsed.concat ?? null
    headers = parsed.elements
  }
  if (alphabet === "gsm7") {
    const fill = (7 - ((headerOctets * 8) % 7)) % 7
    const headerSeptets = (headerOctets * 8 + fill) / 7
    const septets = unpackSeptets(ud.subarray(headerOctets), Math.max(0, udl - headerSeptets), fill)
    return { alphabet, text: decodeGsm7(septets), concat, headers }
  }
  const body = ud.subarray(headerOctets, Math.max(headerOctets, Math.min(udl, ud.length)))
  const text = alphabet === "ucs2" ? decodeUcs2(body) : toHex(body).toLowerCase()
  return { alphabet, text, concat, headers }
}

function need(bytes: Uint8Array, offset: number, field: string): number {
  const value = bytes[offset]
  if (value === undefined) throw truncated(field, offset)
  return value
}

export function toHex(bytes: Uint8Array): string {
  let out = ""
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0")
  return out.toUpperCase()
}

/** Strict: an even number of hex digits, nothing else (surrounding whitespace is trimmed). */
export function fromHex(hex: string): Uint8Array {
  const text = hex.trim()
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/u.test(text)) {
    throw new CodecError("invalid_pdu", "PDU is not an even-length hex string")
  }
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16)
  return out
}
