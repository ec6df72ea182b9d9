/**
 * Customer (and partner) accounts: provisioning (idempotent on `external_ref`), reading,
 * suspending, funding, balances and the ledger. docs/tenancy.md.
 */

import { isCountryCode, normalizePhone } from "../codec/phone.ts"
import { AppError } from "../lib/app-error.ts"
import { type Clock, toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { Logger } from "../lib/logger.ts"
import type { AccountRow, AccountStatus } from "../store/account-repo.ts"
import type { Store } from "../store/index.ts"
import type { LedgerEntryRow, LedgerUnit } from "../store/ledger-repo.ts"
import { type Authenticator, type Principal, ROOT_ACCOUNT } from "./auth.ts"
import { DEFAULT_PAGE, decodeCursor, decodeSeqCursor, invalid, MAX_PAGE, page } from "./cursor.ts"
import { rememberAnswer, replayOf, requestHash } from "./idempotency.ts"
import {
  type CreatedKeyView,
  DEFAULT_RATE_PER_HOUR,
  DEFAULT_RATE_PER_SECOND,
  insertKey,
  keyView,
} from "./keys.ts"
import { type BalanceView, balanceView, transfer } from "./ledger.ts"
import { isOperator, requireLive, requireScope } from "./scopes.ts"
import { canSee, resolveAccount, resolveCustomer } from "./tenants.ts"

/** The scopes of the key a new account gets: full control of its own account. */
export const FIRST_KEY_SCOPES = ["admin"]

export interface CustomerInput {
  full_name: string
  phone: string
  country_code: string
  email?: string
  external_ref?: string
  label?: string
  initial_sms_credits?: number
  initial_wallet_balance?: number
  currency?: string
  /** "partner" (operator only): an account that provisions customers of its own. */
  kind?: "customer" | "partner"
}

export interface CustomerPatch {
  status?: AccountStatus
  full_name?: string
  phone?: string
  email?: string | null
  label?: string | null
}

/** An account as the API shows it: the row without internals, times as ISO 8601, the balance. */
export type AccountView = Omit<AccountRow, "suspended_by" | "created_at" | "updated_at"> & {
  balance: BalanceView
  created_at: string
  updated_at: string
}

/** A ledger entry as the API shows it: `led_<seq>` and an ISO 8601 time. */
export type LedgerEntryView = Omit<LedgerEntryRow, "seq" | "kind" | "created_at"> & {
  id: string
  kind: string
  created_at: string
}

export function ledgerEntryView(e: LedgerEntryRow): LedgerEntryView {
  return {
    id: `led_${e.seq}`,
    account_id: e.account_id,
    kind: e.kind,
    unit: e.unit,
    amount: e.amount,
    reserved_change: e.reserved_change,
    balance_after: e.balance_after,
    reserved_after: e.reserved_after,
    message_id: e.message_id,
    batch_id: e.batch_id,
    counterparty_id: e.counterparty_id,
    reason: e.reason,
    created_at: toIso(e.created_at)!,
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const CURRENCY = /^[A-Z]{3}$/

function checkCountry(value: string, path: string): string {
  const upper = value.toUpperCase()
  if (!isCountryCode(upper)) {
    throw invalid(
      path,
      "not an ISO 3166-1 alpha-2 country code",
      `${path.slice(1)} "${value}" is not an ISO 3166-1 alpha-2 country code`,
    )
  }
  return upper
}

function checkPhone(value: string, country: string | undefined): string {
  const parsed = normalizePhone(value, country)
  if (!parsed.ok)
    throw new AppError(
      "invalid_phone_number",
      `phone "${value}" is not a valid phone number: ${parsed.reason}`,
      { extra: { errors: [{ path: "/phone", message: parsed.reason }] } },
    )
  return parsed.e164
}

function checkEmail(value: string): string {
  if (!EMAIL.test(value))
    throw invalid("/email", "not an email address", `email "${value}" is not an email address`)
  return value
}

/** The answer to POST /v1/customers/{id}/credits. */
interface CreditsBody {
  account_id: string
  balance: BalanceView
  entry: LedgerEntryView
}

export class AccountService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; auth: Authenticator },
  ) {}

  view(a: AccountRow): AccountView {
    return {
      id: a.id,
      kind: a.kind,
      parent_id: a.parent_id,
      full_name: a.full_name,
      phone: a.phone,
      country_code: a.country_code,
      email: a.email,
      external_ref: a.external_ref,
      label: a.label,
      status: a.status,
      currency: a.currency,
      balance: balanceView(this.deps.store.ledger.balance(a.id), a.currency),
      created_at: toIso(a.created_at)!,
      updated_at: toIso(a.updated_at)!,
    }
  }

  /**
   * Creates a customer under the caller's account with its first key (shown once), funded by
   * the caller (a partner pays from its own balance; the operator's funds are new money). The
   * same `external_ref` again returns the existing customer and no key (`created: false`).
   */
  async create(
    p: Principal,
    input: CustomerInput,
  ): Promise<{ created: boolean; customer: AccountView & { api_key: CreatedKeyView | null } }> {
    requireLive(p, "create customers")
    requireScope(p, "connect.customers")
    if (p.accountKind === "customer") {
      throw new AppError(
        "forbidden",
        "a customer account cannot have customers of its own; partners and the operator can",
      )
    }
    const kind = input.kind ?? "customer"
    if (kind === "partner" && !isOperator(p))
      throw new AppError("forbidden", "only the operator creates partner accounts")
    const country = checkCountry(input.country_code, "/country_code")
    const phone = checkPhone(input.phone, country)
    const email = input.email === undefined ? null : checkEmail(input.email)
    const currency = input.currency?.toUpperCase()
    if (currency !== undefined && !CURRENCY.test(currency))
      throw invalid(
        "/currency",
        "not an ISO 4217 code",
        `currency "${input.currency}" is not an ISO 4217 code such as USD`,
      )
    const credits = input.initial_sms_credits ?? 0
    const wallet = input.initial_wallet_balance ?? 0
    const { store, clock, logger } = this.deps
    const parent = store.accounts.get(p.accountId)!
    if (
      wallet > 0 &&
      currency !== undefined &&
      currency !== parent.currency &&
      parent.id !== ROOT_ACCOUNT
    ) {
      throw invalid(
        "/initial_wallet_balance",
        "currency differs from the partner's",
        `a wallet in ${currency} cannot be funded from a ${parent.currency} wallet`,
      )
    }
    const funder = p.accountId === ROOT_ACCOUNT ? null : p.accountId
    const result = await store.batcher.run(() => {
      const now = clock.now()
      if (input.external_ref !== undefined) {
        const existing = store.accounts.byExternalRef(p.accountId, input.external_ref)
        if (existing) return { created: false as const, account: existing, key: null }
      }
      const account: AccountRow = {
        id: newId("acc", now),
        parent_id: p.accountId,
        kind,
        full_name: input.full_name,
        phone,
        country_code: country,
        email,
        external_ref: input.external_ref ?? null,
        label: input.label ?? null,
        status: "active",
        currency: currency ?? parent.currency,
        created_at: now,
        updated_at: now,
      }
      store.accounts.insert(account)
      store.ledger.openBalance(account.id, now)
      if (credits > 0)
        transfer(store.ledger, {
          from: funder,
          to: account.id,
          unit: "credits",
          amount: credits,
          reason: "initial SMS credits",
          now,
        })
      if (wallet > 0)
        transfer(store.ledger, {
          from: funder,
          to: account.id,
          unit: "wallet",
          amount: wallet,
          reason: "initial wallet balance",
          now,
        })
      const key = insertKey(
        store,
        {
          accountId: account.id,
          scopes: FIRST_KEY_SCOPES,
          mode: "live",
          label: "first key",
          perSecond: DEFAULT_RATE_PER_SECOND,
          perHour: DEFAULT_RATE_PER_HOUR,
        },
        now,
      )
      return { created: true as const, account, key }
    })
    if (result.created)
      logger.info(
        { account: result.account.id, kind, parent: p.accountId, by: p.keyId },
        "account created",
      )
    const apiKey = result.key ? { ...keyView(result.key.row), key: result.key.key } : null
    return { created: result.created, customer: { ...this.view(result.account), api_key: apiKey } }
  }

  /** The caller's direct customers (and partners), newest first. */
  list(p: Principal, q: { limit?: number; cursor?: string }) {
    requireScope(p, "connect.customers")
    const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE)
    const before = q.cursor ? decodeCursor("a", q.cursor) : null
    const rows = this.deps.store.accounts.children(p.accountId, before, limit + 1)
    return page(
      rows,
      limit,
      "a",
      (r) => r.id,
      (r) => this.view(r),
    )
  }

  get(p: Principal, idOrRef: string): AccountView {
    requireScope(p, "connect.customers")
    return this.view(resolveCustomer(this.deps.store, p, idOrRef))
  }

  /** Suspends or resumes a customer (its keys, and its own customers', answer 401 while suspended), or edits its details. */
  async update(p: Principal, idOrRef: string, patch: CustomerPatch): Promise<AccountView> {
    requireLive(p, "change customers")
    requireScope(p, "connect.customers")
    const { store, clock, logger, auth } = this.deps
    const target = resolveCustomer(store, p, idOrRef)
    const phone =
      patch.phone === undefined
        ? undefined
        : checkPhone(patch.phone, target.country_code ?? undefined)
    const email =
      patch.email === undefined || patch.email === null ? patch.email : checkEmail(patch.email)
    const row = await store.batcher.run(() => {
      const a = store.accounts.get(target.id)!
      if (patch.status === "active" && a.status === "suspended" && a.suspended_by) {
        // Only the suspender or an account above it may lift a suspension.
        if (!canSee(store, p, a.suspended_by))
          throw new AppError(
            "forbidden",
            `${a.id} was suspended by an account above yours; only that account can resume it`,
          )
      }
      if (patch.status !== undefined && patch.status !== a.status)
        a.suspended_by = patch.status === "suspended" ? p.accountId : null
      if (patch.status !== undefined) a.status = patch.status
      if (patch.full_name !== undefined) a.full_name = patch.full_name
      if (phone !== undefined) a.phone = phone
      if (email !== undefined) a.email = email
      if (patch.label !== undefined) a.label = patch.label
      a.updated_at = clock.now()
      store.accounts.save(a)
      return a
    })
    if (patch.status !== undefined && patch.status !== target.status) {
      auth.invalidate()
      logger.info(
        { account: row.id, from: target.status, to: row.status, by: p.keyId },
        "account status changed",
      )
    }
    return this.view(row)
  }

  /**
   * Tops a customer up (amount > 0) or takes funds back (amount < 0, never below zero). A
   * partner moves its own funds; the operator's are new money. Replays the first answer for a
   * repeated Idempotency-Key.
   */
  async addCredits(
    p: Principal,
    idOrRef: string,
    input: { amount: number; reason: string; unit?: LedgerUnit },
    idempotencyKey?: string,
  ): Promise<{ status: number; body: CreditsBody; replayed: boolean }> {
    requireLive(p, "move credits")
    requireScope(p, "connect.customers")
    if (!Number.isSafeInteger(input.amount) || input.amount === 0) {
      throw invalid(
        "/amount",
        "a whole number other than 0",
        "amount must be a whole number other than 0 (negative takes credits back)",
      )
    }
    const { store, clock, logger } = this.deps
    const target = resolveCustomer(store, p, idOrRef)
    const unit = input.unit ?? "credits"
    const funder = p.accountId === ROOT_ACCOUNT ? null : p.accountId
    if (
      unit === "wallet" &&
      funder !== null &&
      store.accounts.get(funder)!.currency !== target.currency
    ) {
      throw invalid(
        "/unit",
        "currency differs",
        `${target.id}'s wallet is in ${target.currency}, yours is not`,
      )
    }
    const hash = requestHash(["credits", target.id, input.amount, input.reason, unit])
    const result = await store.batcher.run(() => {
      if (idempotencyKey !== undefined) {
        const replay = replayOf<CreditsBody>(store, p.accountId, idempotencyKey, hash)
        if (replay) return replay
      }
      const now = clock.now()
      const entry = transfer(store.ledger, {
        from: funder,
        to: target.id,
        unit,
        amount: input.amount,
        reason: input.reason,
        now,
      })
      const body = {
        account_id: target.id,
        balance: balanceView(store.ledger.balance(target.id), target.currency),
        entry: ledgerEntryView(entry),
      }
      if (idempotencyKey !== undefined) {
        const answer = { account: p.accountId, key: idempotencyKey, requestHash: hash }
        rememberAnswer(store, { ...answer, status: 200, body }, now)
      }
      return { status: 200, body, replayed: false }
    })
    if (!result.replayed)
      logger.info(
        { account: target.id, unit, amount: input.amount, by: p.keyId },
        "balance changed",
      )
    return result
  }

  /** The caller's balance, or a customer's (`account_id`). */
  balance(p: Principal, accountId?: string): BalanceView {
    requireScope(p, "wallet.read")
    const { account } = resolveAccount(this.deps.store, p, accountId)
    return balanceView(this.deps.store.ledger.balance(account.id), account.currency)
  }

  /** Ledger entries newest first; the caller's or a customer's (`account_id`). */
  ledger(p: Principal, q: { account_id?: string; limit?: number; cursor?: string }) {
    requireScope(p, "wallet.read")
    const { account } = resolveAccount(this.deps.store, p, q.account_id)
    const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE)
    const before = q.cursor ? decodeSeqCursor("l", q.cursor) : null
    // A customer's entries name the partner that funded it; the customer does not see that id.
    const visible = new Map<string, boolean>()
    const seen = (id: string) =>
      visible.get(id) ?? visible.set(id, canSee(this.deps.store, p, id)).get(id)!
    return page(
      this.deps.store.ledger.entries(account.id, before, limit + 1),
      limit,
      "l",
      (e) => e.seq,
      (e) =>
        ledgerEntryView(
          e.counterparty_id === null || seen(e.counterparty_id)
            ? e
            : { ...e, counterparty_id: null },
        ),
    )
  }
}
