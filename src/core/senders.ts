/**
 * Sender IDs: registered per account (by itself or by the partner above it), reviewed by the
 * operator. Sending with a sender that is not approved for the account is refused; without a
 * sender, the account's approved default is used. The operator (root) may send with any sender.
 */
import { isCountryCode } from "../codec/phone.ts"
import { AppError } from "../lib/app-error.ts"
import { type Clock, toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { Logger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"
import type { SenderIdRow, SenderStatus } from "../store/sender-repo.ts"
import { normalizeSender } from "./accept.ts"
import { type Principal, ROOT_ACCOUNT } from "./auth.ts"
import { DEFAULT_PAGE, decodeCursor, invalid, MAX_PAGE, page } from "./cursor.ts"
import { requireLive, requireOperator, requireScope } from "./scopes.ts"
import { canSee, resolveCustomer } from "./tenants.ts"

export interface SenderIdView {
  id: string
  account_id: string
  value: string
  country_code: string
  purpose: string
  status: SenderStatus
  is_default: boolean
  reason: string | null
  created_at: string
  updated_at: string
  reviewed_at: string | null
}

export interface RegisterSenderInput {
  value: string
  country_code: string
  purpose: string
  customer_id?: string
  set_default?: boolean
}

export function senderView(s: SenderIdRow): SenderIdView {
  return {
    id: s.id,
    account_id: s.account_id,
    value: s.value,
    country_code: s.country_code,
    purpose: s.purpose,
    status: s.status,
    is_default: s.is_default === 1,
    reason: s.reason,
    created_at: toIso(s.created_at)!,
    updated_at: toIso(s.updated_at)!,
    reviewed_at: toIso(s.reviewed_at),
  }
}

function senderNotFound(id: string): AppError {
  return new AppError("not_found", `no sender ID with id ${id}`)
}

/** The same rule as `from` on a message (≤ 11 letters/digits, or a number of ≤ 15 digits). */
function checkValue(value: string): string {
  try {
    const sender = normalizeSender(value)
    if (sender !== null) return sender
  } catch {
    // reported below with this field's path
  }
  throw invalid(
    "/value",
    "invalid sender",
    `value "${value}" is not a valid sender: use up to 11 letters/digits (with at least one letter), or a number of up to 15 digits`,
  )
}

/** Bounds the lookup caches below; they are cleared whole when full. */
const CACHE_MAX = 10_000

export class SenderService {
  // Sending asks these on every request: cached, and dropped whenever a sender ID changes.
  private readonly defaults = new Map<string, string | null>()
  private readonly approvals = new Map<string, boolean>()

  constructor(private readonly deps: { store: Store; clock: Clock; logger: Logger }) {}

  private changed(): void {
    this.defaults.clear()
    this.approvals.clear()
  }

  /**
   * The sender a message of `accountId` goes out with: `from` when it is approved for the
   * account (the operator may use any), else, without `from`, the account's approved default.
   * Throws 422 `sender_not_approved`.
   */
  resolveSender(accountId: string, from: string | null): string | null {
    const { senders } = this.deps.store
    if (from === null) {
      let value = this.defaults.get(accountId)
      if (value === undefined) {
        value = senders.defaultOf(accountId)
        if (this.defaults.size >= CACHE_MAX) this.defaults.clear()
        this.defaults.set(accountId, value)
      }
      return value
    }
    if (accountId === ROOT_ACCOUNT) return from
    const cacheKey = `${accountId}\u0000${from}`
    let approved = this.approvals.get(cacheKey)
    if (approved === undefined) {
      approved = senders.isApproved(accountId, from)
      if (this.approvals.size >= CACHE_MAX) this.approvals.clear()
      this.approvals.set(cacheKey, approved)
    }
    // Number assignments change elsewhere (core/numbers.ts): asked each time, not cached.
    if (approved || this.ownsNumber(accountId, from)) return from
    throw new AppError(
      "sender_not_approved",
      `sender "${from}" is not approved for account ${accountId}; register it with POST /v1/sender-ids and wait for the operator's approval`,
      { extra: { from } },
    )
  }

  /** A number assigned to the account (two-way numbers, 0007) is its own to send from. */
  private ownsNumber(accountId: string, from: string): boolean {
    if (!/^\+?[0-9]{3,15}$/.test(from)) return false
    // Stored as E.164 with '+', or as a short code's digits: "+…" is looked up once.
    const spellings = from.startsWith("+") ? [from] : [`+${from}`, from]
    return spellings.some((number) =>
      this.deps.store.numbers.byNumber(number).some((n) => n.account_id === accountId),
    )
  }

  /** Registers a sender ID (pending review). The same value and country again returns it (re-opening a rejected one). */
  async register(
    p: Principal,
    input: RegisterSenderInput,
  ): Promise<{ created: boolean; sender: SenderIdView }> {
    requireLive(p, "register sender IDs")
    requireScope(p, "sender_ids.write")
    const { store, clock, logger } = this.deps
    const account =
      input.customer_id === undefined
        ? p.accountId
        : resolveCustomer(store, p, input.customer_id).id
    const value = checkValue(input.value)
    const country = input.country_code.toUpperCase()
    if (!isCountryCode(country))
      throw invalid("/country_code", "not an ISO 3166-1 alpha-2 country code")
    const result = await store.batcher.run(() => {
      const now = clock.now()
      const existing = store.senders.byValue(account, value, country)
      let row: SenderIdRow
      let created = false
      if (existing) {
        row = existing
        if (row.status === "rejected") {
          row.status = "pending"
          row.reason = null
          row.reviewed_at = null
          row.purpose = input.purpose
        }
        if (input.set_default) row.is_default = 1
        row.updated_at = now
        store.senders.save(row)
      } else {
        const id = newId("snd", now)
        store.senders.insert({
          id,
          account_id: account,
          value,
          country_code: country,
          purpose: input.purpose,
          is_default: input.set_default ? 1 : 0,
          created_at: now,
        })
        row = store.senders.get(id)!
        created = true
      }
      // A pending default takes over at approval: until then the current one keeps working.
      if (input.set_default && row.status === "approved") store.senders.makeDefault(account, row.id)
      return { created, row }
    })
    this.changed()
    if (result.created)
      logger.info({ sender_id: result.row.id, account, value, by: p.keyId }, "sender ID registered")
    return { created: result.created, sender: senderView(result.row) }
  }

  /** The caller's sender IDs and those of the accounts below it; `customer_id` narrows to one. */
  list(
    p: Principal,
    q: { customer_id?: string; status?: SenderStatus; limit?: number; cursor?: string },
  ) {
    requireScope(p, "sender_ids.read")
    const { store } = this.deps
    const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE)
    const before = q.cursor ? decodeCursor("s", q.cursor) : null
    const scope =
      q.customer_id === undefined
        ? { subtreeOf: p.accountId }
        : { accountId: resolveCustomer(store, p, q.customer_id).id }
    const rows = store.senders.list({ ...scope, status: q.status, before, limit: limit + 1 })
    return page(rows, limit, "s", (r) => r.id, senderView)
  }

  get(p: Principal, id: string): SenderIdView {
    requireScope(p, "sender_ids.read")
    const row = this.deps.store.senders.get(id)
    if (!row || !canSee(this.deps.store, p, row.account_id)) throw senderNotFound(id)
    return senderView(row)
  }

  /** The operator's decision. Rejecting an approved sender withdraws it. */
  async review(
    p: Principal,
    id: string,
    decision: "approved" | "rejected",
    reason?: string,
  ): Promise<SenderIdView> {
    requireOperator(p)
    requireLive(p, "review sender IDs")
    const { store, clock, logger } = this.deps
    const row = await store.batcher.run(() => {
      const s = store.senders.get(id)
      if (!s) return null
      const now = clock.now()
      s.status = decision
      s.reason = decision === "rejected" ? (reason ?? null) : null
      s.reviewed_at = now
      s.updated_at = now
      store.senders.save(s)
      if (decision === "approved" && s.is_default === 1)
        store.senders.makeDefault(s.account_id, s.id)
      return s
    })
    this.changed()
    if (!row) throw senderNotFound(id)
    logger.info(
      { sender_id: id, account: row.account_id, value: row.value, decision },
      "sender ID reviewed",
    )
    return senderView(row)
  }
}
