import { normalizePhone } from "../codec/phone.ts"
import { AppError } from "../lib/app-error.ts"
import { toIso } from "../lib/clock.ts"
import type { MessageRow, Store } from "../store/index.ts"
import { decodeSeqCursor, page } from "./cursor.ts"

export interface MessageView {
  id: string
  batch_id: string
  to: string
  from: string | null
  message: string
  status: string
  priority: number
  segments: number
  encoding: string
  connector: string | null
  carrier_message_id: string | null
  attempts: number
  error: { code: string; detail: string | null } | null
  scheduled_at: string | null
  created_at: string
  updated_at: string
  sent_at: string | null
  delivered_at: string | null
  expires_at: string | null
  callback_url: string | null
}

export interface MessageDetail extends MessageView {
  parts: {
    index: number
    connector: string
    carrier_message_id: string | null
    status: string
    error: string | null
    submitted_at: string | null
    receipt_at: string | null
  }[]
  events: { status: string; at: string; detail: string | null; part?: number }[]
}

function view(m: MessageRow): MessageView {
  return {
    id: m.id,
    batch_id: m.batch_id,
    to: m.to_number,
    from: m.from_addr,
    message: m.body,
    status: m.status,
    priority: m.priority,
    segments: m.segments,
    encoding: m.encoding,
    connector: m.connector_id,
    carrier_message_id: m.carrier_message_id,
    attempts: m.attempts,
    error: m.error_code ? { code: m.error_code, detail: m.error_detail } : null,
    scheduled_at: toIso(m.scheduled_at),
    created_at: toIso(m.created_at)!,
    updated_at: toIso(m.updated_at)!,
    sent_at: toIso(m.sent_at),
    delivered_at: toIso(m.delivered_at),
    expires_at: toIso(m.expires_at),
    callback_url: m.callback_url,
  }
}

/**
 * Whether the caller sees `m`: another account's message is reported exactly like a missing one
 * (design.md §7), and so is a sandbox message to a live key, and the other way round
 * (docs/tenancy.md).
 */
export function visibleTo(
  m: Pick<MessageRow, "account_id" | "mode"> | null,
  accountId: string,
  mode: "live" | "test",
): boolean {
  return m !== null && m.account_id === accountId && m.mode === mode
}

/** The caller's message `id`, or 404 `not_found` (visibleTo). */
export function ownMessage(
  store: Store,
  accountId: string,
  id: string,
  mode: "live" | "test" = "live",
): MessageRow {
  const m = store.messages.get(id)
  if (!m || !visibleTo(m, accountId, mode))
    throw new AppError("not_found", `no message with id ${id}`)
  return m
}

export function getMessage(
  store: Store,
  accountId: string,
  id: string,
  mode: "live" | "test" = "live",
): MessageDetail {
  const m = ownMessage(store, accountId, id, mode)
  return {
    ...view(m),
    parts: store.messages.parts(id).map((p) => ({
      index: p.part_index,
      connector: p.connector_id,
      carrier_message_id: p.carrier_id_raw,
      status: p.status,
      error: p.error,
      submitted_at: toIso(p.submitted_at),
      receipt_at: toIso(p.receipt_at),
    })),
    events: store.messages.events(id).map((e) => ({
      status: e.status,
      at: toIso(e.at)!,
      detail: e.detail,
      ...(e.part === null ? {} : { part: e.part }),
    })),
  }
}

export interface ListQuery {
  status?: string
  to?: string
  batch_id?: string
  limit?: number
  cursor?: string
}

export const DEFAULT_PAGE = 50
export const MAX_PAGE = 1000

/** Newest first; `next_cursor` is null on the last page. */
export function listMessages(
  store: Store,
  accountId: string,
  q: ListQuery,
  mode: "live" | "test" = "live",
) {
  const limit = q.limit ?? DEFAULT_PAGE
  let to: string | undefined
  if (q.to !== undefined) {
    const parsed = normalizePhone(q.to)
    if (!parsed.ok)
      throw new AppError(
        "invalid_phone_number",
        `"${q.to}" is not a valid phone number: ${parsed.reason}`,
      )
    to = parsed.e164
  }
  const rows = store.messages.list({
    accountId,
    status: q.status,
    to,
    batchId: q.batch_id,
    beforeSeq: q.cursor ? decodeSeqCursor("m", q.cursor) : undefined,
    limit: limit + 1,
    mode,
  })
  return page(rows, limit, "m", (r) => r.seq, view)
}
