/**
 * Carrier message ids. SMPP 3.4 §5.2.23 (message_id) and Appendix B (receipt "id:") leave the
 * format to the SMSC, and many SMSCs return the id in hex in submit_sm_resp but in decimal in
 * the receipt (or the reverse), sometimes zero-padded to 10 digits. Lookups therefore try every
 * reading of an id.
 */

const DECIMAL = /^[0-9]+$/u
const HEX = /^[0-9a-f]+$/u

/**
 * Trimmed and lower-cased; leading zeros are stripped from hex/decimal ids ("0" stays "0").
 * Other ids ("0x1a", UUIDs with dashes) are only trimmed and lower-cased.
 */
export function normalizeCarrierId(id: string): string {
  const lower = id.trim().toLowerCase()
  if (!HEX.test(lower)) return lower
  const stripped = lower.replace(/^0+/u, "")
  return stripped === "" ? "0" : stripped
}

/**
 * The normalized id, then its hexadecimal reading if it is all decimal digits, then its decimal
 * reading if it is all hex digits; deduplicated. Empty input gives no candidates.
 */
export function carrierIdCandidates(id: string): string[] {
  const normalized = normalizeCarrierId(id)
  if (normalized === "") return []
  const candidates = [normalized]
  if (DECIMAL.test(normalized)) candidates.push(BigInt(normalized).toString(16))
  if (HEX.test(normalized)) candidates.push(BigInt(`0x${normalized}`).toString(10))
  return [...new Set(candidates)]
}
