import { describe, expect, test } from "bun:test"
import { encodeGsm7, packSeptets } from "../codec/gsm7.ts"
import { encodeSemiOctets, readAddress } from "../codec/tpdu-fields.ts"
import { ownNumberOf, senderOf } from "./addresses.ts"

/**
 * A TP-OA as an SMS-DELIVER carries it (TS 23.040 §9.1.2.5), read back by the codec: digits as
 * semi-octets, or an alphanumeric value as packed GSM septets (length in semi-octets).
 */
function tpOa(toa: number, value: string) {
  const bytes =
    toa === 0xd0
      ? Uint8Array.of(Math.ceil((value.length * 7) / 4), toa, ...packSeptets(encodeGsm7(value)))
      : Uint8Array.of(value.length, toa, ...encodeSemiOctets(value))
  return readAddress(bytes, 0).address
}

describe("senderOf", () => {
  test.each([
    // [what, TOA, TP-OA digits or text, country, from]
    // 0xA1: TON 010 national, NPI 1 (ISDN/telephone).
    ["a national sender", 0xa1, "0241234567", "GH", "+233241234567"],
    ["a national sender, no country", 0xa1, "0241234567", undefined, "0241234567"],
    ["a national sender, empty country", 0xa1, "0241234567", "", "0241234567"],
    // 0x81: TON 000 unknown, digits in the network's dialling plan.
    ["an unknown-TON national sender", 0x81, "0241234567", "GH", "+233241234567"],
    // Longer than a short code and valid with '+': international, as an SMPP TON 0 sender.
    ["unknown-TON international digits", 0x81, "4915112345678", "GH", "+4915112345678"],
    ["an unknown-TON short code", 0x81, "12345", "GH", "12345"],
    // 0x91: international; the codec adds the '+'.
    ["an international sender", 0x91, "4915112345678", "GH", "+4915112345678"],
    // 99 is not an allocated Ghanaian range.
    ["national digits not valid in GH", 0xa1, "0991234567", "GH", "0991234567"],
    ["a national short code", 0xa1, "12345", "GH", "12345"],
    // 0xD0: TON 101 alphanumeric.
    ["an alphanumeric sender", 0xd0, "MyBank", "GH", "MyBank"],
  ] as const)("reads %s", (_, toa, value, country, from) => {
    expect(senderOf(tpOa(toa, value), country)).toBe(from)
  })
})

describe("ownNumberOf", () => {
  test.each([
    // parseCnum already added '+' for <type> 145.
    ["+233200000001", "GH", "+233200000001"],
    ["+4915112345678", "GH", "+4915112345678"],
    // <type> 129 or 161: national.
    ["0200000001", "GH", "+233200000001"],
    ["233200000001", "GH", "+233200000001"],
    ["0200000001", undefined, "0200000001"],
    ["0200000001", "", "0200000001"],
    ["0991234567", "GH", "0991234567"],
    // Valid with a '+', as an unknown-type sender would be (received-number.ts).
    ["14155550123", undefined, "+14155550123"],
    [null, "GH", null],
  ] as const)("reads %p with country %p as %p", (number, country, own) => {
    expect(ownNumberOf(number, country)).toBe(own)
  })
})
