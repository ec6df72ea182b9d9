import { describe, expect, test } from "bun:test"
import { carrierIdCandidates, normalizeCarrierId } from "./carrier-id.ts"

describe("normalizeCarrierId", () => {
  test.each([
    [" 1A2B ", "1a2b"],
    ["6699", "6699"],
    // Zero-padded to 10 digits, as in the Safaricom KE receipt quoted by OpenSMPP's
    // DeliverSMTest ("id:0966279342").
    ["0966279342", "966279342"],
    ["0000", "0"],
    ["0", "0"],
    ["00ff", "ff"],
    // UUID ids (Jasmin, jookies/jasmin test_pdu_encoding.py) are not hex-only: no stripping.
    ["BC59B8AA-2FD2-4035-8113-19301E050079", "bc59b8aa-2fd2-4035-8113-19301e050079"],
    ["0x1A", "0x1a"],
    ["", ""],
  ])("returns %p as %p", (input, expected) => {
    expect(normalizeCarrierId(input)).toBe(expected)
  })
})

describe("carrierIdCandidates", () => {
  test.each([
    ["1A2B", ["1a2b", "6699"]],
    ["6699", ["6699", "1a2b", "26265"]],
    // jookies/jasmin test_pdu_encoding.py: receipt "id:1891273321" with receipted_message_id
    // "70BA8A69" for the same message (0x70BA8A69 = 1891273321).
    ["70BA8A69", ["70ba8a69", "1891273321"]],
    ["1891273321", ["1891273321", "70ba8a69", "105514480417"]],
    ["0966279342", ["966279342", "399840ae", "40368575298"]],
    ["0", ["0"]],
    ["000", ["0"]],
    ["10", ["10", "a", "16"]],
    // 20 decimal digits, above 2^53: BigInt keeps every digit.
    [
      "12345678901234567890",
      ["12345678901234567890", "ab54a98ceb1f0ad2", "85968058271978839505040"],
    ],
    ["FFFFFFFFFFFFFFFFFFFF", ["ffffffffffffffffffff", "1208925819614629174706175"]],
    ["bc59b8aa-2fd2-4035-8113-19301e050079", ["bc59b8aa-2fd2-4035-8113-19301e050079"]],
    ["msg-42", ["msg-42"]],
    ["0x1A", ["0x1a"]],
    ["", []],
    ["   ", []],
  ])("returns candidates for %p", (input, expected) => {
    expect(carrierIdCandidates(input)).toEqual(expected)
  })

  test("returns a shared candidate for the hex and decimal forms of one id", () => {
    const fromResp = carrierIdCandidates("70BA8A69")
    const fromReceipt = carrierIdCandidates("1891273321")
    expect(fromResp.some((c) => fromReceipt.includes(c))).toBe(true)
  })
})
