/**
 * MO (mobile-originated) deliver_sm / data_sm → one decoded part, and decoded parts → one
 * InboundMessage. Pure over the fields npm `smpp` parsed; text decoding is the codecs' (gsm7,
 * ucs2, charset), UDH parsing is udh.ts, numbers are phone.ts.
 *
 * A PDU that cannot be an MO message is answered with the status Kannel uses for the same fault
 * (gw/smsc/smsc_smpp.c pdu_to_msg / data_sm_to_msg): an international source that is not all
 * digits → ESME_RINVSRCADR (destination: ESME_RINVDSTADR), a UDH that does not parse →
 * ESME_RINVESMCLASS, SAR TLVs together with UDHI or with impossible values →
 * ESME_RINVOPTPARAMVAL; an incomplete SAR triple → ESME_RMISSINGOPTPARAM; an empty source →
 * ESME_RINVSRCADR.
 */

import { createHash } from "node:crypto"
import { type DefaultEncoding, decodeShortMessage } from "../codec/charset.ts"
import { decodeGsm7 } from "../codec/gsm7.ts"
import { receivedNumber } from "../codec/received-number.ts"
import { decodeUcs2 } from "../codec/ucs2.ts"
import { IEI_CONCAT_8, IEI_CONCAT_16, parseUdh } from "../codec/udh.ts"
import type { InboundMessage } from "../connectors/connector.ts"
import {
  ESME_RINVDSTADR,
  ESME_RINVESMCLASS,
  ESME_RINVOPTPARAMVAL,
  ESME_RINVSRCADR,
  ESME_RMISSINGOPTPARAM,
} from "./command-status.ts"
import { shortMessageOctets } from "./short-message.ts"
import { ESM_CLASS_UDHI } from "./submit-pdu.ts"

/** The received fields this module reads, as npm `smpp` names them. */
export interface MoPdu {
  source_addr_ton?: unknown
  source_addr?: unknown
  dest_addr_ton?: unknown
  destination_addr?: unknown
  esm_class?: unknown
  data_coding?: unknown
  short_message?: unknown
  message_payload?: unknown
  sar_msg_ref_num?: unknown
  sar_total_segments?: unknown
  sar_segment_seqnum?: unknown
  receipted_message_id?: unknown
  [field: string]: unknown
}

/** How the part's text is coded: data_coding 0 takes the connector's `default_encoding`. */
export type MoEncoding = DefaultEncoding | "ucs2" | "binary"

export interface MoConcat {
  /** Where the concatenation info came from: UDH IE 0x00 / 0x08, or the SAR TLVs. */
  scheme: "udh8" | "udh16" | "sar"
  reference: number
  total: number
  /** 1-based. */
  sequence: number
}

export interface MoPart {
  /** E.164 with '+' when numeric (see moAddress), else the address as sent; never empty. */
  from: string
  /** "" when the PDU had no destination. */
  to: string
  dataCoding: number
  encoding: MoEncoding
  /** User data after any UDH. */
  octets: Uint8Array
  /** null: a whole message (no concatenation info, or a "1 of 1" part). */
  concat: MoConcat | null
  /** The SMSC's id for it (receipted_message_id TLV), or null. */
  externalId: string | null
  /** The PDU's identity when the SMSC gives none (see moFingerprint). */
  fingerprint: string
}

export type MoDecoded = { ok: true; part: MoPart } | { ok: false; status: number; reason: string }

/**
 * `country` (ISO 3166-1 alpha-2, the connector's `country`): how national-format addresses are
 * read (see moAddress); "" or undefined keeps them as sent.
 */
