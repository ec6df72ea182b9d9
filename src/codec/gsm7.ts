/**
 * GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1) and its extension table (§6.2.1.1).
 * Only the default national language tables are supported; locking/single shift tables
 * (§6.2.1.2) are not.
 */
import { CodecError } from "./codec-error.ts"
import { isSurrogatePairAt } from "./ucs2.ts"

/** Escape to the extension table (§6.2.1, code 0x1B). */
export const ESC = 0x1b

// §6.2.1 default alphabet, one row per high nibble, indexed by septet value (all characters are
// in the BMP, so string index = septet). 0x1B is ESC, never a character; it holds ESC itself,
// which the encoder skips.
const BASIC =
  "@£$¥èéùìòÇ\nØø\rÅå" +
  "Δ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ" +
  " !\"#¤%&'()*+,-./" +
  "0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNO" +
  "PQRSTUVWXYZÄÖÑÜ§" +
  "¿abcdefghijklmno" +
  "pqrstuvwxyzäöñüà"

// §6.2.1.1 extension table: septet following ESC → character. 0x0A is FORM FEED (page break).
const EXTENSION: ReadonlyMap<number, string> = new Map([
  [0x0a, "\f"],
  [0x14, "^"],
  [0x28, "{"],
  [0x29, "}"],
  [0x2f, "\\"],
  [0x3c, "["],
  [0x3d, "~"],
  [0x3e, "]"],
  [0x40, "|"],
  [0x65, "€"],
])

/**
 * UTF-16 code unit → its septets: the default-table code (0x00-0x7F), or EXTENDED | the
 * extension code, or NONE. Every character of both tables is one BMP code unit (the highest is
 * € U+20AC), so a typed array indexed by code unit answers without building a string per
 * character: the encoder runs once per part sent (docs/performance.md, session 8).
 */
const EXTENDED = 0x100
const NONE = -1
const CODE = new Int16Array(0x20ad).fill(NONE)
for (let i = 0; i < BASIC.length; i++) {
  if (i !== ESC) CODE[BASIC.charCodeAt(i)] = i
}
for (const [code, char] of EXTENSION) CODE[char.charCodeAt(0)] = EXTENDED | code

/** The table entry of one code unit; NONE outside it (surrogates included). */
function codeOf(unit: number): number {
  return unit < CODE.length ? CODE[unit]! : NONE
}

/** Septets for one table entry: 1 (default table), 2 (ESC + extension), 0 (not GSM-7). */
function septetsOf(code: number): 0 | 1 | 2 {
  return code === NONE ? 0 : code & EXTENDED ? 2 : 1
}

/** Septets needed for one character: 1 (default table), 2 (ESC + extension), 0 (not GSM-7). */
export function gsm7CharSeptets(char: string): 0 | 1 | 2 {
  return char.length === 1 ? septetsOf(codeOf(char.charCodeAt(0))) : 0
}

export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (codeOf(text.charCodeAt(i)) === NONE) return false
  }
  return true
}

/** Septet count of `text`; characters outside the alphabet are not counted. */
export function gsm7Septets(text: string): number {
  let count = 0
  for (let i = 0; i < text.length; i++) count += septetsOf(codeOf(text.charCodeAt(i)))
  return count
}

/**
 * Unpacked septets (one per byte, values 0x00-0x7F), as SMPP data_coding 0 carries them on a
 * GSM-7 SMSC. Extension characters become ESC followed by their extension code (§6.2.1.1).
 */
export function encodeGsm7(text: string): Uint8Array {
  const { bytes, replaced } = encodeGsm7Lossy(text)
  if (replaced === 0) return bytes
  let i = 0
  while (codeOf(text.charCodeAt(i)) !== NONE) i++
  const cp = text.codePointAt(i) ?? 0
  throw new CodecError(
    "unencodable",
    `U+${cp.toString(16).toUpperCase().padStart(4, "0")} is not in the GSM 7-bit alphabet`,
  )
}

/** "?": 0x3F in both the GSM default alphabet (TS 23.038 §6.2.1) and ASCII. */
export const QUESTION_MARK = 0x3f

/**
 * encodeGsm7, but each code point outside the alphabet becomes "?" and is counted in
 * `replaced`: a surrogate pair is one.
 */
export function encodeGsm7Lossy(text: string): { bytes: Uint8Array; replaced: number } {
  let length = 0
  for (let i = 0; i < text.length; i++) length += septetsOf(codeOf(text.charCodeAt(i))) || 1
  const out = new Uint8Array(length)
  let replaced = 0
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const code = codeOf(text.charCodeAt(i))
    if (code === NONE) {
      out[n++] = QUESTION_MARK
      replaced++
      if (isSurrogatePairAt(text, i)) i++
    } else if (code & EXTENDED) {
      out[n++] = ESC
      out[n++] = code & 0x7f
    } else {
      out[n++] = code
    }
  }
  // A surrogate pair took one "?" for the two it was counted.
  return { bytes: n === length ? out : out.slice(0, n), replaced }
}

/**
 * Unpacked septets to text. Bit 7 of each byte is ignored. Per §6.2.1.1, an escape code the
 * receiver does not know shows the default-table character for that code; ESC ESC (reserved for
 * a further extension table) and a trailing lone ESC show a space.
 */
export function decodeGsm7(bytes: Uint8Array): string {
  let out = ""
  for (let i = 0; i < bytes.length; i++) {
    const septet = bytes[i]! & 0x7f
    if (septet !== ESC) {
      out += BASIC[septet]!
      continue
    }
    const next = bytes[i + 1]
    if (next === undefined) {
      out += " "
      break
    }
    i++
    const code = next & 0x7f
    out += EXTENSION.get(code) ?? (code === ESC ? " " : BASIC[code]!)
  }
  return out
}

/**
 * Packs septets LSB-first into octets (§6.1.2.1.1). `fillBits` (0-6) zero bits precede the first
 * septet so that it starts on a septet boundary after a User Data Header (TS 23.040 §9.2.3.24);
 * they occupy the low bits of the first output octet.
 */
export function packSeptets(septets: Uint8Array, fillBits = 0): Uint8Array {
  assertFillBits(fillBits)
  const totalBits = fillBits + septets.length * 7
  const out = new Uint8Array(Math.ceil(totalBits / 8))
  let bit = fillBits
  for (const septet of septets) {
    const value = septet & 0x7f
    const index = bit >> 3
    const shift = bit & 7
    out[index] = out[index]! | ((value << shift) & 0xff)
    if (shift > 1) out[index + 1] = value >> (8 - shift)
    bit += 7
  }
  return out
}

/** Inverse of packSeptets: reads `count` septets after `fillBits` leading bits. */
export function unpackSeptets(packed: Uint8Array, count: number, fillBits = 0): Uint8Array {
  assertFillBits(fillBits)
  const available = Math.floor((packed.length * 8 - fillBits) / 7)
  const n = Math.max(0, Math.min(count, available))
  const out = new Uint8Array(n)
  let bit = fillBits
  for (let i = 0; i < n; i++) {
    const index = bit >> 3
    const shift = bit & 7
    const word = packed[index]! | ((packed[index + 1] ?? 0) << 8)
    out[i] = (word >> shift) & 0x7f
    bit += 7
  }
  return out
}

function assertFillBits(fillBits: number): void {
  if (!Number.isInteger(fillBits) || fillBits < 0 || fillBits > 6) {
    throw new RangeError(`fillBits must be an integer 0-6, got ${fillBits}`)
  }
}
