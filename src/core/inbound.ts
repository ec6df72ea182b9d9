/**
 * Inbound (MO) messages: stored once per arrival, owned by an account, listed in arrival order
 * with a cursor that never skips or repeats.
 */
import type { InboundMessage } from "../connectors/connector.ts"
import { AppError } from "../lib/app-error.ts"
import { toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { InboundRow, Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import type { MessageNotifier } from "./message-notifier.ts"
import { bestAssignment } from "./numbers.ts"
import { applyOptKeyword } from "./optout.ts"
import { enqueueEvent } from "./webhooks/events.ts"

export interface InboundView {
  id: string
  from: string
  to: string | null
  message: string
  encoding: string
  parts: number
  connector: string
  sent_at: string | null
  received_at: string
  /** The conversation it was threaded into (docs/two-way.md). */
  conversation_id: string | null
}

export function inboundView(r: InboundRow): InboundView {
  return {
    id: r.id,
    from: r.from_addr,
    to: r.to_addr,
    message: r.body,
    encoding: r.encoding,
    parts: r.parts,
    connector: r.connector_id,
    sent_at: toIso(r.sent_at),
    received_at: toIso(r.received_at)!,
    conversation_id: r.conversation_id,
  }
}

export interface InboundOwnership {
  accountId: string
  /** Our number it was sent to: the connector's `to`, else the number assigned to the connector. */
  ourNumber: string | null
}

/**
 * Who owns an MO (docs/two-way.md#ownership), in order: the account assigned its number and
 * first word (a keyword), or its whole number (`POST /v1/numbers`); else the account that last
 * sent a message to this sender (from that number, when known); else the root account. When the
 * connector cannot tell which number it was sent to (a modem without +CNUM), the assignments
 * narrowed to that connector stand in for it. One or two index lookups per message.
 */
export function inboundOwner(
  store: Store,
  m: Pick<InboundMessage, "from" | "to" | "connectorId" | "text">,
): InboundOwnership {
  const rows =
    m.to !== null ? store.numbers.byNumber(m.to) : store.numbers.byConnector(m.connectorId)
  const ourNumber = m.to ?? rows[0]?.number ?? null
  const assigned = bestAssignment(rows, m.connectorId, m.text)
  const accountId =
    assigned?.account_id ?? store.messages.lastAccountMessaging(m.from, ourNumber) ?? ROOT_ACCOUNT
  return { accountId, ourNumber }
}

export interface StoredInbound {
  row: InboundRow
  duplicate: boolean
  /** The opt-out/opt-in confirmation queued in the same transaction, if any: wake the outbox. */
  confirmationId: string | null
}

/**
 * Stores an MO inside the caller's transaction: threads it into its conversation, emits
 * `message.received`, and applies an opt-out/opt-in keyword. A redelivery with the same
 * connector and external id returns the stored row and does nothing else (the peer is answered
 * OK again, nothing is duplicated).
 */
export function storeInbound(
  store: Store,
  m: InboundMessage,
  now: number,
  deps: { notifier?: MessageNotifier } = {},
): StoredInbound {
  if (m.externalId !== null) {
    const earlier = store.inbound.byExternalId(m.connectorId, m.externalId)
    if (earlier) return { row: earlier, duplicate: true, confirmationId: null }
  }
  const { accountId, ourNumber } = inboundOwner(store, m)
  const conversation = store.conversations.touch({
    id: newId("cnv", now),
    account_id: accountId,
    our_number: ourNumber,
    their_number: m.from,
    connector_id: m.connectorId,
    last_message_at: now,
  })
  const { row } = store.inbound.insert({
    id: newId("inb", now),
    account_id: accountId,
    connector_id: m.connectorId,
    from_addr: m.from,
    to_addr: m.to,
    body: m.text,
    encoding: m.encoding,
    parts: m.parts,
    external_id: m.externalId,
    sent_at: m.sentAt,
    received_at: m.receivedAt,
    created_at: now,
    conversation_id: conversation.id,
  })
  enqueueEvent(store, { accountId, type: "message.received", data: inboundView(row), at: now })
  const confirmationId = applyOptKeyword(
    store,
    { accountId, from: m.from, text: m.text, conversation },
    now,
    deps.notifier,
  )
  return { row, duplicate: false, confirmationId }
}

export const DEFAULT_INBOUND_PAGE = 50
export const MAX_INBOUND_PAGE = 1000

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  const seq = /^i:(\d+)$/.exec(text)?.[1]
  if (seq === undefined || !Number.isSafeInteger(Number(seq))) {
    throw new AppError("validation_failed", "since is not a cursor this server issued", {
      extra: { errors: [{ path: "/since", message: "invalid cursor" }] },
    })
  }
  return Number(seq)
}

export function encodeInboundCursor(seq: number): string {
  return Buffer.from(`i:${seq}`).toString("base64url")
}

/**
 * Oldest first after `since`. `next_cursor` is always set (the last row's, or `since` again when
 * nothing new arrived), so a poller can keep passing it back.
 */
export function listInbound(
  store: Store,
  accountId: string,
  q: { since?: string; limit?: number },
) {
  const after = q.since ? decodeCursor(q.since) : 0
  const limit = Math.min(q.limit ?? DEFAULT_INBOUND_PAGE, MAX_INBOUND_PAGE)
  const rows = store.inbound.page(accountId, after, limit)
  const last = rows.at(-1)?.seq ?? after
  return { data: rows.map(inboundView), next_cursor: encodeInboundCursor(last) }
}
