import { describe, expect, test } from "bun:test"
import { CodecError } from "./codec-error.ts"
import { MAX_MESSAGE_CHARS, segmentText } from "./segment.ts"

// Expected parts are worked out by hand (split-sms style) from TS 23.040 §9.2.3.16 (140 octets
// of TP-UD) and §9.2.3.24.1 (6-octet concat UDH): one part holds 160 septets / 70 UCS-2 code
// units, each concatenated part 153 septets / 67 code units.
const a = (n: number) => "a".repeat(n)
const b = (n: number) => "b".repeat(n)
const zhe = (n: number) => "ж".repeat(n)
// U+1F468 ZWJ U+1F469 ZWJ U+1F467: 5 code points, 8 UTF-16 code units.
const FAMILY = "👨\u200d👩\u200d👧"

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof CodecError ? error.code : "not a CodecError"
  }
  return undefined
}

describe("segmentText", () => {
  test.each([
    // [case, text, encoding, units, part lengths (JS string length of each part)]
    ["1 GSM char", a(1), "gsm7", 1, [1]],
    ["159 GSM chars", a(159), "gsm7", 159, [159]],
    ["160 GSM chars: one full part", a(160), "gsm7", 160, [160]],
    ["161 GSM chars: 153 + 8", a(161), "gsm7", 161, [153, 8]],
    ["306 GSM chars: 2 × 153", a(306), "gsm7", 306, [153, 153]],
    ["307 GSM chars: 153 + 153 + 1", a(307), "gsm7", 307, [153, 153, 1]],
    ["459 GSM chars: 3 × 153", a(459), "gsm7", 459, [153, 153, 153]],
    ["460 GSM chars: 3 × 153 + 1", a(460), "gsm7", 460, [153, 153, 153, 1]],
    ["400 GSM chars: 153 + 153 + 94", a(400), "gsm7", 400, [153, 153, 94]],
    // TS 23.038 §6.2.1.1: "€" is ESC + 0x65, two septets. 159 + 2 = 161 > 160.
    ["159 chars + €: 161 septets", `${a(159)}€`, "gsm7", 161, [153, 7]],
    // "€" + 158 = 160 septets: one part with only 159 characters.
    ["€ + 158 chars: 160 septets", `€${a(158)}`, "gsm7", 160, [159]],
    // 80 × 2 = 160 fits one part; 81 × 2 = 162 splits 76 + 5 (77 × 2 = 154 > 153).
    ["80 × €", "€".repeat(80), "gsm7", 160, [80]],
    ["81 × €", "€".repeat(81), "gsm7", 162, [76, 5]],
    // 91 extension characters = 182 septets; 76 per part.
    ["€-heavy with brackets", `${"{€}".repeat(30)}~`, "gsm7", 182, [76, 15]],
    ["70 UCS-2 chars: one full part", zhe(70), "ucs2", 70, [70]],
    ["71 UCS-2 chars: 67 + 4", zhe(71), "ucs2", 71, [67, 4]],
    ["134 UCS-2 chars: 2 × 67", zhe(134), "ucs2", 134, [67, 67]],
    ["135 UCS-2 chars: 67 + 67 + 1", zhe(135), "ucs2", 135, [67, 67, 1]],
    // One non-GSM character makes the whole message UCS-2: 101 units > 70.
    ["100 GSM chars + one Cyrillic", `${a(100)}ж`, "ucs2", 101, [67, 34]],
    // "ç" is not in the default alphabet (TS 23.038 §6.2.1 has only capital Ç).
    ["text with ç", "Ça va, garçon?", "ucs2", 14, [14]],
    // U+1F600 is 2 code units: 35 fit (70); 36 → 33 per part (34 would be 68 > 67).
    ["35 emoji", "😀".repeat(35), "ucs2", 70, [70]],
    ["36 emoji: 33 + 3", "😀".repeat(36), "ucs2", 72, [66, 6]],
    // Arabic is BMP, one code unit per letter.
    ["short Arabic", "مرحبا بالعالم", "ucs2", 13, [13]],
    ["100 Arabic letters: 67 + 33", "ع".repeat(100), "ucs2", 100, [67, 33]],
  ])("returns the expected parts for %s", (_case, text, encoding, units, lengths) => {
    const result = segmentText(text)
    expect(result.encoding).toBe(encoding as "gsm7" | "ucs2")
    expect(result.units).toBe(units)
    expect(result.parts.map((part) => part.length)).toEqual(lengths)
    expect(result.parts.join("")).toBe(text)
  })

  test("returns an extension char that straddles septet 153 at the start of the next part", () => {
    // 152 + 2 would end at septet 154: ESC would be septet 153 of part 1 and its code the first
    // septet of part 2, which TS 23.038 §6.2.1.1 does not allow. The "€" moves to part 2.
    const result = segmentText(`${a(152)}€${b(10)}`)
    expect(result.parts).toEqual([a(152), `€${b(10)}`])
    expect(result.units).toBe(164)
  })

  test("returns an extension char that ends exactly at septet 153 in the first part", () => {
    const result = segmentText(`${a(151)}€${b(10)}`)
    expect(result.parts).toEqual([`${a(151)}€`, b(10)])
  })

  test("returns an emoji that straddles code unit 67 at the start of the next part", () => {
    // 66 + 2 = 68 > 67: splitting would leave a lone high surrogate at the end of part 1.
    const result = segmentText(`${zhe(66)}😀${zhe(5)}`)
    expect(result.parts).toEqual([zhe(66), `😀${zhe(5)}`])
    expect(result.units).toBe(73)
  })

  test("returns an emoji that ends exactly at code unit 67 in the first part", () => {
    const result = segmentText(`${zhe(65)}😀${zhe(5)}`)
    expect(result.parts).toEqual([`${zhe(65)}😀`, zhe(5)])
  })

  test("returns a ZWJ sequence split only between code points", () => {
    // 9 families = 72 units. 8 families = 64; then 👨 (66), ZWJ (67); 👩 would reach 69.
    const result = segmentText(FAMILY.repeat(9))
    expect(result.parts).toEqual([`${FAMILY.repeat(8)}👨\u200d`, "👩\u200d👧"])
    expect(result.units).toBe(72)
  })

  test("returns parts that never end on a high surrogate or an escape", () => {
    const text = `x${"😀€ж{".repeat(200)}`.slice(0, 1200)
    for (const part of segmentText(text).parts) {
      const last = part.charCodeAt(part.length - 1)
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false)
    }
    const gsm = segmentText(`${"a€".repeat(200)}`)
    for (const part of gsm.parts) expect(part.endsWith("\u001b")).toBe(false)
    expect(gsm.parts.join("")).toBe("a€".repeat(200))
  })

  test("returns 11 parts for exactly 1,600 GSM characters", () => {
    // 1600 = 10 × 153 + 70.
    const result = segmentText(a(MAX_MESSAGE_CHARS))
    expect(result.parts.length).toBe(11)
    expect(result.parts.at(-1)?.length).toBe(70)
  })

  test("returns 1,600 emoji, counted as code points, in 49 parts", () => {
    // 3200 units; 33 emoji per part: 48 × 33 = 1584, remainder 16.
    const result = segmentText("😀".repeat(MAX_MESSAGE_CHARS))
    expect(result.units).toBe(3200)
    expect(result.parts.length).toBe(49)
  })

  test("throws message_too_long for 1,601 characters", () => {
    expect(codeOf(() => segmentText(a(1601)))).toBe("message_too_long")
    expect(() => segmentText(a(1601))).toThrow("1601 characters; the limit is 1600")
    expect(codeOf(() => segmentText("😀".repeat(1601)))).toBe("message_too_long")
    // Lone surrogates count one each; 1,599 pairs and two lone halves are 1,601.
    expect(codeOf(() => segmentText(`\ude00${"😀".repeat(1599)}\ud83d`))).toBe("message_too_long")
    expect(segmentText(`\ude00${"😀".repeat(1598)}\ud83d`).encoding).toBe("ucs2")
  })

  test("throws empty_message for an empty string", () => {
    expect(codeOf(() => segmentText(""))).toBe("empty_message")
  })
})
