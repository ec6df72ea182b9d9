/**
 * Character sets behind SMPP data_coding (SMPP 3.4 §5.2.19). data_coding 0 means "SMSC default
 * alphabet", which differs per carrier: GSM 03.38 unpacked septets, ISO-8859-1 or IA5/ASCII. The
 * connector's `default_encoding` setting says which.
 */
import { decodeGsm7, encodeGsm7Lossy, QUESTION_MARK } from "./gsm7.ts"
import { decodeUcs2, isSurrogatePairAt } from "./ucs2.ts"

export type DefaultEncoding = "gsm7" | "latin1" | "ascii"

/**
 * Encodes for data_coding 0 in the carrier's default alphabet. Characters the alphabet cannot
 * represent become "?" (one per code point) and are counted in `replaced`.
 */
export function encodeDataCoding0(
  text: string,
  charset: DefaultEncoding,
): { bytes: Uint8Array; replaced: number } {
  if (charset === "gsm7") return encodeGsm7Lossy(text)
  const max = charset === "latin1" ? 0xff : 0x7f
  const out = new Uint8Array(text.length)
  let replaced = 0
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit <= max) {
      out[n++] = unit
      continue
    }
    out[n++] = QUESTION_MARK
    replaced++
    // One "?" per code point: the low half of a surrogate pair adds none.
    if (isSurrogatePairAt(text, i)) i++
  }
  return { bytes: n === out.length ? out : out.slice(0, n), replaced }
}

/**
 * Decodes a short_message by data_coding. Besides the SMPP 3.4 §5.2.19 values, SMSCs pass GSM
 * TP-DCS values through (e.g. 0x18 for a class 0 UCS-2 "flash" message, 0xF1 for class 1); the
 * alphabet bits of those groups (TS 23.038 §4) are honoured. Never throws: unknown values decode
 * as Latin-1, which at least keeps ASCII readable.
 */
export function decodeShortMessage(
  bytes: Uint8Array,
  dataCoding: number,
  charset: DefaultEncoding,
): string {
  switch (alphabetOf(dataCoding)) {
    case "default":
      return decodeDefault(bytes, charset)
    case "ucs2":
      return decodeUcs2(bytes)
    default:
      return decodeLatin1(bytes)
  }
}

// IA5 is 7-bit, so decoding it as Latin-1 is exact for valid input and keeps stray 8-bit octets.
type Alphabet = "default" | "latin1" | "ucs2"

function alphabetOf(dc: number): Alphabet {
  // SMPP 3.4 §5.2.19: 0 SMSC default, 1 IA5, 3 ISO-8859-1, 8 UCS2; 2 and 4 are octet data.
  if (dc === 0) return "default"
  if (dc === 1 || dc === 3) return "latin1"
  if (dc === 8) return "ucs2"
  if (dc >= 0x10 && dc <= 0x7f) {
    // TS 23.038 §4 groups 00xx/01xx: bit 5 = compressed, bits 3-2 = alphabet
    // (00 GSM 7-bit, 01 8-bit, 10 UCS2). 0x00-0x0F keep their SMPP 3.4 meanings above.
    if (dc & 0x20) return "latin1"
    const alphabet = (dc >> 2) & 0x03
    if (alphabet === 0) return "default"
    if (alphabet === 2) return "ucs2"
    return "latin1"
  }
  // TS 23.038 §4 message waiting groups: 1100 and 1101 use the GSM 7-bit default alphabet,
  // 1110 uses UCS2.
  if (dc >= 0xc0 && dc <= 0xdf) return "default"
  if (dc >= 0xe0 && dc <= 0xef) return "ucs2"
  // TS 23.038 §4 group 1111 (SMPP 3.4 §5.2.19 "GSM message class control"): bit 2 selects
  // GSM 7-bit (0) or 8-bit data (1).
  if (dc >= 0xf0 && dc <= 0xff) return dc & 0x04 ? "latin1" : "default"
  return "latin1"
}

function decodeDefault(bytes: Uint8Array, charset: DefaultEncoding): string {
  if (charset === "gsm7") return decodeGsm7(bytes)
  return decodeLatin1(bytes)
}

function decodeLatin1(bytes: Uint8Array): string {
  let out = ""
  for (const byte of bytes) out += String.fromCharCode(byte)
  return out
}
