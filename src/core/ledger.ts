/**
 * Money movements. Every change of a balance is one UPDATE of `balances` plus one
 * `ledger_entries` row, in the caller's transaction, so the balances always equal the ledger's
 * sums (docs/tenancy.md#money). Synchronous: these functions run inside `store.batcher.run`.
 *
 * Sending spends SMS credits: accepting reserves them (available → reserved), `sent` captures
 * them (reserved → gone), a message that ends before it was sent (failed, expired, canceled)
 * releases them (reserved → available). An account without a balance row is unmetered.
 */
import { AppError } from "../lib/app-error.ts"
import type { BalanceRow, LedgerEntryRow, LedgerRepo, LedgerUnit } from "../store/ledger-repo.ts"
import { ROOT_ACCOUNT } from "./auth.ts"

function insufficient(
  accountId: string,
  available: number,
  required: number,
  unit: LedgerUnit,
): AppError {
  const what = unit === "credits" ? "SMS credits" : "wallet balance (minor units)"
  return new AppError(
    "insufficient_credits",
    `account ${accountId} has ${available} ${what} available; this needs ${required}`,
    { extra: { account_id: accountId, unit, available, required } },
  )
}

/**
 * Reserves a batch's credits: one balance update and one ledger row for the whole batch, plus
 * one charge row per priced message (what its capture or release will move). Returns false when
 * the account is unmetered. Throws 402 `insufficient_credits` (the caller's transaction then
 * stores nothing of the batch).
 */
export function reserveBatch(
  repo: LedgerRepo,
  accountId: string,
  batchId: string,
  messageIds: readonly string[],
  amounts: readonly number[],
  total: number,
  now: number,
): boolean {
  const after = total > 0 ? repo.apply(accountId, -total, 0, total, now) : null
  if (!after) {
    const balance = repo.balance(accountId)
    if (!balance) return false
    if (total > 0) throw insufficient(accountId, balance.sms_credits, total, "credits")
    return true
  }
  repo.insertEntry({
    account_id: accountId,
    kind: "reserve",
    unit: "credits",
    amount: -total,
    reserved_change: total,
    balance_after: after.sms_credits,
    reserved_after: after.reserved,
    message_id: messageIds.length === 1 ? messageIds[0]! : null,
    batch_id: batchId,
    counterparty_id: null,
    reason: `reserved for ${messageIds.length} message${messageIds.length === 1 ? "" : "s"} of batch ${batchId}`,
    created_at: now,
  })
  for (let i = 0; i < messageIds.length; i++) {
    const amount = amounts[i]!
    if (amount > 0) repo.insertCharge(messageIds[i]!, accountId, amount)
  }
  return true
}

/**
 * Whether an account's messages are charged. Every account but the operator's (root) gets a
 * balance row when it is created; the operator's sends cost no ledger statement at all.
 */
export function isMetered(accountId: string): boolean {
  return accountId !== ROOT_ACCOUNT
}

const SENT = new Set(["sent", "delivered"])
const ENDED_UNSENT = new Set(["failed", "expired", "canceled"])

/**
 * Settles a message's reserved charge from its current status: `sent` (or later) captures it;
 * `failed`, `expired` or `canceled` releases it, except the parts a carrier already accepted
 * (a multi-part message that failed half-way), which are captured. Other statuses, messages
 * without a charge (unmetered, sandbox) and charges already settled: nothing. A failure after
 * `sent` (a receipt saying UNDELIV) keeps the credits captured: the carrier charged for it.
 */
export function settleCharge(
  repo: LedgerRepo,
  messageId: string,
  now: number,
  accountId?: string,
): void {
  if (accountId !== undefined && !isMetered(accountId)) return
  const open = repo.openCharge(messageId)
  if (!open) return
  let captured: number
  if (SENT.has(open.status)) captured = open.amount
  else if (ENDED_UNSENT.has(open.status)) {
    const sentParts = open.segments > 1 ? Math.min(repo.sentParts(messageId), open.segments) : 0
    captured = Math.round((open.amount * sentParts) / open.segments)
  } else return
  const released = open.amount - captured
  const base = {
    account_id: open.account_id,
    unit: "credits" as const,
    message_id: messageId,
    batch_id: null,
    counterparty_id: null,
    created_at: now,
  }
  if (captured > 0) {
    const after = mustApply(repo, open.account_id, 0, -captured, now)
    repo.insertEntry({
      ...base,
      kind: "capture",
      amount: 0,
      reserved_change: -captured,
      balance_after: after.sms_credits,
      reserved_after: after.reserved,
      reason:
        released > 0
          ? `charged for the parts sent of ${messageId} (${open.status})`
          : `charged: ${messageId} sent`,
    })
  }
  if (released > 0) {
    const after = mustApply(repo, open.account_id, released, -released, now)
    repo.insertEntry({
      ...base,
      kind: "release",
      amount: released,
      reserved_change: -released,
      balance_after: after.sms_credits,
      reserved_after: after.reserved,
      reason: `released: ${messageId} ${open.status} before it was sent`,
    })
  }
  repo.closeCharge(messageId, captured > 0 ? "captured" : "released")
}

