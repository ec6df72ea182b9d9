/**
 * API keys as a resource: create (the key is shown once), list, revoke. Only the SHA-256 of a
 * key is stored. Managing the keys of one's own account needs `admin`; of a customer's,
 * `connect.customers`.
 */
import { AppError } from "../lib/app-error.ts"
import { type Clock, toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { Logger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"
import type { ApiKeyRow, KeyMode } from "../store/key-repo.ts"
import { type Authenticator, generateKey, type Principal, ROOT_ACCOUNT, sha256 } from "./auth.ts"
import { DEFAULT_PAGE, decodeCursor, invalid, MAX_PAGE, page } from "./cursor.ts"
import { isOperator, isScope, requireLive, requireScope, SCOPES } from "./scopes.ts"
import { canSee, resolveAccount } from "./tenants.ts"

/**
 * Default per-key limits for partner and customer keys. 100 requests/s bounds one tenant's
 * burst well under what one gateway accepts (a request may carry 1,000 recipients); 100,000
 * requests/h (~28/s sustained) covers a busy OTP sender. The operator sets other values per key.
 * The operator's own keys are unlimited unless given limits.
 */
export const DEFAULT_RATE_PER_SECOND = 100
export const DEFAULT_RATE_PER_HOUR = 100_000
/** Characters of the key shown in lists ("sk_live_AbCd"): enough to tell keys apart. */
const PREFIX_LENGTH = 12

export interface KeyView {
  id: string
  account_id: string
  /** The first characters of the key, to recognise it. */
  prefix: string
  mode: KeyMode
  scopes: string[]
  label: string
  rate_limit: { per_second: number | null; per_hour: number | null }
  created_at: string
  last_used_at: string | null
  revoked_at: string | null
}

export interface CreatedKeyView extends KeyView {
  /** The key itself: in this answer only. */
  key: string
}

export interface CreateKeyInput {
  account_id?: string
  scopes: string[]
  mode: KeyMode
  label: string
  rate_limit?: { per_second?: number | null; per_hour?: number | null }
}

export function keyView(r: ApiKeyRow): KeyView {
  return {
    id: r.id,
    account_id: r.account_id,
    prefix: r.prefix,
    mode: r.mode,
    scopes: JSON.parse(r.scopes) as string[],
    label: r.label,
    rate_limit: { per_second: r.rate_per_second, per_hour: r.rate_per_hour },
    created_at: toIso(r.created_at)!,
    last_used_at: toIso(r.last_used_at),
    revoked_at: toIso(r.revoked_at),
  }
}

function validateScopes(scopes: string[]): string[] {
  if (scopes.length === 0)
    throw invalid(
      "/scopes",
      "expected at least one scope",
      `scopes must name at least one of ${SCOPES.join(", ")}`,
    )
  const unknown = scopes.filter((s) => !isScope(s))
  if (unknown.length > 0) {
    throw new AppError(
      "validation_failed",
      `unknown scope${unknown.length > 1 ? "s" : ""} ${unknown.map((s) => `"${s}"`).join(", ")}; known: ${SCOPES.join(", ")}`,
      {
        extra: {
          errors: scopes.flatMap((s, i) =>
            isScope(s) ? [] : [{ path: `/scopes/${i}`, message: "unknown scope" }],
          ),
          known_scopes: [...SCOPES],
        },
      },
    )
  }
  return [...new Set(scopes)]
}

/** Creates a key row inside the caller's transaction; returns the row and the plaintext key. */
export function insertKey(
  store: Store,
  input: {
    accountId: string
    scopes: string[]
    mode: KeyMode
    label: string
    perSecond: number | null
    perHour: number | null
  },
  now: number,
): { row: ApiKeyRow; key: string } {
  const key = generateKey(input.mode)
  const row = {
    id: newId("key", now),
    account_id: input.accountId,
    hash: sha256(key).toString("hex"),
    prefix: key.slice(0, PREFIX_LENGTH),
    mode: input.mode,
    scopes: JSON.stringify(input.scopes),
    label: input.label,
    rate_per_second: input.perSecond,
    rate_per_hour: input.perHour,
    created_at: now,
  }
  store.keys.insert(row)
  return { row: { ...row, last_used_at: null, revoked_at: null }, key }
}

/** The limits a new key of `accountId` gets, checked against what the caller may grant. */
function limitsFor(
  p: Principal,
  accountId: string,
  asked: CreateKeyInput["rate_limit"],
): { perSecond: number | null; perHour: number | null } {
  const unlimited = accountId === ROOT_ACCOUNT
  const perSecond =
    asked?.per_second === undefined
      ? unlimited
        ? null
        : DEFAULT_RATE_PER_SECOND
      : asked.per_second
  const perHour =
    asked?.per_hour === undefined ? (unlimited ? null : DEFAULT_RATE_PER_HOUR) : asked.per_hour
  if (!isOperator(p)) {
    // Only the operator grants more than the defaults (or no limit at all).
    if (perSecond === null || perSecond > DEFAULT_RATE_PER_SECOND) {
      throw invalid(
        "/rate_limit/per_second",
        `at most ${DEFAULT_RATE_PER_SECOND}`,
        `rate_limit.per_second must be at most ${DEFAULT_RATE_PER_SECOND}; only the operator sets higher limits`,
      )
    }
    if (perHour === null || perHour > DEFAULT_RATE_PER_HOUR) {
      throw invalid(
        "/rate_limit/per_hour",
        `at most ${DEFAULT_RATE_PER_HOUR}`,
        `rate_limit.per_hour must be at most ${DEFAULT_RATE_PER_HOUR}; only the operator sets higher limits`,
      )
    }
  }
  return { perSecond, perHour }
}

function keyNotFound(id: string): AppError {
  return new AppError("not_found", `no API key with id ${id}`)
}

export class KeyService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; auth: Authenticator },
  ) {}

  /** Own keys need `admin`; a customer's keys need `connect.customers`. */
  private authorize(p: Principal, own: boolean): void {
    requireScope(p, own ? "admin" : "connect.customers")
  }

  async create(p: Principal, input: CreateKeyInput): Promise<CreatedKeyView> {
    requireLive(p, "create API keys")
    const { store, clock, logger } = this.deps
    const { account, own } = resolveAccount(store, p, input.account_id)
    this.authorize(p, own)
    const scopes = validateScopes(input.scopes)
    const limits = limitsFor(p, account.id, input.rate_limit)
    const { row, key } = await store.batcher.run(() =>
      insertKey(
        store,
        { accountId: account.id, scopes, mode: input.mode, label: input.label, ...limits },
        clock.now(),
      ),
    )
    logger.info(
      { key: row.id, account: account.id, mode: row.mode, scopes, by: p.keyId },
      "API key created",
    )
    return { ...keyView(row), key }
  }

  list(p: Principal, q: { account_id?: string; limit?: number; cursor?: string }) {
    const { store } = this.deps
    const { account, own } = resolveAccount(store, p, q.account_id)
    this.authorize(p, own)
    const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE)
    const before = q.cursor ? decodeCursor("k", q.cursor) : null
    return page(
      store.keys.ofAccount(account.id, before, limit + 1),
      limit,
      "k",
      (r) => r.id,
      keyView,
    )
  }

  /** Revokes a key of the caller's account or of a customer; the key answers 401 from now on. */
  async revoke(p: Principal, id: string): Promise<KeyView> {
    requireLive(p, "revoke API keys")
    const { store, clock, logger, auth } = this.deps
    const existing = store.keys.get(id)
    if (!existing || !canSee(store, p, existing.account_id)) throw keyNotFound(id)
    this.authorize(p, existing.account_id === p.accountId)
    const row = await store.batcher.run(() => store.keys.revoke(id, clock.now()))
    if (!row) throw keyNotFound(id)
    auth.invalidate()
    logger.info({ key: id, account: row.account_id, by: p.keyId }, "API key revoked")
    return keyView(row)
  }
}