export function decodeMoPdu(
  pdu: MoPdu,
  defaultEncoding: DefaultEncoding,
  country?: string,
): MoDecoded {
  const source = moAddress(pdu.source_addr, numberOf(pdu.source_addr_ton), country)
  if (source === null)
    return reject(ESME_RINVSRCADR, "source_addr: international TON but not digits")
  if (source === "") return reject(ESME_RINVSRCADR, "source_addr is empty")
  const destination = moAddress(pdu.destination_addr, numberOf(pdu.dest_addr_ton), country)
  if (destination === null) {
    return reject(ESME_RINVDSTADR, "destination_addr: international TON but not digits")
  }

  const esmClass = numberOf(pdu.esm_class)
  const dataCoding = numberOf(pdu.data_coding)
  // SMPP 3.4 §5.3.2.32: message_payload is used when short_message is empty (sm_length 0).
  let userData = userDataOf(pdu.short_message, dataCoding)
  if (userData.length === 0 && pdu.message_payload != null) {
    userData = userDataOf(pdu.message_payload, dataCoding)
  }

  let octets = userData
  let concat: MoConcat | null = null
  if (esmClass & ESM_CLASS_UDHI) {
    const udh = udhConcat(userData)
    if (!udh.ok) return reject(ESME_RINVESMCLASS, udh.reason)
    octets = userData.subarray(udh.headerLength)
    concat = udh.concat
  }
  const sar = sarConcat(pdu)
  if (!sar.ok) return reject(sar.status, sar.reason)
  if (sar.concat !== null) {
    // SMPP 3.4 §5.3.2.22–24: in GSM networks the SAR TLVs cannot be combined with a UDH.
    if (esmClass & ESM_CLASS_UDHI) return reject(ESME_RINVOPTPARAMVAL, "SAR TLVs with UDHI set")
    concat = sar.concat
  }
  if (concat !== null && concat.total === 1) concat = null

  const externalId = cString(pdu.receipted_message_id)
  return {
    ok: true,
    part: {
      from: source,
      to: destination,
      dataCoding,
      encoding: moEncoding(dataCoding, defaultEncoding),
      octets,
      concat,
      externalId: externalId === "" ? null : externalId,
      fingerprint: moFingerprint(source, destination, dataCoding, concat, userData),
    },
  }
}

/**
 * What makes a redelivered MO PDU recognisable when the SMSC sends no id with it: the addresses
 * as decoded, data_coding, the concatenation values (SAR TLVs are not in the user data) and the
 * user data octets, UDH included, hashed (SHA-256 cut to 128 bits, base64url: 22 characters).
 * The connector is the store's half of the key. A person who sends the same single-part text
 * twice produces the same fingerprint (docs/two-way.md#redelivery); the parts of two long
 * messages differ by their concatenation reference.
 */
export function moFingerprint(
  from: string,
  to: string,
  dataCoding: number,
  concat: MoConcat | null,
  userData: Uint8Array,
): string {
  const set =
    concat === null ? "" : `${concat.scheme}:${concat.reference}:${concat.total}:${concat.sequence}`
  return createHash("sha256")
    .update(`${from}\u0000${to}\u0000${dataCoding}\u0000${set}\u0000`)
    .update(userData)
    .digest()
    .subarray(0, 16)
    .toString("base64url")
}

/**
 * What a data_coding means for an MO text (SMPP 3.4 §5.2.19): 0 the SMSC default alphabet
 * (`default_encoding`), 1 IA5 (ASCII), 3 Latin-1, 8 UCS-2, 2 and 4 octet data. SMSCs also pass
 * GSM TP-DCS values through (TS 23.038 §4): their alphabet bits are honoured, and the 8-bit,
 * compressed and reserved alphabets are octet data. Character sets we do not decode (JIS,
 * Cyrillic, Hebrew, pictogram, Kanji, KS C 5601) are kept as octet data rather than mangled.
 */
export function moEncoding(dataCoding: number, defaultEncoding: DefaultEncoding): MoEncoding {
  const dc = dataCoding & 0xff
  if (dc === 0) return defaultEncoding
  if (dc === 1) return "ascii"
  if (dc === 3) return "latin1"
  if (dc === 8) return "ucs2"
  if (dc >= 0x10 && dc <= 0x7f) {
    // Groups 00xx/01xx: bit 5 = compressed, bits 3-2 = alphabet (00 GSM, 01 8-bit, 10 UCS2).
    if (dc & 0x20) return "binary"
    const alphabet = (dc >> 2) & 0x03
    if (alphabet === 0) return defaultEncoding
    return alphabet === 2 ? "ucs2" : "binary"
  }
  // Message waiting groups 1100/1101 are GSM 7-bit, 1110 UCS2; group 1111 bit 2 = 8-bit data.
  if (dc >= 0xc0 && dc <= 0xdf) return defaultEncoding
  if (dc >= 0xe0 && dc <= 0xef) return "ucs2"
  if (dc >= 0xf0) return dc & 0x04 ? "binary" : defaultEncoding
  return "binary"
}

/** Octets → text in one MO encoding; octet data becomes lower-case hex. */
export function moText(octets: Uint8Array, encoding: MoEncoding): string {
  switch (encoding) {
    case "gsm7":
      return decodeGsm7(octets)
    case "ucs2":
      return decodeUcs2(octets)
    case "binary":
      return Buffer.from(octets.buffer, octets.byteOffset, octets.byteLength).toString("hex")
    default:
      // IA5 and Latin-1 are one octet per character (SMPP 3.4 §5.2.19).
      return decodeShortMessage(octets, 0x03, "latin1")
  }
}

