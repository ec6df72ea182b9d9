/**
 * Gets the octets of a received short_message / message_payload back from npm `smpp`.
 *
 * The library decodes these fields while parsing (defs.js `filters.message.decode`): data_coding
 * with low nibble 0 or 1 through its GSM 03.38 table (one octet per septet, octets ≥ 0x80 become
 * spaces), 3 through Latin-1, 8 through UTF-16BE; any other value stays a Buffer. With esm_class
 * UDHI (0x40, SMPP 3.4 §5.2.12) it also splits the UDH into information elements.
 *
 * Importing this module turns the GSM step off with the library's documented switch (README
 * "Encodings": `delete smpp.encodings.ASCII`): data_coding 0 and 1 then stay the wire octets,
 * which is exact (an MO in Latin-1 under data_coding 0 keeps its "é") and cheaper (the GSM
 * decode builds a RegExp and walks its table for every receipt). Nothing in Signalbox lets the
 * library encode text: every short_message we build is a Buffer with an explicit data_coding.
 * Latin-1 and UCS-2 are still decoded by the library; re-encoding them with the same tables
 * gives the octets back, and so does re-encoding GSM text when another process did not turn the
 * decode off. The remaining loss: a UDH with a national language shift IE (0x24/0x25) still
 * makes the library decode the text with that table, which this module maps back through the
 * default table.
 */
import smpp from "smpp"
import { encodeUcs2 } from "../codec/ucs2.ts"

export interface ShortMessageOctets {
  /** The whole user data header including its length octet (TS 23.040 §9.2.3.24), or null. */
  udh: Uint8Array | null
  /** The user data after the header. */
  message: Uint8Array
}

interface DecodedShortMessage {
  udh?: Buffer[]
  message: string | Buffer
}

const EMPTY = new Uint8Array(0)

// Idempotent; see the header.
delete smpp.encodings.ASCII

export function shortMessageOctets(value: unknown, dataCoding: number): ShortMessageOctets {
  if (value == null) return { udh: null, message: EMPTY }
  if (value instanceof Uint8Array) return { udh: null, message: value }
  if (typeof value === "string")
    return { udh: null, message: encodeAsLibraryDecoded(value, dataCoding) }
  const decoded = value as DecodedShortMessage
  const message =
    typeof decoded.message === "string"
      ? encodeAsLibraryDecoded(decoded.message, dataCoding)
      : (decoded.message ?? EMPTY)
  return { udh: decoded.udh?.length ? joinUdh(decoded.udh) : null, message }
}

function encodeAsLibraryDecoded(text: string, dataCoding: number): Uint8Array {
  switch (dataCoding & 0x0f) {
    case 0x00:
    case 0x01:
      return gsmOctets(text)
    case 0x08:
      return encodeUcs2(text)
    default:
      return latin1(text)
  }
}

/**
 * The inverse of the library's GSM decode, built from its own tables: character → septet, or
 * ESC (0x1B) + septet for the extension characters (TS 23.038 §6.2.1.1). Anything else (never
 * produced by the decoder) becomes a space, as the library would encode it.
 */
const ESC = 0x1b
const SPACE = 0x20
const GSM_REVERSE: ReadonlyMap<number, number> = (() => {
  const coder = smpp.gsmCoder.getCoder(0x00)
  const reverse = new Map<number, number>()
  for (const [char, septet] of Object.entries(coder.charListEnc))
    reverse.set(char.charCodeAt(0), septet)
  for (const [char, escaped] of Object.entries(coder.extCharListEnc)) {
    const septet = coder.charListEnc[escaped]
    if (septet !== undefined) reverse.set(char.charCodeAt(0), (ESC << 8) | septet)
  }
  return reverse
})()

function gsmOctets(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2)
  let length = 0
  for (let i = 0; i < text.length; i++) {
    const code = GSM_REVERSE.get(text.charCodeAt(i)) ?? SPACE
    if (code > 0xff) out[length++] = ESC
    out[length++] = code & 0xff
  }
  return out.subarray(0, length)
}

function joinUdh(elements: Buffer[]): Uint8Array {
  let length = 0
  for (const element of elements) length += element.length
  const udh = new Uint8Array(length + 1)
  udh[0] = length
  let offset = 1
  for (const element of elements) {
    udh.set(element, offset)
    offset += element.length
  }
  return udh
}

function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff
  return out
}
