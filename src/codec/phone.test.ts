import { describe, expect, test } from "bun:test"
import { nationalToE164, normalizePhone } from "./phone.ts"

// Validity follows libphonenumber's full metadata, which tracks national numbering plans:
// Ghana NCA plan (20/24 mobile, 30 fixed Accra), UK Ofcom plan (74xx mobile), NANP, Germany
// BNetzA (15x mobile).
describe("normalizePhone", () => {
  test.each([
    // [input, defaultCountry, e164, country]
    ["+233201234567", undefined, "+233201234567", "GH"],
    ["+233 24 123 4567", undefined, "+233241234567", "GH"],
    ["00233 20 123 4567", undefined, "+233201234567", "GH"],
    ["  +233-24-123-4567  ", undefined, "+233241234567", "GH"],
    ["0241234567", "GH", "+233241234567", "GH"],
    ["024 123 4567", "gh", "+233241234567", "GH"],
    ["+233 30 212 3456", undefined, "+233302123456", "GH"],
    ["+44 7400 123456", undefined, "+447400123456", "GB"],
    ["07400 123456", "GB", "+447400123456", "GB"],
    // The UK "(0)" trunk-prefix notation after +44 is dropped by libphonenumber.
    ["+44 (0)20 7183 8750", undefined, "+442071838750", "GB"],
    ["+1 (415) 555-2671", undefined, "+14155552671", "US"],
    ["(415) 555-2671", "US", "+14155552671", "US"],
    ["415.555.2671", "US", "+14155552671", "US"],
    // "011" is the NANP international prefix; libphonenumber applies it for a US default.
    ["011 233 20 123 4567", "US", "+233201234567", "GH"],
    ["+49 1512 3456789", undefined, "+4915123456789", "DE"],
    ["0049 30 123456", undefined, "+4930123456", "DE"],
    // ITU-T +800 is a non-geographic (UIFN) code: valid, no country.
    ["+800 1234 5678", undefined, "+80012345678", undefined],
  ])("returns E.164 for %p (default %p)", (input, defaultCountry, e164, country) => {
    expect(normalizePhone(input, defaultCountry)).toEqual({ ok: true, e164, country })
  })

  test.each([
    ["", undefined, "phone number is empty"],
    ["   ", undefined, "phone number is empty"],
    ["+1-800-FLOWERS", undefined, "phone number must not contain letters"],
    ["+233 2O1234567", undefined, "phone number must not contain letters"],
    ["+233 20 123 4567 ext 5", undefined, "phone number must not contain letters"],
    [
      "+233#201234567",
      undefined,
      "phone number may contain only digits, spaces, a leading + and - . ( ) /",
    ],
    [
      "++233201234567",
      undefined,
      "phone number may contain only digits, spaces, a leading + and - . ( ) /",
    ],
    ["0241234567", undefined, "number must be in international format (+country code)"],
    ["233201234567", undefined, "number must be in international format (+country code)"],
    ["0241234567", "XX", 'unknown default country "XX"'],
    ["+2332012", undefined, "phone number is too short"],
    ["+1234", undefined, "phone number is too short"],
    ["+23320123456789", undefined, "phone number is too long"],
    ["+999 123456", undefined, "unknown country calling code"],
    // Right length, but 99 is not an allocated Ghanaian prefix.
    ["+233 99 123 4567", undefined, "not a valid phone number for any country"],
    // NANP area code 555 is not assigned.
    ["+1 555 555 5555", undefined, "not a valid phone number for any country"],
    // UK 07700 900xxx is reserved by Ofcom for drama and never allocated.
    ["+44 7700 900123", undefined, "not a valid phone number for any country"],
    ["020 1234", "GH", "phone number is too short"],
    ["0991234567", "GH", "not a valid phone number for GH"],
  ])("returns ok:false for %p (default %p)", (input, defaultCountry, reason) => {
    expect(normalizePhone(input, defaultCountry)).toEqual({ ok: false, reason })
  })
})

describe("nationalToE164", () => {
  test.each([
    // [digits, country, e164 or null]
    ["0241234567", "GH", "+233241234567"],
    ["0241234567", "gh", "+233241234567"],
    // Ghana numbers are also written without the trunk 0, or with the calling code.
    ["241234567", "GH", "+233241234567"],
    ["233241234567", "GH", "+233241234567"],
    ["00233241234567", "GH", "+233241234567"],
    ["015112345678", "DE", "+4915112345678"],
    ["4155552671", "US", "+14155552671"],
    // Not a valid number of the country: a short code, an unallocated range.
    ["12345", "GH", null],
    ["0991234567", "GH", null],
    // No country, or not digits: nothing to read.
    ["0241234567", "", null],
    ["0241234567", null, null],
    ["0241234567", undefined, null],
    ["+233241234567", "GH", null],
    ["MyBank", "GH", null],
  ] as const)("reads %p in %p as %p", (digits, country, e164) => {
    expect(nationalToE164(digits, country)).toBe(e164)
  })
})