/**
 * The parts of one message, in sequence order → the InboundMessage. GSM and 8-bit text is
 * joined as octets and decoded once, so an escape sequence cut at a part boundary still
 * decodes; UCS-2 is decoded per part (an odd octet count spoils only its own part) and a
 * surrogate pair cut at a boundary joins up again in the string.
 */
export function assembleMo(
  parts: readonly MoPart[],
  connectorId: string,
  receivedAt: number,
): InboundMessage {
  const first = parts[0]
  if (first === undefined) throw new RangeError("assembleMo needs at least one part")
  const uniform = parts.every(
    (p) => p.encoding === first.encoding && p.dataCoding === first.dataCoding,
  )
  let text: string
  if (!uniform || first.encoding === "ucs2") {
    text = parts.map((p) => moText(p.octets, p.encoding)).join("")
  } else {
    text = moText(
      parts.length === 1 ? first.octets : Buffer.concat(parts.map((p) => p.octets)),
      first.encoding,
    )
  }
  const ids = parts.flatMap((p) => (p.externalId === null ? [] : [p.externalId]))
  return {
    connectorId,
    from: first.from,
    to: first.to === "" ? null : first.to,
    text,
    encoding: first.encoding,
    parts: parts.length,
    // SMPP 3.4 §4.6.1: deliver_sm carries no service-centre timestamp for an MO.
    sentAt: null,
    receivedAt,
    externalId: ids.length === 0 ? null : ids.join(","),
  }
}

/** An MO address as npm `smpp` gives it → what InboundMessage carries (received-number.ts). */
export function moAddress(raw: unknown, ton: number, country?: string): string | null {
  return receivedNumber(cString(raw), ton, country)
}

function userDataOf(value: unknown, dataCoding: number): Uint8Array {
  const { udh, message } = shortMessageOctets(value, dataCoding)
  if (udh === null) return message
  const joined = new Uint8Array(udh.length + message.length)
  joined.set(udh, 0)
  joined.set(message, udh.length)
  return joined
}

type UdhConcat =
  | { ok: true; headerLength: number; concat: MoConcat | null }
  | { ok: false; reason: string }

function udhConcat(userData: Uint8Array): UdhConcat {
  if (userData.length === 0) return { ok: false, reason: "UDHI set but the user data is empty" }
  let parsed: ReturnType<typeof parseUdh>
  try {
    parsed = parseUdh(userData)
  } catch (error) {
    return { ok: false, reason: (error as Error).message }
  }
  const info = parsed.concat
  if (info === undefined) return { ok: true, headerLength: parsed.headerLength, concat: null }
  // parseUdh reports the last valid concatenation IE (TS 23.040 §9.2.3.24); find which kind.
  let scheme: MoConcat["scheme"] = "udh8"
  for (const element of parsed.elements) {
    if (element.id === IEI_CONCAT_8 && element.data.length === 3) scheme = "udh8"
    if (element.id === IEI_CONCAT_16 && element.data.length === 4) scheme = "udh16"
  }
  return { ok: true, headerLength: parsed.headerLength, concat: { scheme, ...info } }
}

type SarConcat =
  | { ok: true; concat: MoConcat | null }
  | { ok: false; status: number; reason: string }

/** SMPP 3.4 §5.3.2.22 sar_msg_ref_num, §5.3.2.23 sar_total_segments, §5.3.2.24 sar_segment_seqnum. */
function sarConcat(pdu: MoPdu): SarConcat {
  const reference = pdu.sar_msg_ref_num
  const total = pdu.sar_total_segments
  const sequence = pdu.sar_segment_seqnum
  const present = [reference, total, sequence].filter((v) => v !== undefined).length
  if (present === 0) return { ok: true, concat: null }
  if (present < 3) {
    return {
      ok: false,
      status: ESME_RMISSINGOPTPARAM,
      reason: "sar_msg_ref_num, sar_total_segments and sar_segment_seqnum must come together",
    }
  }
  if (
    typeof reference !== "number" ||
    typeof total !== "number" ||
    typeof sequence !== "number" ||
    total < 1 ||
    sequence < 1 ||
    sequence > total
  ) {
    return {
      ok: false,
      status: ESME_RINVOPTPARAMVAL,
      reason: `SAR segment ${String(sequence)} of ${String(total)} is impossible`,
    }
  }
  return { ok: true, concat: { scheme: "sar", reference, total, sequence } }
}

function reject(status: number, reason: string): MoDecoded {
  return { ok: false, status, reason }
}

function numberOf(value: unknown): number {
  return typeof value === "number" ? value : 0
}

function cString(value: unknown): string {
  if (typeof value !== "string") return ""
  const nul = value.indexOf("\0")
  return (nul === -1 ? value : value.slice(0, nul)).trim()
}
