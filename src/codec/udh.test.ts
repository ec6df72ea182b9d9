import { describe, expect, test } from "bun:test"
import { CodecError } from "./codec-error.ts"
import { concatUdh, parseUdh } from "./udh.ts"

const hex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
const fromHex = (text: string): Uint8Array =>
  Uint8Array.from(text.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof CodecError ? error.code : "not a CodecError"
  }
  return undefined
}

describe("concatUdh", () => {
  test.each([
    // TS 23.040 §9.2.3.24.1: UDHL 05, IEI 00, IEDL 03, reference, total, sequence.
    [0x0f, 2, 2, "0500030f0202"],
    [0xa7, 3, 1, "050003a70301"],
    [0, 1, 1, "050003000101"],
    [255, 255, 255, "050003ffffff"],
  ])("returns the 6-octet header for ref %p, %p parts, part %p", (ref, total, seq, expected) => {
    expect(hex(concatUdh(ref, total, seq))).toBe(expected)
  })

  test.each([
    [256, 2, 1],
    [-1, 2, 1],
    [1, 0, 1],
    [1, 2, 0],
    [1, 2, 3],
    [1, 256, 1],
    [1.5, 2, 1],
  ])("throws invalid_udh for ref %p, total %p, sequence %p", (ref, total, seq) => {
    expect(codeOf(() => concatUdh(ref, total, seq))).toBe("invalid_udh")
  })
})

describe("parseUdh", () => {
  test("returns concat info for IE 0x00 and the payload offset", () => {
    // TS 23.040 §9.2.3.24.1 header followed by user data "Hi".
    const result = parseUdh(fromHex("0500030f02024869"))
    expect(result.headerLength).toBe(6)
    expect(result.concat).toEqual({ reference: 0x0f, total: 2, sequence: 2 })
    expect(result.elements.map((e) => [e.id, hex(e.data)])).toEqual([[0, "0f0202"]])
  })

  test("returns a 16-bit reference for IE 0x08", () => {
    // TS 23.040 §9.2.3.24.8: UDHL 06, IEI 08, IEDL 04, reference (2 octets), total, sequence.
    const result = parseUdh(fromHex("060804beef0301"))
    expect(result.headerLength).toBe(7)
    expect(result.concat).toEqual({ reference: 0xbeef, total: 3, sequence: 1 })
  })

  test("returns every element of a multi-IE header", () => {
    // IE 0x24 national language single shift (§9.2.3.24.15) + IE 0x00 concatenation.
    const result = parseUdh(fromHex("08240101000342050348"))
    expect(result.headerLength).toBe(9)
    expect(result.elements.map((e) => [e.id, hex(e.data)])).toEqual([
      [0x24, "01"],
      [0x00, "420503"],
    ])
    expect(result.concat).toEqual({ reference: 0x42, total: 5, sequence: 3 })
  })

  test("returns no concat when the header has none", () => {
    // IE 0x05 application port addressing, 16-bit (§9.2.3.24.4), as used by WAP push.
    const result = parseUdh(fromHex("0605040b8423f0"))
    expect(result.concat).toBeUndefined()
    expect(result.elements).toHaveLength(1)
  })

  test.each([
    // §9.2.3.24.1: sequence 0 or above total, or total 0, means the IE is ignored.
    ["050003010200"],
    ["050003010203"],
    ["050003010001"],
    // Wrong IEDL for IE 0x00 (must be 3).
    ["0600040102010000"],
  ])("returns no concat for the ignorable concat IE %p", (udhHex) => {
    const result = parseUdh(fromHex(udhHex))
    expect(result.concat).toBeUndefined()
    expect(result.elements).toHaveLength(1)
  })

  test("returns the last concat IE when it repeats", () => {
    // §9.2.3.24: a duplicated non-repeatable IE uses its last occurrence.
    expect(parseUdh(fromHex("0a000301020100030902020000")).concat).toEqual({
      reference: 9,
      total: 2,
      sequence: 2,
    })
  })

  test("returns an empty element list for UDHL 0", () => {
    expect(parseUdh(fromHex("0041"))).toEqual({ headerLength: 1, elements: [] })
  })

  test.each([
    ["", "empty input"],
    ["05000301", "UDHL past the end of the data"],
    ["0500050102", "UDHL past the end of the data"],
    ["05000401020304", "IE length past the UDHL"],
    ["0100", "IE without a length octet"],
    ["03000301020304", "IE data past the UDHL"],
  ])("throws invalid_udh for %p (%s)", (udhHex) => {
    expect(codeOf(() => parseUdh(fromHex(udhHex)))).toBe("invalid_udh")
  })
})
