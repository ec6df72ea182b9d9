/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, spec "Verifying webhook
 * authenticity"): the secret is `whsec_` + base64 of random bytes; the signed content is
 * `{webhook-id}.{webhook-timestamp}.{body}`; the signature is HMAC-SHA256 keyed with the
 * base64-DECODED secret, sent as `v1,<base64>` in `webhook-signature`. The timestamp is the
 * time of the attempt in seconds, so every retry carries a fresh signature with the same id.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"

export const SECRET_PREFIX = "whsec_"
/** The spec asks for at least 24 bytes (192 bits); 32 matches the HMAC-SHA256 block of output. */
const SECRET_BYTES = 32

export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString("base64")
}

/** The HMAC key: the bytes behind `whsec_`. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret
  const key = Buffer.from(encoded, "base64")
  if (key.length === 0) throw new Error("webhook secret is empty")
  return key
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function sign(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", secretKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64")
  return `v1,${mac}`
}

/** The three Standard Webhooks headers for one attempt made at `nowMs`. */
export function signatureHeaders(
  secret: string,
  id: string,
  nowMs: number,
  body: string,
): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000)
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": sign(secret, id, timestamp, body),
  }
}

/**
 * The receiver's check, for tests and for docs/webhooks.md: one of the space-separated `v1,`
 * signatures matches (constant-time) and the timestamp is within `toleranceSeconds`.
 */
export function verifySignature(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp)
  if (!Number.isInteger(timestamp) || Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds)
    return false
  const expected = Buffer.from(sign(secret, headers.id, timestamp, body).slice(3), "base64")
  for (const entry of headers.signature.split(" ")) {
    const [version, value] = entry.split(",", 2)
    if (version !== "v1" || !value) continue
    const given = Buffer.from(value, "base64")
    if (given.length === expected.length && timingSafeEqual(given, expected)) return true
  }
  return false
}
