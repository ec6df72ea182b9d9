/**
 * Numbers and keywords assigned to accounts (docs/two-way.md#ownership): who owns an inbound
 * message sent to one of our numbers. Assigning is the operator's job: a number is a resource of
 * the gateway, and whoever holds it reads every reply sent to it.
 */

import { normalizePhone } from "../codec/phone.ts"
import { AppError } from "../lib/app-error.ts"
import { type Clock, toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { NumberRow, Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import { decodeCursorFields, invalid, page } from "./cursor.ts"
import { isOptKeyword } from "./optout.ts"

export interface NumberView {
  id: string
  account_id: string
  number: string
  keyword: string | null
  connector: string | null
  created_at: string
}

export interface AssignNumberInput {
  number: string
  keyword?: string
  connector?: string
  account_id?: string
}

export const DEFAULT_NUMBER_PAGE = 50
export const MAX_NUMBER_PAGE = 200

// Short codes: 3–8 digits, kept as the network sends them (no country is implied).
const SHORT_CODE = /^[0-9]{3,8}$/
// E.164 as an SMSC may send it even when libphonenumber does not know the range (a new block).
const PLAIN_E164 = /^\+[1-9][0-9]{5,14}$/
const KEYWORD = /^[\p{L}\p{N}]{1,20}$/u

function numberView(r: NumberRow): NumberView {
  return {
    id: r.id,
    account_id: r.account_id,
    number: r.number,
    keyword: r.keyword,
    connector: r.connector_id,
    created_at: toIso(r.created_at)!,
  }
}

/** One of our numbers in the form inbound messages carry it: E.164 with '+', or a short code. */
export function normalizeOurNumber(input: string): string {
  const compact = input.trim().replace(/[\s().\-/]/g, "")
  if (SHORT_CODE.test(compact)) return compact
  const phone = normalizePhone(input)
  if (phone.ok) return phone.e164
  if (PLAIN_E164.test(compact)) return compact
  throw invalid(
    "/number",
    "invalid number",
    `number "${input}" is neither an E.164 number (+…) nor a short code of 3 to 8 digits`,
  )
}

/** A keyword is one word of letters or digits, matched case-insensitively; stored upper case. */
export function normalizeKeyword(input: string): string {
  const word = input.trim()
  if (!KEYWORD.test(word))
    throw invalid(
      "/keyword",
      "invalid keyword",
      `keyword "${input}" must be one word of up to 20 letters or digits`,
    )
  const upper = word.toUpperCase()
  if (isOptKeyword(upper)) {
    throw invalid(
      "/keyword",
      "reserved keyword",
      `keyword "${upper}" is reserved for opt-out and opt-in (docs/two-way.md#opt-out)`,
    )
  }
  return upper
}

/** The first word of a message, upper case: what keyword assignments match. */
export function firstWord(text: string): string {
  return /^[\p{L}\p{N}]+/u.exec(text.trim())?.[0]?.toUpperCase() ?? ""
}

/**
 * The assignment that owns a message among those of its number (or connector): a keyword
 * match beats the whole number, and an assignment narrowed to the arrival connector beats one
 * that is not. Null when none applies.
 */
export function bestAssignment(
  rows: readonly NumberRow[],
  connectorId: string,
  text: string,
): NumberRow | null {
  let best: NumberRow | null = null
  let bestScore = -1
  // Most numbers have no keywords: the text is read only when an assignment has one.
  const word = rows.some((r) => r.keyword !== null) ? firstWord(text) : ""
  for (const r of rows) {
    if (r.connector_id !== null && r.connector_id !== connectorId) continue
    if (r.keyword !== null && r.keyword !== word) continue
    const score = (r.keyword !== null ? 2 : 0) + (r.connector_id !== null ? 1 : 0)
    if (score > bestScore) {
      best = r
      bestScore = score
    }
  }
  return best
}

/** Numbers and keywords as an API resource. */
export class NumberService {
  constructor(
    private readonly deps: { store: Store; clock: Clock; connectorIds: ReadonlySet<string> },
  ) {}

  /** The operator assigns a number (or a keyword on it) to an account, its own by default. */
  async assign(callerAccountId: string, input: AssignNumberInput): Promise<NumberView> {
    const { store, clock } = this.deps
    const number = normalizeOurNumber(input.number)
    const keyword =
      input.keyword === undefined || input.keyword === "" ? null : normalizeKeyword(input.keyword)
    const connector =
      input.connector === undefined || input.connector === "" ? null : input.connector
    if (connector !== null && !this.deps.connectorIds.has(connector)) {
      const known = [...this.deps.connectorIds].join(", ")
      throw invalid(
        "/connector",
        "unknown connector",
        `connector "${connector}" is not configured (configured: ${known})`,
      )
    }
    const accountId = input.account_id ?? callerAccountId
    if (accountId !== ROOT_ACCOUNT && !store.accounts.get(accountId)) {
      throw invalid("/account_id", "unknown account", `account ${accountId} does not exist`)
    }
    const now = clock.now()
    const row = await store.batcher.run(() =>
      store.numbers.insert({
        id: newId("num", now),
        account_id: accountId,
        number,
        keyword,
        connector_id: connector,
        created_at: now,
      }),
    )
    if (!row) {
      const what = [
        number,
        keyword && `keyword ${keyword}`,
        connector && `on connector ${connector}`,
      ]
        .filter(Boolean)
        .join(" ")
      throw new AppError(
        "number_already_assigned",
        `${what} is already assigned; delete that assignment first`,
      )
    }
    return numberView(row)
  }

  /** The caller's assignments; the operator sees every account's (or one account's). */
  list(
    callerAccountId: string,
    operator: boolean,
    q: { account_id?: string; limit?: number; cursor?: string },
  ) {
    const limit = Math.min(q.limit ?? DEFAULT_NUMBER_PAGE, MAX_NUMBER_PAGE)
    const accountId = operator ? (q.account_id ?? null) : callerAccountId
    const before = q.cursor ? decodeCursorFields("n", q.cursor, /^(num_[0-9a-z]+)$/)[0]! : "\uffff"
    const rows = this.deps.store.numbers.page(accountId, before, limit + 1)
    return page(rows, limit, "n", (r) => r.id, numberView)
  }

  async remove(id: string): Promise<void> {
    const { store } = this.deps
    const removed = await store.batcher.run(() => store.numbers.remove(id))
    if (!removed) throw new AppError("not_found", `no number assignment with id ${id}`)
  }
}
