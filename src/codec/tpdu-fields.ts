/**
 * Fields shared by the SMS TPDUs of 3GPP TS 23.040 §9.2.3: addresses (§9.1.2.5), the service
 * centre time stamp (§9.2.3.11), the relative validity period (§9.2.3.12.1), the data coding
 * scheme (TS 23.038 §4) and the status of a status report (§9.2.3.15). Pure functions over bytes.
 */
import { CodecError } from "./codec-error.ts"
import { decodeGsm7, unpackSeptets } from "./gsm7.ts"
import { TON_ALPHANUMERIC, TON_INTERNATIONAL } from "./received-number.ts"

/** Type-of-address octets (§9.1.2.5): extension bit set, TON, NPI 1 (ISDN/E.164). */
export const TOA_INTERNATIONAL = 0x91
export const TOA_UNKNOWN = 0x81

/** Semi-octet values 1010-1110 (§9.1.2.3); 1111 is the filler. */
const SEMI_OCTET_DIGITS = "0123456789*#abc"
const MAX_ADDRESS_DIGITS = 20

export interface PduAddress {
  /** Digits with '+' when TON is international; the decoded text when alphanumeric. */
  value: string
  ton: number
  npi: number
}

/** Digits and '*', '#' as semi-octets, low nibble first, padded with F (§9.1.2.3). */
export function encodeSemiOctets(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2))
  for (let i = 0; i < digits.length; i++) {
    const nibble = SEMI_OCTET_DIGITS.indexOf(digits[i]!)
    if (nibble < 0 || nibble > 11) {
      throw new CodecError("invalid_address", `"${digits[i]}" cannot be coded as a semi-octet`)
    }
    const index = i >> 1
    out[index] = i & 1 ? out[index]! | (nibble << 4) : nibble
  }
  if (digits.length & 1) out[out.length - 1] = out[out.length - 1]! | 0xf0
  return out
}

/** `count` semi-octets of `bytes`, low nibble first; stops at a filler nibble. */
export function decodeSemiOctets(bytes: Uint8Array, count = bytes.length * 2): string {
  let out = ""
  for (let i = 0; i < count; i++) {
    const byte = bytes[i >> 1]
    if (byte === undefined) break
    const nibble = i & 1 ? byte >> 4 : byte & 0x0f
    if (nibble === 0x0f) break
    out += SEMI_OCTET_DIGITS[nibble]!
  }
  return out
}

/**
 * "+4915…" → TON international; other digit strings → TON unknown, which tells the network to
 * apply its dialling rules (§9.1.2.5). Alphanumeric destinations cannot be addressed from an MS.
 */
