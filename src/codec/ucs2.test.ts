import { describe, expect, test } from "bun:test"
import { decodeUcs2, encodeUcs2 } from "./ucs2.ts"

const hex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
const fromHex = (text: string): Uint8Array =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))

describe("encodeUcs2", () => {
  test.each([
    // SMPP 3.4 §5.2.19 data_coding 8 / TS 23.038 §5: big-endian 16-bit units.
    ["A", "0041"],
    ["é", "00e9"],
    ["€", "20ac"],
    ["سلام", "0633064406270645"],
    // U+1F600 as the UTF-16 surrogate pair D83D DE00.
    ["😀", "d83dde00"],
    ["", ""],
  ])("returns UTF-16BE for %p", (text, expected) => {
    expect(hex(encodeUcs2(text))).toBe(expected)
  })
})

describe("decodeUcs2", () => {
  test.each([
    ["0041", "A"],
    ["20ac", "€"],
    ["d83dde00", "😀"],
    // Odd trailing octet (truncated unit) is ignored.
    ["004100", "A"],
    ["00", ""],
    ["", ""],
  ])("returns text for %p", (bytesHex, expected) => {
    expect(decodeUcs2(fromHex(bytesHex))).toBe(expected)
  })

  test("returns a lone surrogate unchanged instead of throwing", () => {
    expect(decodeUcs2(fromHex("d83d0041"))).toBe("\ud83dA")
  })

  test("returns long text intact across internal chunks", () => {
    const text = "ab€😀".repeat(5000)
    expect(decodeUcs2(encodeUcs2(text))).toBe(text)
  })
})
