import { describe, expect, test } from "bun:test"
import { CodecError } from "./codec-error.ts"
import { decodeGsm7, encodeGsm7, gsm7Septets, isGsm7, packSeptets, unpackSeptets } from "./gsm7.ts"

const hex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
const fromHex = (text: string): Uint8Array =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))

// Every character of the default alphabet in code order, ESC (0x1B) omitted (TS 23.038 §6.2.1).
const DEFAULT_ALPHABET =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
const EXTENSION_CHARS = "\f^{}\\[~]|€"

describe("isGsm7", () => {
  test.each([
    // TS 23.038 §6.2.1: the whole default table.
    [DEFAULT_ALPHABET, true],
    // TS 23.038 §6.2.1.1: the whole extension table.
    [EXTENSION_CHARS, true],
    ["", true],
    // Not in either table: backtick, lower-case c-cedilla, e-circumflex, Greek small alpha.
    ["`", false],
    ["ç", false],
    ["ê", false],
    ["α", false],
    // TS 23.038 §6.2.1: ESC is a table switch, not a character.
    ["\u{1b}", false],
    ["hello 😀", false],
    ["Привет", false],
  ])("returns %p → %p", (text, expected) => {
    expect(isGsm7(text)).toBe(expected)
  })
})

describe("gsm7Septets", () => {
  test.each([
    ["", 0],
    ["hello", 5],
    // TS 23.038 §6.2.1: 127 single-septet characters.
    [DEFAULT_ALPHABET, 127],
    // TS 23.038 §6.2.1.1: each extension character is ESC + code, two septets.
    ["€", 2],
    [EXTENSION_CHARS, 20],
    ["Price: 10€ {approx}", 22],
  ])("returns the septet count of %p", (text, expected) => {
    expect(gsm7Septets(text)).toBe(expected)
  })
})

describe("encodeGsm7", () => {
  test.each([
    // TS 23.038 §6.2.1 code positions.
    ["@", "00"],
    ["£$¥", "010203"],
    ["\n\r", "0a0d"],
    ["Δ_", "1011"],
    ["¤", "24"],
    ["¡¿", "4060"],
    ["Ä§àü", "5b5f7f7e"],
    ["Hi", "4869"],
    // TS 23.038 §6.2.1.1 extension table codes after ESC (0x1B).
    ["\f", "1b0a"],
    ["^", "1b14"],
    ["{}", "1b281b29"],
    ["\\", "1b2f"],
    ["[~]", "1b3c1b3d1b3e"],
    ["|", "1b40"],
    ["€", "1b65"],
  ])("returns unpacked septets for %p", (text, expected) => {
    expect(hex(encodeGsm7(text))).toBe(expected)
  })

  test("returns one byte per septet for the whole default alphabet", () => {
    const bytes = encodeGsm7(DEFAULT_ALPHABET)
    expect(bytes.length).toBe(127)
    expect([...bytes]).toEqual([...Array(128).keys()].filter((code) => code !== 0x1b))
  })

  test.each(["`", "ç", "😀", "a\u{1b}b"])("throws unencodable for %p", (text) => {
    expect(() => encodeGsm7(text)).toThrow(CodecError)
    try {
      encodeGsm7(text)
    } catch (error) {
      expect((error as CodecError).code).toBe("unencodable")
    }
  })
})

describe("decodeGsm7", () => {
  test.each([
    ["48656c6c6f", "Hello"],
    ["1b65", "€"],
    ["1b0a", "\f"],
    // TS 23.038 §6.2.1.1 note: an unknown escape code shows the default-table character.
    ["1b41", "A"],
    ["1b00", "@"],
    // TS 23.038 §6.2.1.1: 0x1B1B is reserved for a further extension table; shown as a space.
    ["1b1b", " "],
    // A lone ESC at the end has no extension code; shown as a space like an unknown ESC.
    ["411b", "A "],
    // Bit 7 is not part of a septet and is ignored.
    ["c8", "H"],
    ["", ""],
  ])("returns text for %p", (bytesHex, expected) => {
    expect(decodeGsm7(fromHex(bytesHex))).toBe(expected)
  })

  test("returns the original text after encodeGsm7", () => {
    const text = DEFAULT_ALPHABET + EXTENSION_CHARS
    expect(decodeGsm7(encodeGsm7(text))).toBe(text)
  })
})

