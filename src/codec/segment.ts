/**
 * Splits a message into SMS parts. Rules:
 * - GSM 7-bit default alphabet if every character is in it (TS 23.038 §6.2.1, §6.2.1.1), else
 *   UCS-2 (TS 23.038 §5).
 * - One part holds 160 septets or 70 UCS-2 code units (140 octets of TP-UD, TS 23.040 §9.2.3.16).
 * - Concatenated parts lose 6 octets to the UDH of IE 0x00 (TS 23.040 §9.2.3.24.1): 134 octets
 *   = 67 code units, or (134 × 8 − 1 fill bit) / 7 = 153 septets.
 * - A part never ends between ESC and its extension code (§6.2.1.1: the escape applies to the
 *   next septet of the same message part) nor inside a UTF-16 surrogate pair. Boundaries between
 *   code points are otherwise allowed: receivers reassemble the parts before display.
 */
import { CodecError } from "./codec-error.ts"
import { gsm7CharSeptets, gsm7Septets, isGsm7 } from "./gsm7.ts"
import { isSurrogatePairAt } from "./ucs2.ts"

export interface Segmented {
  encoding: "gsm7" | "ucs2"
  parts: string[]
  /** Total septets (gsm7) or UTF-16 code units (ucs2) of the whole text, UDH not included. */
  units: number
}

/** Longest accepted message, in Unicode code points. */
export const MAX_MESSAGE_CHARS = 1600

const LIMITS = {
  gsm7: { single: 160, multi: 153 },
  ucs2: { single: 70, multi: 67 },
} as const

export function segmentText(text: string): Segmented {
  if (text === "") throw new CodecError("empty_message", "Message text is empty")
  // Code points never outnumber code units: only a long text needs counting.
  if (text.length > MAX_MESSAGE_CHARS) {
    const count = codePoints(text)
    if (count > MAX_MESSAGE_CHARS) {
      throw new CodecError(
        "message_too_long",
        `Message is ${count} characters; the limit is ${MAX_MESSAGE_CHARS}`,
      )
    }
  }

  const encoding = isGsm7(text) ? "gsm7" : "ucs2"
  // Septets per code unit (gsm7 text has no surrogates), or UTF-16 code units.
  const units = encoding === "gsm7" ? gsm7Septets(text) : text.length
  const { single, multi } = LIMITS[encoding]
  if (units <= single) return { encoding, parts: [text], units }

  const cost = encoding === "gsm7" ? gsm7CharSeptets : (char: string) => char.length
  const parts: string[] = []
  let current = ""
  let used = 0
  for (const char of text) {
    const c = cost(char)
    if (used + c > multi) {
      parts.push(current)
      current = ""
      used = 0
    }
    current += char
    used += c
  }
  parts.push(current)
  return { encoding, parts, units }
}

function codePoints(text: string): number {
  let count = 0
  for (let i = 0; i < text.length; i++, count++) if (isSurrogatePairAt(text, i)) i++
  return count
}
