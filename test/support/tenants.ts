// Helpers for tenancy tests: provisioning customers and calling the API with their keys.

import { Database } from "bun:sqlite"
import { expect } from "bun:test"
import type { LedgerEntryView } from "../../src/core/accounts.ts"
import type { TestGateway } from "./gateway.ts"

export interface Problem {
  code: string
  status: number
  detail: string
  type: string
  errors?: { path: string; message: string }[]
  [key: string]: unknown
}

export interface Balance {
  sms_credits: number
  wallet_balance: number
  currency: string
  reserved: number
  metered: boolean
}

export interface Customer {
  id: string
  kind: string
  parent_id: string | null
  external_ref: string | null
  status: string
  currency: string
  balance: Balance
  api_key: { id: string; key: string; scopes: string[]; mode: string; prefix: string } | null
}

export interface Tenant {
  id: string
  /** The first key (scope admin). */
  key: string
  customer: Customer
}

/** A ledger entry as GET /v1/ledger answers it. */
export type LedgerEntry = LedgerEntryView

let counter = 0

/** A valid customer body; `extra` overrides fields. */
export function customerBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter++
  return { full_name: `Customer ${counter}`, phone: "+233201234567", country_code: "GH", ...extra }
}

/** Creates a customer (as the admin, or as `key`) and returns it with its first key. */
export async function createCustomer(
  gw: TestGateway,
  extra: Record<string, unknown> = {},
  key?: string,
): Promise<Tenant> {
  const res = await gw.api("/v1/customers", {
    method: "POST",
    json: customerBody(extra),
    ...(key ? { key } : {}),
  })
  const body = (await res.json()) as Customer
  expect(res.status, JSON.stringify(body)).toBe(201)
  return { id: body.id, key: body.api_key!.key, customer: body }
}

export async function body<T>(res: Response, status: number): Promise<T> {
  const text = await res.text()
  expect(res.status, text).toBe(status)
  return JSON.parse(text) as T
}

export async function problem(res: Response, status: number, code: string): Promise<Problem> {
  const p = await body<Problem>(res, status)
  expect(res.headers.get("content-type")).toContain("application/problem+json")
  expect(p.code).toBe(code)
  return p
}

export async function createKey(
  gw: TestGateway,
  json: Record<string, unknown>,
  key?: string,
): Promise<{ id: string; key: string }> {
  return body(
    await gw.api("/v1/keys", {
      method: "POST",
      json: { mode: "live", label: "test", ...json },
      ...(key ? { key } : {}),
    }),
    201,
  )
}

export async function balanceOf(gw: TestGateway, key: string): Promise<Balance> {
  return body(await gw.api("/v1/balance", { key }), 200)
}

/** Every ledger entry of the key's account (all pages), newest first. */
export async function ledgerOf(
  gw: TestGateway,
  key: string,
  accountId?: string,
): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = []
  let cursor: string | null = null
  do {
    const params = new URLSearchParams({ limit: "100" })
    if (cursor) params.set("cursor", cursor)
    if (accountId) params.set("account_id", accountId)
    const page: { data: LedgerEntry[]; next_cursor: string | null } = await body(
      await gw.api(`/v1/ledger?${params}`, { key }),
      200,
    )
    out.push(...page.data)
    cursor = page.next_cursor
  } while (cursor)
  return out
}

/** The ledger's sums, which must equal the balance. */
export function ledgerSums(entries: LedgerEntry[]): {
  sms_credits: number
  wallet_balance: number
  reserved: number
} {
  let credits = 0
  let wallet = 0
  let reserved = 0
  for (const e of entries) {
    if (e.unit === "credits") credits += e.amount
    else wallet += e.amount
    reserved += e.reserved_change
  }
  return { sms_credits: credits, wallet_balance: wallet, reserved }
}

/**
 * Reads the database file directly and returns every account whose balances row differs from
 * the sums of its ledger, or has a negative column (empty = the invariant holds).
 */
export function ledgerMismatches(dbPath: string): unknown[] {
  const db = new Database(dbPath, { readonly: true })
  try {
    return db
      .query(
        `SELECT b.account_id, b.sms_credits, b.wallet_balance, b.reserved,
           COALESCE(SUM(CASE WHEN l.unit = 'credits' THEN l.amount END), 0) AS credits_sum,
           COALESCE(SUM(CASE WHEN l.unit = 'wallet' THEN l.amount END), 0) AS wallet_sum,
           COALESCE(SUM(l.reserved_change), 0) AS reserved_sum
         FROM balances b LEFT JOIN ledger_entries l ON l.account_id = b.account_id
         GROUP BY b.account_id
         HAVING b.sms_credits <> credits_sum OR b.wallet_balance <> wallet_sum OR b.reserved <> reserved_sum
           OR b.sms_credits < 0 OR b.wallet_balance < 0 OR b.reserved < 0`,
      )
      .all()
  } finally {
    db.close()
  }
}

export async function sendAs(
  gw: TestGateway,
  key: string,
  json: Record<string, unknown>,
): Promise<Response> {
  return gw.api("/v1/messages", { method: "POST", json, key })
}