describe("packSeptets", () => {
  test.each([
    // Classic SMS-SUBMIT example, turbocontrol.com "SMS messages and the PDU format"
    // (TP-UD of "hellohello"), packing per TS 23.038 §6.1.2.1.1.
    ["hellohello", 0, "e8329bfd4697d9ec37"],
    // dreamfabric.com "SMS PDU" example TP-UD for "How are you?".
    ["How are you?", 0, "c8f71d14969741f977fd07"],
    ["Hello", 0, "c8329bfd06"],
    // alt.cellular.gsm thread "change sms id": 11-octet UDH = 88 bits, so 3 fill bits reach the
    // septet boundary at 91 bits (TS 23.040 §9.2.3.24); the UD after the UDH is this.
    ["Please reply", 3, "80b2cbe17919242fc3d979"],
    // Same thread: the equivalent message with 13 "@" (all-zero septets) and no fill bits.
    ["@@@@@@@@@@@@@Please reply", 0, "000000000000000000000080b2cbe17919242fc3d979"],
    // TS 23.038 §6.1.2.1.1: 8 septets fill exactly 7 octets.
    ["12345678", 0, "31d98c56b3dd70"],
    ["", 0, ""],
  ])("returns packed octets for %p with %p fill bits", (text, fill, expected) => {
    expect(hex(packSeptets(encodeGsm7(text), fill))).toBe(expected)
  })

  test.each([1, 2, 3, 4, 5, 6])("returns the septets starting at bit %p", (fill) => {
    // TS 23.040 §9.2.3.24: fill bits sit in the low bits of the first octet, then the septets
    // follow LSB first exactly as in an unfilled stream. A 6-octet concat UDH needs 1 fill bit.
    const septets = encodeGsm7("Concatenated part €")
    const bits = (bytes: Uint8Array) =>
      [...bytes].flatMap((b) => [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (b >> i) & 1)).join("")
    const filled = bits(packSeptets(septets, fill))
    expect(filled.slice(0, fill)).toBe("0".repeat(fill))
    expect(filled.slice(fill, fill + septets.length * 7)).toBe(
      bits(packSeptets(septets)).slice(0, septets.length * 7),
    )
  })

  test("throws RangeError for fill bits outside 0-6", () => {
    expect(() => packSeptets(new Uint8Array(1), 7)).toThrow(RangeError)
  })
})

describe("unpackSeptets", () => {
  test.each([
    ["e8329bfd4697d9ec37", 10, 0, "hellohello"],
    ["c8f71d14969741f977fd07", 12, 0, "How are you?"],
    ["80b2cbe17919242fc3d979", 12, 3, "Please reply"],
    ["31d98c56b3dd70", 8, 0, "12345678"],
    // TS 23.038 §6.1.2.1.1: 7 septets leave 1 spare bit in the 7th octet; count says to stop.
    ["31d98c56b3dd00", 7, 0, "1234567"],
  ])("returns septets of %p", (packedHex, count, fill, expected) => {
    expect(decodeGsm7(unpackSeptets(fromHex(packedHex), count, fill))).toBe(expected)
  })

  test("returns only the septets present when count exceeds the data", () => {
    expect(unpackSeptets(fromHex("c8329bfd06"), 50).length).toBe(5)
  })

  test.each([0, 1, 2, 3, 4, 5, 6])("returns the input of packSeptets with %p fill bits", (fill) => {
    const septets = encodeGsm7(DEFAULT_ALPHABET + EXTENSION_CHARS)
    expect([...unpackSeptets(packSeptets(septets, fill), septets.length, fill)]).toEqual([
      ...septets,
    ])
  })
})
