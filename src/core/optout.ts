/**
 * Opt-out (docs/two-way.md#opt-out): keywords that add or remove a sender from the owning
 * account's list, one confirmation SMS per change, the check accept makes for every recipient,
 * and the list as an API resource. Each change emits `optout.created` / `optout.removed` in the
 * transaction that makes it.
 */

import { normalizePhone } from "../codec/phone.ts"
import { segmentText } from "../codec/segment.ts"
import { AppError } from "../lib/app-error.ts"
import { type Clock, toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { ConversationRow, NewMessage, OptOutRow, Store } from "../store/index.ts"
import type { OptOutSource } from "../store/opt-out-repo.ts"
import { decodeCursorFields, page } from "./cursor.ts"
import { recordEnd, recordNew } from "./message-end.ts"
import type { MessageNotifier } from "./message-notifier.ts"
import { enqueueEvent } from "./webhooks/events.ts"

/** CTIA / carrier practice: the whole message, any case, surrounding spaces ignored. */
export const OPT_OUT_KEYWORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"] as const
export const OPT_IN_KEYWORDS = ["START", "UNSTOP"] as const

/** Sent once when a sender opts out or back in; GSM-7, one segment each. */
export const OPT_OUT_CONFIRMATION =
  "You have been unsubscribed and will receive no more messages from this number. Reply START to resubscribe."
export const OPT_IN_CONFIRMATION =
  "You have been resubscribed and will receive messages from this number again. Reply STOP to unsubscribe."

/** Confirmations answer a person who is waiting for them, like a one-time code: ahead of bulk. */
const CONFIRMATION_PRIORITY = 9
/** A confirmation that could not go out within a day is no longer an answer to anything. */
const CONFIRMATION_VALIDITY_MS = 24 * 3600 * 1000

const OUT = new Set<string>(OPT_OUT_KEYWORDS)
const IN = new Set<string>(OPT_IN_KEYWORDS)

export function isOptKeyword(word: string): boolean {
  return OUT.has(word) || IN.has(word)
}

/** What an inbound text asks for: only a whole message that is exactly one keyword counts. */
export function optKeywordOf(text: string): { action: "out" | "in"; keyword: string } | null {
  const word = text.trim().toUpperCase()
  if (OUT.has(word)) return { action: "out", keyword: word }
  if (IN.has(word)) return { action: "in", keyword: word }
  return null
}

export interface OptOutView {
  number: string
  source: OptOutSource
  keyword: string | null
  created_at: string
}

function view(r: OptOutRow): OptOutView {
  return {
    number: r.number,
    source: r.source,
    keyword: r.keyword,
    created_at: toIso(r.created_at)!,
  }
}

function emit(
  store: Store,
  type: "optout.created" | "optout.removed",
  r: { account_id: string; number: string; source: OptOutSource; keyword: string | null },
  at: number,
): void {
  enqueueEvent(store, {
    accountId: r.account_id,
    type,
    data: { number: r.number, source: r.source, keyword: r.keyword, at: toIso(at) },
    at,
  })
}

/**
 * Withdraws what an account still holds for a number that just opted out: its queued and
 * scheduled messages become `canceled` (error `recipient_opted_out`), their credits are released
 * and `message.canceled` is emitted. Messages already handed to a carrier cannot be recalled.
 * Runs in the opt-out's transaction, before any confirmation is queued. Returns how many.
 */
function withdrawQueued(
  store: Store,
  accountId: string,
  number: string,
  why: string,
  now: number,
  notifier?: MessageNotifier,
): number {
  const withdrawn = store.messages.withdrawTo(accountId, number, now, why)
  for (const m of withdrawn)
    recordEnd(store, { ...m, account_id: accountId }, "canceled", now, why, notifier)
  return withdrawn.length
}

/**
 * Refuses a send when any recipient opted out of this account, naming each (up to 100), like
 * `invalid_phone_number`: the batch is all or nothing. Runs inside the accepting transaction.
 * An account without opt-outs costs a map lookup, one with opt-outs one seek per recipient.
 * (An idempotent replay gets its first answer before this runs: core/accept.ts.)
 */
export function assertNotOptedOut(
  store: Store,
  accountId: string,
  numbers: readonly string[],
): void {
  const repo = store.optOuts
  const optedOut: { index: number; to: string }[] = []
  for (let i = 0; i < numbers.length; i++) {
    if (repo.get(accountId, numbers[i]!)) optedOut.push({ index: i, to: numbers[i]! })
  }
  if (optedOut.length === 0) return
  const first = optedOut[0]!
  throw new AppError(
    "recipient_opted_out",
    `${first.to} has opted out of messages from this account` +
      (optedOut.length > 1 ? ` (and ${optedOut.length - 1} more)` : ""),
    { extra: { opted_out: optedOut.slice(0, 100) } },
  )
}

/**
 * Applies an opt-out or opt-in keyword from an inbound message, inside its transaction: changes
 * the list, emits the webhook, and queues one confirmation through the conversation's connector
 * and number. A keyword that changes nothing (STOP when already out) is stored as a message and
 * nothing more, so a sender (or an auto-responder) cannot make us send confirmations in a loop.
 * Returns the confirmation's message id, or null.
 */
export function applyOptKeyword(
  store: Store,
  m: { accountId: string; from: string; text: string; conversation: ConversationRow },
  now: number,
  notifier?: MessageNotifier,
): string | null {
  const asked = optKeywordOf(m.text)
  if (!asked) return null
  const row = {
    account_id: m.accountId,
    number: m.from,
    source: "keyword" as const,
    keyword: asked.keyword,
  }
  if (asked.action === "out") {
    if (!store.optOuts.add({ ...row, created_at: now })) return null
    emit(store, "optout.created", row, now)
    withdrawQueued(
      store,
      m.accountId,
      m.from,
      `recipient opted out (${asked.keyword})`,
      now,
      notifier,
    )
  } else {
    if (!store.optOuts.remove(m.accountId, m.from)) return null
    emit(store, "optout.removed", row, now)
  }
  // Only a number can be answered; an alphanumeric sender is recorded but not texted.
  if (!normalizePhone(m.from).ok) return null
  return queueConfirmation(
    store,
    m.conversation,
    asked.action === "out" ? OPT_OUT_CONFIRMATION : OPT_IN_CONFIRMATION,
    now,
    notifier,
  )
}

/** One outbound message into the conversation, pinned to its connector, from our number. */
function queueConfirmation(
  store: Store,
  c: ConversationRow,
  text: string,
  now: number,
  notifier?: MessageNotifier,
): string {
  const segmented = segmentText(text)
  const id = newId("msg", now)
  const batchId = newId("bat", now)
  const row: NewMessage = {
    id,
    batch_id: batchId,
    account_id: c.account_id,
    to_number: c.their_number,
    from_addr: c.our_number,
    body: text,
    encoding: segmented.encoding,
    segments: segmented.parts.length,
    reference: Math.floor(Math.random() * 256),
    priority: CONFIRMATION_PRIORITY,
    status: "queued",
    scheduled_at: null,
    not_before: now,
    created_at: now,
    expires_at: now + CONFIRMATION_VALIDITY_MS,
    callback_url: null,
    conversation_id: c.id,
    pinned_connector_id: c.connector_id,
  }
  recordNew(store, row, now, `opt-out confirmation, through ${c.connector_id}`, notifier)
  store.conversations.bump(c.id, now)
  return id
}

export const DEFAULT_OPT_OUT_PAGE = 50
export const MAX_OPT_OUT_PAGE = 1000

/** The opt-out list as an API resource, per account. */
export class OptOutService {
  constructor(private readonly deps: { store: Store; clock: Clock; notifier?: MessageNotifier }) {}

  list(accountId: string, q: { limit?: number; cursor?: string }) {
    const limit = Math.min(q.limit ?? DEFAULT_OPT_OUT_PAGE, MAX_OPT_OUT_PAGE)
    let before: { at: number; number: string } | null = null
    if (q.cursor) {
      const [at, number] = decodeCursorFields("o", q.cursor, /^(\d{1,15}):(.+)$/)
      before = { at: Number(at), number: number! }
    }
    const rows = this.deps.store.optOuts.page(accountId, before, limit + 1)
    return page(rows, limit, "o", (r) => `${r.created_at}:${r.number}`, view)
  }

  get(accountId: string, input: string): OptOutView {
    const number = recipient(input)
    const row = this.deps.store.optOuts.get(accountId, number)
    if (!row) throw new AppError("not_found", `${number} has not opted out`)
    return view(row)
  }

  /** Adds a number (e.g. an opt-out received by phone); an existing entry is returned as is. */
  async add(accountId: string, input: string): Promise<{ created: boolean; optOut: OptOutView }> {
    const { store, clock } = this.deps
    const number = recipient(input)
    return store.batcher.run(() => {
      const now = clock.now()
      const row = { account_id: accountId, number, source: "api" as const, keyword: null }
      const added = store.optOuts.add({ ...row, created_at: now })
      if (added) {
        emit(store, "optout.created", row, now)
        withdrawQueued(
          store,
          accountId,
          number,
          "recipient opted out (added through the API)",
          now,
          this.deps.notifier,
        )
      }
      return {
        created: added !== null,
        optOut: view(added ?? store.optOuts.get(accountId, number)!),
      }
    })
  }

  async remove(accountId: string, input: string): Promise<void> {
    const { store, clock } = this.deps
    const number = recipient(input)
    const removed = await store.batcher.run(() => {
      const now = clock.now()
      const row = store.optOuts.remove(accountId, number)
      if (row)
        emit(
          store,
          "optout.removed",
          { account_id: accountId, number, source: "api", keyword: null },
          now,
        )
      return row
    })
    if (!removed) throw new AppError("not_found", `${number} has not opted out`)
  }
}

function recipient(input: string): string {
  const parsed = normalizePhone(input)
  if (!parsed.ok)
    throw new AppError(
      "invalid_phone_number",
      `"${input}" is not a valid phone number: ${parsed.reason}`,
    )
  return parsed.e164
}
