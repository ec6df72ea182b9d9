/**
 * A received address (an MO's sender or destination, a SIM's own number) → what is stored:
 * E.164 where it can be read as one, else the address as received. SMPP 3.4 §5.2.5 and
 * TS 23.040 §9.1.2.5 share the type-of-number values, so the SMPP and the modem paths read
 * addresses by this one rule.
 */
import { nationalToE164, normalizePhone } from "./phone.ts"

/** Type of number (SMPP 3.4 §5.2.5, TS 23.040 §9.1.2.5). */
export const TON_UNKNOWN = 0
export const TON_INTERNATIONAL = 1
const TON_NATIONAL = 2
export const TON_ALPHANUMERIC = 5

/** Digits in a number at or below which it is a short code, not an MSISDN. */
export const SHORT_CODE_MAX_DIGITS = 7

/**
 * - TON 5 (alphanumeric) or any non-digit address under TON 0/2/3/4/6: kept as received;
 * - TON 1 (international): must be digits (optionally '+'), becomes '+digits' (normalised by
 *   phone.ts when it validates); anything else is malformed (null), as in Kannel;
 * - TON 0 (unknown) with more digits than a short code, or a '+': E.164 if phone.ts accepts
 *   '+digits';
 * - TON 2 (national), and TON 0 digits that did not read as international: with a `country`
 *   (ISO 3166-1 alpha-2), E.164 if the digits are a valid number of that country (a trunk
 *   prefix or "00" may be there; phone.ts nationalToE164);
 * - anything else is kept as received, without a '+': network-specific, subscriber and
 *   abbreviated numbers, and national ones without a country or not valid in it. Reading a
 *   national number as international would invent a country.
 * "" for an empty address.
 */
export function receivedNumber(address: string, ton: number, country?: string): string | null {
  if (address === "" || ton === TON_ALPHANUMERIC) return address
  const plus = address.startsWith("+")
  const digits = plus ? address.slice(1) : address
  const numeric = /^[0-9]+$/.test(digits)
  if (ton === TON_INTERNATIONAL) {
    if (!numeric) return null
    const phone = normalizePhone(`+${digits}`)
    return phone.ok ? phone.e164 : `+${digits}`
  }
  if (numeric && (plus || (ton === TON_UNKNOWN && digits.length > SHORT_CODE_MAX_DIGITS))) {
    const phone = normalizePhone(`+${digits}`)
    if (phone.ok) return phone.e164
  }
  if (numeric && !plus && (ton === TON_NATIONAL || ton === TON_UNKNOWN)) {
    const national = nationalToE164(digits, country)
    if (national !== null) return national
  }
  return address
}