function mustApply(
  repo: LedgerRepo,
  accountId: string,
  credits: number,
  reserved: number,
  now: number,
) {
  const after = repo.apply(accountId, credits, 0, reserved, now)
  // Cannot happen while balances change only here: a charge is always covered by `reserved`.
  if (!after) throw new Error(`ledger: reserved credits of ${accountId} do not cover a charge`)
  return after
}

export interface Movement {
  accountId: string
  unit: LedgerUnit
  /** Signed: positive adds to the available balance, negative takes from it. */
  amount: number
  kind: "topup" | "deduct" | "adjust"
  reason: string
  counterpartyId?: string | null
  now: number
}

/**
 * Adds to or takes from an account's available credits or wallet; never below zero (402
 * `insufficient_credits`). Returns the ledger entry.
 */
export function moveBalance(repo: LedgerRepo, m: Movement): LedgerEntryRow {
  const credits = m.unit === "credits" ? m.amount : 0
  const wallet = m.unit === "wallet" ? m.amount : 0
  const after = repo.apply(m.accountId, credits, wallet, 0, m.now)
  if (!after) {
    const balance = repo.balance(m.accountId)
    if (!balance) throw new Error(`ledger: account ${m.accountId} has no balance`)
    const available = m.unit === "credits" ? balance.sms_credits : balance.wallet_balance
    throw insufficient(m.accountId, available, -m.amount, m.unit)
  }
  const entry = {
    account_id: m.accountId,
    kind: m.kind,
    unit: m.unit,
    amount: m.amount,
    reserved_change: 0,
    balance_after: m.unit === "credits" ? after.sms_credits : after.wallet_balance,
    reserved_after: after.reserved,
    message_id: null,
    batch_id: null,
    counterparty_id: m.counterpartyId ?? null,
    reason: m.reason,
    created_at: m.now,
  }
  return { seq: repo.insertEntry(entry), ...entry }
}

/**
 * Funds an account (amount > 0) or takes funds back (amount < 0). `from` is the account that
 * pays or gets them back (a partner funding its customer), or null when the operator funds it
 * (new money). Returns the target account's entry.
 */
export function transfer(
  repo: LedgerRepo,
  t: {
    from: string | null
    to: string
    unit: LedgerUnit
    amount: number
    reason: string
    now: number
  },
): LedgerEntryRow {
  if (t.amount === 0) throw new Error("ledger: a transfer of 0")
  const { from, to, unit, reason, now } = t
  if (t.amount > 0) {
    if (from)
      moveBalance(repo, {
        accountId: from,
        unit,
        amount: -t.amount,
        kind: "deduct",
        reason: `to ${to}: ${reason}`,
        counterpartyId: to,
        now,
      })
    return moveBalance(repo, {
      accountId: to,
      unit,
      amount: t.amount,
      kind: "topup",
      reason,
      counterpartyId: from,
      now,
    })
  }
  const entry = moveBalance(repo, {
    accountId: to,
    unit,
    amount: t.amount,
    kind: "deduct",
    reason,
    counterpartyId: from,
    now,
  })
  if (from)
    moveBalance(repo, {
      accountId: from,
      unit,
      amount: -t.amount,
      kind: "topup",
      reason: `back from ${to}: ${reason}`,
      counterpartyId: to,
      now,
    })
  return entry
}

export interface BalanceView {
  sms_credits: number
  wallet_balance: number
  currency: string
  reserved: number
  /** false: the account has no balance and is not charged (the operator). */
  metered: boolean
}

export function balanceView(row: BalanceRow | null, currency: string): BalanceView {
  return {
    sms_credits: row?.sms_credits ?? 0,
    wallet_balance: row?.wallet_balance ?? 0,
    currency,
    reserved: row?.reserved ?? 0,
    metered: row !== null,
  }
}
