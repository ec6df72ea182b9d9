/**
 * Numbers as the modem reports them → what InboundMessage carries. With the connector's
 * `country` (ISO 3166-1 alpha-2), a national-format number becomes E.164 (codec/phone.ts
 * nationalToE164), so a sender matches opt-outs and conversations kept in E.164, and the SIM's
 * own number matches one assigned with POST /v1/numbers. Without a country, or when the digits
 * are not a valid number of that country, the number is kept as reported: an MO message is
 * never dropped for its address.
 */
import { nationalToE164 } from "../codec/phone.ts"
import { type PduAddress, TON_NATIONAL, TON_UNKNOWN } from "../codec/tpdu-fields.ts"

/**
 * TP-OA (TS 23.040 §9.1.2.5) → `from`. TON national, and TON unknown (digits in the network's
 * dialling plan: a trunk prefix or "00" may be there), are read as numbers of `country`.
 * International numbers already carry '+'; alphanumeric and other types are kept as decoded.
 */
export function senderOf(address: PduAddress, country?: string): string {
  if (address.ton !== TON_NATIONAL && address.ton !== TON_UNKNOWN) return address.value
  return nationalToE164(address.value, country) ?? address.value
}

/**
 * parseCnum's number → the SIM's own number. One without '+' (TS 27.007 §7.1 <type> 129 unknown
 * or 161 national, not 145 international) is read as a number of `country`.
 */
export function ownNumberOf(number: string | null, country?: string): string | null {
  if (number === null || number.startsWith("+")) return number
  return nationalToE164(number, country) ?? number
}
