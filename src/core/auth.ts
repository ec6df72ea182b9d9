import { timingSafeEqual } from "node:crypto"
import { AppError } from "../lib/app-error.ts"
import type { AccountKind, AccountRepo } from "../store/account-repo.ts"
import type { KeyMode, KeyRepo } from "../store/key-repo.ts"
import type { SettingsRepo } from "../store/settings-repo.ts"

/** The root account: the operator. Partner and customer accounts live below it. */
export const ROOT_ACCOUNT = "acc_root"
/** The id the configured admin key answers to (it has no api_keys row). */
export const ADMIN_KEY_ID = "key_admin"

/** Requests allowed per key; null: no limit on that window. */
export interface RateLimits {
  perSecond: number | null
  perHour: number | null
}

export interface Principal {
  accountId: string
  keyId: string
  scopes: readonly string[]
  /** `test`: a sandbox key (sk_test_…): validates and simulates, never sends or charges. */
  mode: KeyMode
  accountKind: AccountKind
  /** null: unlimited (the operator's keys by default). */
  rateLimit: RateLimits | null
}

const ADMIN_KEY_HASH = "admin_key_sha256"
/** last_used_at is written at most this often per key: never a write per request. */
const TOUCH_EVERY_MS = 60_000
/** Bounds the cache of resolved keys; it is cleared whole when full (keys are few). */
const CACHE_MAX = 10_000

export function sha256(value: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher("sha256").update(value).digest())
}

/** sk_live_ + 32 base62 characters (190 bits). */
export function generateKey(mode: KeyMode = "live"): string {
  const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
  // 248 = 4 × 62: bytes at or above it are skipped, so every character is equally likely.
  let out = ""
  while (out.length < 32) {
    for (const b of crypto.getRandomValues(new Uint8Array(40))) {
      if (b < 248 && out.length < 32) out += alphabet[b % 62]
    }
  }
  return `sk_${mode}_${out}`
}

export interface AdminKeySetup {
  /** The plaintext key, only when it was generated now (to be shown once). */
  generated: string | null
}

export interface KeyLookup {
  keys: KeyRepo
  accounts: AccountRepo
  /** Told (at most once a minute per key) that a key was used, to record last_used_at. */
  onUsed?(keyId: string, at: number): void
}

const ADMIN_PRINCIPAL: Principal = {
  accountId: ROOT_ACCOUNT,
  keyId: ADMIN_KEY_ID,
  scopes: ["admin"],
  mode: "live",
  accountKind: "root",
  rateLimit: null,
}

/**
 * Keys are high-entropy random strings, so a single SHA-256 is the right hash (as GitHub and
 * Stripe tokens): keys are looked up by their digest and the digests compared with
 * timingSafeEqual. The configured admin key is the root account's and has no api_keys row.
 * Resolved keys are cached in memory; revoking a key or suspending an account clears the cache
 * (`invalidate`), so either takes effect on the next request.
 */
export class Authenticator {
  private adminHash: Buffer | null = null
  private readonly cache = new Map<string, Principal>()
  private readonly touched = new Map<string, number>()

  constructor(
    private readonly settings: SettingsRepo,
    private readonly lookup?: KeyLookup,
  ) {}

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

  /** Forget resolved keys: a key was revoked or an account's status changed. */
  invalidate(): void {
    this.cache.clear()
  }

  /** Resolves the caller from the Authorization or X-Api-Key header value; throws 401. */
  authenticate(authorization: string | null, apiKey: string | null, now = Date.now()): Principal {
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
      throw new AppError(
        "authentication_failed",
        "no API key: send `Authorization: Bearer <key>` or `X-Api-Key: <key>`",
      )
    }
    const digest = sha256(key)
    if (this.adminHash && timingSafeEqual(digest, this.adminHash)) return ADMIN_PRINCIPAL
    if (!this.lookup) throw new AppError("authentication_failed", "the API key is not valid")
    const hex = digest.toString("hex")
    const principal = this.cache.get(hex) ?? this.resolve(hex, digest)
    const last = this.touched.get(principal.keyId) ?? 0
    if (now - last >= TOUCH_EVERY_MS) {
      this.touched.set(principal.keyId, now)
      this.lookup.onUsed?.(principal.keyId, now)
    }
    return principal
  }

  private resolve(hex: string, digest: Buffer): Principal {
    const { keys, accounts } = this.lookup!
    const row = keys.byHash(hex)
    if (!row || !timingSafeEqual(Buffer.from(row.hash, "hex"), digest)) {
      throw new AppError("authentication_failed", "the API key is not valid")
    }
    if (row.revoked_at !== null)
      throw new AppError("authentication_failed", "the API key was revoked")
    const lineage = accounts.lineage(row.account_id)
    const own = lineage[0]
    if (!own) throw new AppError("authentication_failed", "the API key is not valid")
    // A suspended partner takes its customers with it.
    const suspended = lineage.find((a) => a.status !== "active")
    if (suspended)
      throw new AppError("authentication_failed", `account ${suspended.id} is suspended`)
    const principal: Principal = {
      accountId: row.account_id,
      keyId: row.id,
      scopes: JSON.parse(row.scopes) as string[],
      mode: row.mode,
      accountKind: own.kind,
      rateLimit:
        row.rate_per_second === null && row.rate_per_hour === null
          ? null
          : { perSecond: row.rate_per_second, perHour: row.rate_per_hour },
    }
    if (this.cache.size >= CACHE_MAX) this.cache.clear()
    this.cache.set(hex, principal)
    return principal
  }
}