function addressDigits(number: string): { digits: string; toa: number } {
  const international = number.startsWith("+")
  const digits = international ? number.slice(1) : number
  if (!/^[0-9*#]+$/u.test(digits) || digits.length > MAX_ADDRESS_DIGITS) {
    throw new CodecError(
      "invalid_address",
      `"${number}" is not a phone number the modem can address`,
    )
  }
  return { digits, toa: international ? TOA_INTERNATIONAL : TOA_UNKNOWN }
}

/** TP-DA / TP-OA / TP-RA (§9.1.2.5): length in useful semi-octets, TOA, semi-octets. */
export function encodeAddress(number: string): Uint8Array {
  const { digits, toa } = addressDigits(number)
  return Uint8Array.of(digits.length, toa, ...encodeSemiOctets(digits))
}

/**
 * The SMSC address in front of a PDU-mode TPDU (TS 24.011 §8.2.5.1, TS 27.005 §3.1): its length
 * counts octets (TOA included), and "00" means "use the SMSC stored in the modem (+CSCA)".
 */
export function encodeSmscAddress(number: string | null): Uint8Array {
  if (number === null || number === "") return Uint8Array.of(0)
  const { digits, toa } = addressDigits(number)
  const semi = encodeSemiOctets(digits)
  return Uint8Array.of(semi.length + 1, toa, ...semi)
}

function toPduAddress(toa: number, body: Uint8Array, semiOctets: number): PduAddress {
  const ton = (toa >> 4) & 0x07
  const npi = toa & 0x0f
  if (ton === TON_ALPHANUMERIC) {
    // §9.1.2.5: the length counts semi-octets of the packed septets.
    const septets = Math.floor((semiOctets * 4) / 7)
    return { value: decodeGsm7(unpackSeptets(body, septets)), ton, npi }
  }
  const digits = decodeSemiOctets(body, semiOctets)
  return { value: ton === TON_INTERNATIONAL && digits !== "" ? `+${digits}` : digits, ton, npi }
}

/** Reads a TP address at `offset`; returns it and the offset after it. */
export function readAddress(
  bytes: Uint8Array,
  offset: number,
): { address: PduAddress; next: number } {
  const semiOctets = bytes[offset]
  const toa = bytes[offset + 1]
  if (semiOctets === undefined || toa === undefined) throw truncated("address", offset)
  const octets = Math.ceil(semiOctets / 2)
  const start = offset + 2
  if (start + octets > bytes.length) throw truncated("address", offset)
  return {
    address: toPduAddress(toa, bytes.subarray(start, start + octets), semiOctets),
    next: start + octets,
  }
}

/** Reads the SMSC field (24.011 §8.2.5.1); null when its length is 0. */
export function readSmscAddress(bytes: Uint8Array): { smsc: string | null; next: number } {
  const octets = bytes[0]
  if (octets === undefined) throw truncated("SMSC address", 0)
  if (octets === 0) return { smsc: null, next: 1 }
  if (1 + octets > bytes.length) throw truncated("SMSC address", 0)
  const toa = bytes[1]!
  const body = bytes.subarray(2, 1 + octets)
  return { smsc: toPduAddress(toa, body, body.length * 2).value || null, next: 1 + octets }
}

export interface TimeStamp {
  /** Epoch milliseconds (UTC). */
  at: number
  /** The sender's offset from UTC in minutes (a multiple of 15, may be negative). */
  offsetMinutes: number
}

/**
 * §9.2.3.11: YY MM DD hh mm ss TZ as swapped semi-octets. A digit above 9 counts as 0 (as the
 * section requires); TZ is in quarters of an hour, its bit 3 the sign. Two-digit years below 90
 * are 20YY (the convention of python-gsmmodem and pygsm). Returns null for an impossible date.
 */
export function decodeTimeStamp(bytes: Uint8Array, offset: number): TimeStamp | null {
  if (offset + 7 > bytes.length) throw truncated("time stamp", offset)
  const field = (i: number): number => {
    const byte = bytes[offset + i]!
    const low = byte & 0x0f
    const high = byte >> 4
    return (low > 9 ? 0 : low) * 10 + (high > 9 ? 0 : high)
  }
  const yy = field(0)
  const month = field(1)
  const day = field(2)
  const hour = field(3)
  const minute = field(4)
  const second = field(5)
  const tz = bytes[offset + 6]!
  const units = tz >> 4
  const quarters = (tz & 0x07) * 10 + (units > 9 ? 0 : units)
  const offsetMinutes = (tz & 0x08 ? -quarters : quarters) * 15
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return null
  }
  const year = yy < 90 ? 2000 + yy : 1900 + yy
  const local = Date.UTC(year, month - 1, day, hour, minute, second)
  return { at: local - offsetMinutes * 60_000, offsetMinutes }
}

const MINUTES_12H = 12 * 60
const MINUTES_24H = 24 * 60
const MINUTES_30D = 30 * MINUTES_24H
const MINUTES_WEEK = 7 * MINUTES_24H

/**
 * TP-VP relative format (§9.2.3.12.1), rounded up to the next period the format can express
 * (never shorter than asked): 0-143 → (VP+1)×5 min, 144-167 → 12 h + (VP−143)×30 min,
 * 168-196 → (VP−166) days, 197-255 → (VP−192) weeks. Above 63 weeks it is capped at 255.
 */
export function encodeRelativeValidity(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new CodecError("invalid_validity", `validity period ${minutes} min is not positive`)
  }
  if (minutes <= MINUTES_12H) return Math.max(0, Math.ceil(minutes / 5) - 1)
  if (minutes <= MINUTES_24H) return 143 + Math.ceil((minutes - MINUTES_12H) / 30)
  if (minutes <= MINUTES_30D) return 166 + Math.ceil(minutes / MINUTES_24H)
  return Math.min(255, 192 + Math.ceil(minutes / MINUTES_WEEK))
}

/** Minutes of a relative TP-VP octet (§9.2.3.12.1). */
export function decodeRelativeValidity(vp: number): number {
  if (vp <= 143) return (vp + 1) * 5
  if (vp <= 167) return MINUTES_12H + (vp - 143) * 30
  if (vp <= 196) return (vp - 166) * MINUTES_24H
  return (vp - 192) * MINUTES_WEEK
}

export type Alphabet = "gsm7" | "8bit" | "ucs2"
export type WaitingKind = "voicemail" | "fax" | "email" | "other"

export interface DataCoding {
  alphabet: Alphabet
  /** 0 (flash), 1 (ME), 2 (SIM), 3 (TE); null when the DCS gives none. */
  messageClass: 0 | 1 | 2 | 3 | null
  /** TS 23.042 compression; the text cannot be decoded (alphabet is then 8bit). */
  compressed: boolean
  /** Message waiting indication groups 1100-1110. `discard`: group 1100, the MS may discard the text. */
  waiting: { active: boolean; kind: WaitingKind; discard: boolean } | null
}

const WAITING_KINDS: readonly WaitingKind[] = ["voicemail", "fax", "email", "other"]

