/**
 * Numbers as the modem reports them → what InboundMessage carries, by the rule SMPP senders
 * follow too (codec/received-number.ts). With the connector's `country` (ISO 3166-1 alpha-2), a
 * national-format number becomes E.164, so a sender matches opt-outs and conversations kept in
 * E.164, and the SIM's own number matches one assigned with POST /v1/numbers. Without a
 * country, or when the digits are not a valid number of that country, the number is kept as
 * reported: an MO message is never dropped for its address.
 */
import { receivedNumber, TON_UNKNOWN } from "../codec/received-number.ts"
import type { PduAddress } from "../codec/tpdu-fields.ts"

/**
 * TP-OA (TS 23.040 §9.1.2.5) → `from`, by the rule SMPP senders follow (received-number.ts):
 * TON national, and TON unknown digits that do not read as international, are read as numbers
 * of `country`. An address that rule refuses (a non-digit international one) is kept as decoded.
 */
export function senderOf(address: PduAddress, country?: string): string {
  return receivedNumber(address.value, address.ton, country) ?? address.value
}

/**
 * parseCnum's number → the SIM's own number, by the same rule as a sender: one with '+' (TS
 * 27.007 §7.1 <type> 145) is international; one without (<type> 129 or 161) is read as unknown
 * digits, international when valid so, else a number of `country`.
 */
export function ownNumberOf(number: string | null, country?: string): string | null {
  // receivedNumber reads a leading '+' as international whatever the type says.
  return number === null ? null : receivedNumber(number, TON_UNKNOWN, country)
}
