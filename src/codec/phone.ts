/**
 * Phone number normalisation to E.164 (ITU-T E.164: "+", country code, subscriber number,
 * at most 15 digits). Validation uses the full libphonenumber metadata: the /min build only
 * checks lengths and accepts unallocated ranges.
 */
import type { CountryCode } from "libphonenumber-js/max"
import {
  getCountryCallingCode,
  isSupportedCountry,
  PhoneNumber,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
} from "libphonenumber-js/max"

export type NormalizedPhone =
  | { ok: true; e164: string; country: string | undefined }
  | { ok: false; reason: string }

const FORMATTING = /[\s().\-/]/gu
const CANONICAL_E164 = /^\+[1-9][0-9]{5,14}$/
const ALLOWED = /^\+?[\p{Nd}\s().\-/]+$/u

/**
 * `input` may carry spaces, dashes, dots, slashes and parentheses. It must be international
 * ("+" or the "00" international prefix) unless `defaultCountry` (ISO 3166-1 alpha-2) says how
 * to read a national number. `country` is undefined for non-geographic codes such as +800.
 */
export function normalizePhone(input: string, defaultCountry?: string): NormalizedPhone {
  // Fast path for input already in E.164 (what APIs mostly receive): the PhoneNumber constructor
  // skips parse()'s generic extraction (extensions, punctuation, national prefixes) and costs
  // ~1/4 of it. Anything it does not validate takes the full path below.
  if (CANONICAL_E164.test(input)) {
    try {
      const phone = new PhoneNumber(input as `+${string}`)
      // A calling code shared by several countries (+1, +7, +44…) needs parse() to tell which.
      const countries = phone.getPossibleCountries()
      if (countries.length <= 1 && phone.isValid()) {
        return { ok: true, e164: phone.number, country: countries[0] }
      }
    } catch {
      // fall through to the full parser, which explains the failure
    }
  }
  const trimmed = input.trim()
  if (trimmed === "") return fail("phone number is empty")
  if (/\p{L}/u.test(trimmed)) return fail("phone number must not contain letters")
  if (!ALLOWED.test(trimmed)) {
    return fail("phone number may contain only digits, spaces, a leading + and - . ( ) /")
  }

  const compact = trimmed.replace(FORMATTING, "")
  let text = trimmed
  let international = compact.startsWith("+")
  if (!international && compact.startsWith("00")) {
    // "00" is the ITU-T E.164 recommended international call prefix (used by most countries).
    text = `+${compact.slice(2)}`
    international = true
  }

  let country: CountryCode | undefined
  if (!international) {
    if (defaultCountry === undefined || defaultCountry === "") {
      return fail("number must be in international format (+country code)")
    }
    const upper = defaultCountry.toUpperCase()
    if (!isSupportedCountry(upper)) return fail(`unknown default country "${defaultCountry}"`)
    country = upper
  }

  // Parse once; only a number that fails validation pays for the length check that explains why
  // (validatePhoneNumberLength parses again). The happy path is the hot path of bulk sends.
  const parsed = country
    ? parsePhoneNumberFromString(text, country)
    : parsePhoneNumberFromString(text)
  if (parsed?.isValid()) return { ok: true, e164: parsed.number, country: parsed.country }

  const length = country
    ? validatePhoneNumberLength(text, country)
    : validatePhoneNumberLength(text)
  if (length === "TOO_SHORT") return fail("phone number is too short")
  if (length === "TOO_LONG") return fail("phone number is too long")
  if (length === "INVALID_COUNTRY") return fail("unknown country calling code")
  return fail(
    country
      ? `not a valid phone number for ${country}`
      : "not a valid phone number for any country",
  )
}

/** A list of numbers normalised at once: what a send request needs, in a form cheap to post. */
export interface NormalizedPhones {
  /** E.164 per input, "" where the input is invalid. */
  e164: string[]
  /** Country per input (undefined: non-geographic or invalid). */
  countries: (string | undefined)[]
  /** The invalid inputs, in input order. */
  invalid: { index: number; to: string; reason: string }[]
}

export interface PhoneBatchRequest {
  id: number
  numbers: string[]
}

export type PhoneBatchAnswer = NormalizedPhones & { id: number }

export function normalizePhones(numbers: readonly string[]): NormalizedPhones {
  const e164: string[] = new Array(numbers.length)
  const countries: (string | undefined)[] = new Array(numbers.length)
  const invalid: NormalizedPhones["invalid"] = []
  for (let i = 0; i < numbers.length; i++) {
    const raw = numbers[i]!
    const parsed = normalizePhone(raw)
    if (parsed.ok) {
      e164[i] = parsed.e164
      countries[i] = parsed.country
    } else {
      e164[i] = ""
      invalid.push({ index: i, to: raw, reason: parsed.reason })
    }
  }
  return { e164, countries, invalid }
}

function fail(reason: string): NormalizedPhone {
  return { ok: false, reason }
}

/**
 * An address received in national format (a carrier's TON national or unknown, a SIM's
 * `+CNUM` without "+") read as a number of `country` (ISO 3166-1 alpha-2): its E.164 form, or
 * null when no country is given, the address is not digits, or the digits are not a valid
 * number of that country. The caller then keeps the address as received: an inbound message is
 * never dropped for its address. libphonenumber applies the country's trunk prefix ("0" in
 * GH, GB, DE) and the "00" international prefix.
 */
export function nationalToE164(digits: string, country: string | null | undefined): string | null {
  if (country === undefined || country === null || country === "" || !/^[0-9]+$/u.test(digits)) {
    return null
  }
  const phone = normalizePhone(digits, country)
  return phone.ok ? phone.e164 : null
}

/** The ISO 3166-1 alpha-2 country of an E.164 number, undefined when unknown or non-geographic. */
export function countryOfNumber(e164: string): string | undefined {
  const normalized = normalizePhone(e164)
  return normalized.ok ? normalized.country : undefined
}

/** An ISO 3166-1 alpha-2 code that libphonenumber knows ("GH", any letter case). */
export function isCountryCode(code: string): boolean {
  return /^[A-Za-z]{2}$/.test(code) && isSupportedCountry(code.toUpperCase())
}

/** The calling code of an ISO 3166-1 alpha-2 country ("GH" → "233"), undefined if unknown. */
export function countryCallingCode(country: string): string | undefined {
  const upper = country.toUpperCase()
  return isSupportedCountry(upper) ? getCountryCallingCode(upper) : undefined
}