/** TS 23.038 §4 coding groups. Reserved alphabets and groups are read as GSM 7-bit, as §4 says. */
export function decodeDataCoding(dcs: number): DataCoding {
  const group = dcs >> 4
  if (group <= 0x7) {
    // 00xx (general) and 01xx (marked for automatic deletion): bit 5 compressed, bit 4 class
    // meaningful, bits 3-2 alphabet (11 reserved), bits 1-0 class.
    const compressed = (dcs & 0x20) !== 0
    const bits = (dcs >> 2) & 0x03
    const alphabet: Alphabet = compressed
      ? "8bit"
      : bits === 1
        ? "8bit"
        : bits === 2
          ? "ucs2"
          : "gsm7"
    const messageClass = dcs & 0x10 ? ((dcs & 0x03) as 0 | 1 | 2 | 3) : null
    return { alphabet, messageClass, compressed, waiting: null }
  }
  if (group >= 0xc && group <= 0xe) {
    const waiting = {
      active: (dcs & 0x08) !== 0,
      kind: WAITING_KINDS[dcs & 0x03]!,
      discard: group === 0xc,
    }
    return {
      alphabet: group === 0xe ? "ucs2" : "gsm7",
      messageClass: null,
      compressed: false,
      waiting,
    }
  }
  if (group === 0xf) {
    // 1111: bit 2 selects 8-bit data, bits 1-0 the class.
    const alphabet: Alphabet = dcs & 0x04 ? "8bit" : "gsm7"
    return {
      alphabet,
      messageClass: (dcs & 0x03) as 0 | 1 | 2 | 3,
      compressed: false,
      waiting: null,
    }
  }
  return { alphabet: "gsm7", messageClass: null, compressed: false, waiting: null }
}

export type DeliveryState = "delivered" | "pending" | "failed" | "expired"

export interface StatusMeaning {
  state: DeliveryState
  /** False only for "temporary error, SC still trying" (0x20-0x3F). */
  final: boolean
  description: string
}

const STATUS_TEXT: ReadonlyMap<number, string> = new Map([
  [0x00, "short message received by the SME"],
  [0x01, "forwarded by the SC to the SME, delivery not confirmed"],
  [0x02, "replaced by the SC"],
  [0x20, "congestion, SC still trying"],
  [0x21, "SME busy, SC still trying"],
  [0x22, "no response from SME, SC still trying"],
  [0x23, "service rejected, SC still trying"],
  [0x24, "quality of service not available, SC still trying"],
  [0x25, "error in SME, SC still trying"],
  [0x40, "remote procedure error"],
  [0x41, "incompatible destination"],
  [0x42, "connection rejected by SME"],
  [0x43, "not obtainable"],
  [0x44, "quality of service not available"],
  [0x45, "no interworking available"],
  [0x46, "SM validity period expired"],
  [0x47, "SM deleted by originating SME"],
  [0x48, "SM deleted by SC administration"],
  [0x49, "SM does not exist"],
  [0x60, "congestion, SC gave up"],
  [0x61, "SME busy, SC gave up"],
  [0x62, "no response from SME, SC gave up"],
  [0x63, "service rejected, SC gave up"],
  [0x64, "quality of service not available, SC gave up"],
  [0x65, "error in SME, SC gave up"],
])

/**
 * TP-ST (§9.2.3.15) by range: 000xxxxx transaction completed → delivered; 001xxxxx temporary
 * error, SC still trying → pending; 010xxxxx permanent error → failed (0x46 validity period
 * expired → expired); 011xxxxx temporary error, SC no longer trying → failed. Reserved and
 * SC-specific values take the meaning of their range; bit 7 (reserved for extension) → failed.
 */
export function statusMeaning(st: number): StatusMeaning {
  const known = STATUS_TEXT.get(st)
  if (st & 0x80)
    return { state: "failed", final: true, description: `reserved status 0x${hex2(st)}` }
  const range = (st >> 5) & 0x03
  const specific = (st & 0x1f) >= 0x10 ? "SC-specific" : "reserved"
  const fallback = (what: string) => known ?? `${what} (${specific} 0x${hex2(st)})`
  if (range === 0) return { state: "delivered", final: true, description: fallback("completed") }
  if (range === 1)
    return {
      state: "pending",
      final: false,
      description: fallback("temporary error, SC still trying"),
    }
  if (range === 2) {
    const state = st === 0x46 ? "expired" : "failed"
    return { state, final: true, description: fallback("permanent error") }
  }
  return { state: "failed", final: true, description: fallback("temporary error, SC gave up") }
}

export function hex2(n: number): string {
  return n.toString(16).padStart(2, "0")
}

export function truncated(field: string, offset: number): CodecError {
  return new CodecError("invalid_pdu", `PDU ends inside the ${field} at octet ${offset}`)
}
