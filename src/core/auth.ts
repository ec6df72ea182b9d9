import { timingSafeEqual } from "node:crypto"
import { AppError } from "../lib/app-error.ts"
import type { SettingsRepo } from "../store/settings-repo.ts"

/** The root account. Partner and customer accounts arrive with the tenancy stage. */
export const ROOT_ACCOUNT = "acc_root"

export interface Principal {
  accountId: string
  keyId: string
  scopes: readonly string[]
}

const ADMIN_KEY_HASH = "admin_key_sha256"

function sha256(value: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher("sha256").update(value).digest())
}

/** sk_live_ + 32 base62 characters (190 bits). */
export function generateKey(mode: "live" | "test" = "live"): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  let out = ""
  for (const b of bytes) out += alphabet[b % 62]
  return `sk_${mode}_${out}`
}

export interface AdminKeySetup {
  /** The plaintext key, only when it was generated now (to be shown once). */
  generated: string | null
}

/**
 * Keys are high-entropy random strings, so a single SHA-256 is the right hash (as GitHub and
 * Stripe tokens): the comparison is of fixed-length digests with timingSafeEqual.
 */
export class Authenticator {
  private adminHash: Buffer | null = null

  constructor(private readonly settings: SettingsRepo) {}

  /** Uses the configured key, else the stored hash of a generated one, else generates one. */
  setUp(configuredKey: string): AdminKeySetup {
    if (configuredKey) {
      this.adminHash = sha256(configuredKey)
      return { generated: null }
    }
    const stored = this.settings.get(ADMIN_KEY_HASH)
    if (stored) {
      this.adminHash = Buffer.from(stored, "hex")
      return { generated: null }
    }
    const key = generateKey("live")
    this.adminHash = sha256(key)
    this.settings.put(ADMIN_KEY_HASH, this.adminHash.toString("hex"))
    return { generated: key }
  }

  /** Resolves the caller from the Authorization or X-Api-Key header value; throws 401. */
  authenticate(authorization: string | null, apiKey: string | null): Principal {
    let key: string | null = null
    if (authorization) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
      if (!match) {
        throw new AppError("authentication_failed", "Authorization header must be `Bearer <key>`")
      }
      key = match[1]!
    } else if (apiKey) {
      key = apiKey.trim()
    }
    if (!key) {
      throw new AppError("authentication_failed", "no API key: send `Authorization: Bearer <key>` or `X-Api-Key: <key>`")
    }
    if (this.adminHash && timingSafeEqual(sha256(key), this.adminHash)) {
      return { accountId: ROOT_ACCOUNT, keyId: "key_admin", scopes: ["admin"] }
    }
    throw new AppError("authentication_failed", "the API key is not valid")
  }
}
