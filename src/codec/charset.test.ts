import { describe, expect, test } from "bun:test"
import { decodeShortMessage, encodeDataCoding0 } from "./charset.ts"

const hex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
const fromHex = (text: string): Uint8Array =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))

describe("encodeDataCoding0", () => {
  test.each([
    // TS 23.038 §6.2.1 / §6.2.1.1: unpacked septets, "@" is 0x00, "€" is ESC 0x65.
    ["gsm7", "Hi @€", "486920001b65", 0],
    // "ç" and the emoji are outside GSM 7-bit; each becomes "?" (0x3F).
    ["gsm7", "ç😀!", "3f3f21", 2],
    // ISO-8859-1: "é" 0xE9, "@" 0x40; "€" (U+20AC) is not in Latin-1.
    ["latin1", "Hi @é€", "48692040e93f", 1],
    // IA5 (SMPP 3.4 §5.2.19 data_coding 1) is 7-bit ASCII.
    ["ascii", "Hi @é€", "486920403f3f", 2],
    ["ascii", "😀", "3f", 1],
    // A lone surrogate (cut from its pair) is one code point: one "?" each, pairs still one.
    ["gsm7", "a\ud83db😀\ude00", "613f623f3f", 3],
    ["latin1", "\ude00\ud83d", "3f3f", 2],
    ["gsm7", "😀😀", "3f3f", 2],
    ["gsm7", "", "", 0],
  ] as const)("returns %p bytes for %p", (charset, text, expectedHex, replaced) => {
    const result = encodeDataCoding0(text, charset)
    expect(hex(result.bytes)).toBe(expectedHex)
    expect(result.replaced).toBe(replaced)
  })
})

describe("decodeShortMessage", () => {
  test.each([
    // SMPP 3.4 §5.2.19 data_coding 0 = SMSC default alphabet, per carrier.
    ["00", 0x00, "gsm7", "@"],
    ["00", 0x00, "latin1", "\u0000"],
    ["486920e9", 0x00, "latin1", "Hi é"],
    ["1b65", 0x00, "gsm7", "€"],
    ["4869", 0x00, "ascii", "Hi"],
    // data_coding 1 = IA5, 3 = ISO-8859-1, regardless of the carrier default.
    ["4869", 0x01, "gsm7", "Hi"],
    ["e9", 0x03, "gsm7", "é"],
    // data_coding 8 = UCS2.
    ["20ac0041", 0x08, "gsm7", "€A"],
    // data_coding 2 and 4 are octet data: Latin-1 best effort.
    ["e9", 0x04, "gsm7", "é"],
    // TS 23.038 §4 group 0001 with message class: 0x10 GSM 7-bit class 0, 0x18 UCS2 class 0.
    ["1b65", 0x10, "gsm7", "€"],
    ["20ac", 0x18, "gsm7", "€"],
    // TS 23.038 §4 message waiting groups 1101 (GSM 7-bit) and 1110 (UCS2).
    ["1b65", 0xd0, "gsm7", "€"],
    ["20ac", 0xe0, "gsm7", "€"],
    // SMPP 3.4 §5.2.19 GSM message class control 0xF0-0xF3: default alphabet, as data_coding 0.
    ["1b65", 0xf0, "gsm7", "€"],
    ["e9", 0xf1, "latin1", "é"],
    // 0xF4-0xF7: 8-bit data.
    ["e9", 0xf6, "gsm7", "é"],
    // Reserved values (SMPP 3.4 §5.2.19): Latin-1 best effort.
    ["e9", 0xbf, "gsm7", "é"],
    ["", 0x08, "gsm7", ""],
  ] as const)(
    "returns text for %p with data_coding %p and default %p",
    (bytesHex, dc, charset, expected) => {
      expect(decodeShortMessage(fromHex(bytesHex), dc, charset)).toBe(expected)
    },
  )

  test("returns best-effort text for odd-length UCS2", () => {
    expect(decodeShortMessage(fromHex("004100"), 8, "gsm7")).toBe("A")
  })
})
