/**
 * User Data Header (3GPP TS 23.040 §9.2.3.24): UDHL octet, then information elements of
 * IEI, IEDL, IED.
 */
import { CodecError } from "./codec-error.ts"

export interface UdhElement {
  id: number
  data: Uint8Array
}

export interface ConcatInfo {
  reference: number
  total: number
  /** 1-based. */
  sequence: number
}

export interface ParsedUdh {
  /** Octets taken by the header including the UDHL octet; the payload starts here. */
  headerLength: number
  concat?: ConcatInfo
  elements: UdhElement[]
}

/** IE 0x00, concatenated short messages, 8-bit reference (§9.2.3.24.1). */
export const IEI_CONCAT_8 = 0x00
/** IE 0x08, concatenated short messages, 16-bit reference (§9.2.3.24.8). */
export const IEI_CONCAT_16 = 0x08

/** A 6-octet UDH with IE 0x00: [UDHL=5, IEI=0, IEDL=3, reference, total, sequence]. */
export function concatUdh(reference: number, total: number, sequence: number): Uint8Array {
  // §9.2.3.24.1: reference is modulo 256; total and sequence are 1-255 and sequence ≤ total.
  if (!isOctet(reference)) throw invalid(`reference ${reference} is not 0-255`)
  if (!isOctet(total) || total < 1) throw invalid(`total ${total} is not 1-255`)
  if (!isOctet(sequence) || sequence < 1 || sequence > total) {
    throw invalid(`sequence ${sequence} is not 1-${total}`)
  }
  return Uint8Array.of(0x05, IEI_CONCAT_8, 0x03, reference, total, sequence)
}

/**
 * Parses the UDH at the start of `bytes` (TP-UD with TP-UDHI set, or short_message with
 * esm_class UDHI). Throws CodecError("invalid_udh") if the header or an element runs past its
 * end. A concatenation IE with the wrong length, total 0, or sequence 0 or above total is kept
 * in `elements` but not reported as `concat` (§9.2.3.24.1: the receiver ignores the whole IE).
 * When IEs repeat, the last one wins (§9.2.3.24).
 */
export function parseUdh(bytes: Uint8Array): ParsedUdh {
  const udhl = bytes[0]
  if (udhl === undefined) throw invalid("UDH is empty")
  const headerLength = udhl + 1
  if (headerLength > bytes.length) {
    throw invalid(`UDHL ${udhl} runs past the ${bytes.length}-octet user data`)
  }

  const elements: UdhElement[] = []
  let concat: ConcatInfo | undefined
  let offset = 1
  while (offset < headerLength) {
    const id = bytes[offset]!
    const length = bytes[offset + 1]
    if (length === undefined || offset + 1 >= headerLength) {
      throw invalid(`IE 0x${hex(id)} at octet ${offset} has no length octet`)
    }
    const start = offset + 2
    const end = start + length
    if (end > headerLength) throw invalid(`IE 0x${hex(id)} runs past the end of the UDH`)
    const data = bytes.slice(start, end)
    elements.push({ id, data })
    const parsed = parseConcat(id, data)
    if (parsed) concat = parsed
    offset = end
  }

  return concat ? { headerLength, concat, elements } : { headerLength, elements }
}

function parseConcat(id: number, data: Uint8Array): ConcatInfo | undefined {
  let reference: number
  let total: number
  let sequence: number
  if (id === IEI_CONCAT_8 && data.length === 3) {
    reference = data[0]!
    total = data[1]!
    sequence = data[2]!
  } else if (id === IEI_CONCAT_16 && data.length === 4) {
    reference = (data[0]! << 8) | data[1]!
    total = data[2]!
    sequence = data[3]!
  } else {
    return undefined
  }
  if (total === 0 || sequence === 0 || sequence > total) return undefined
  return { reference, total, sequence }
}

function isOctet(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 0xff
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0")
}

function invalid(message: string): CodecError {
  return new CodecError("invalid_udh", message)
}
