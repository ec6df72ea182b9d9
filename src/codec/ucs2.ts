/**
 * UCS-2 as carried by SMPP data_coding 8 and TP-DCS "UCS2" (3GPP TS 23.038 §5, §4). In practice
 * handsets and SMSCs accept UTF-16BE, so code points above U+FFFF are kept as surrogate pairs.
 */

/** UTF-16 code units, big-endian, two octets each. */
export function encodeUcs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2)
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    out[i * 2] = unit >> 8
    out[i * 2 + 1] = unit & 0xff
  }
  return out
}

/** UTF-16BE to text. An odd trailing octet is ignored; lone surrogates are passed through. */
export function decodeUcs2(bytes: Uint8Array): string {
  const units = bytes.length >> 1
  let out = ""
  // Chunked so very long inputs do not exceed the argument limit of fromCharCode.
  const chunk: number[] = []
  for (let i = 0; i < units; i++) {
    chunk.push((bytes[i * 2]! << 8) | bytes[i * 2 + 1]!)
    if (chunk.length === 4096) {
      out += String.fromCharCode(...chunk)
      chunk.length = 0
    }
  }
  return out + String.fromCharCode(...chunk)
}

/** Whether text[i] and text[i + 1] are one code point above U+FFFF (a UTF-16 surrogate pair). */
export function isSurrogatePairAt(text: string, i: number): boolean {
  const high = text.charCodeAt(i)
  const low = text.charCodeAt(i + 1)
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff
}
