/**
 * A message's first and last status, each written in one place. The start: the row, its
 * `queued` or `scheduled` event and the webhook. An end: the status (only if the message has not
 * ended already), its timeline event, the webhook, and for failed, expired and canceled the
 * settlement of its charge (core/ledger.ts; a delivered message was charged when it was sent).
 */
import type { BatchRecipient, NewBatch, NewMessage, Store } from "../store/index.ts"
import { settleCharge } from "./ledger.ts"
import type { EventSubject, MessageNotifier } from "./message-notifier.ts"

export type EndStatus = "failed" | "expired" | "canceled"

/** What is needed of the message: who to tell and whose charge to settle. */
export interface EndingMessage {
  id: string
  account_id: string
  callback_url: string | null
}

/**
 * After a status UPDATE that ended the message (a bulk UPDATE … RETURNING ends several).
 * `current`: the whole row that UPDATE returned, so the event need not read it back.
 */
export function recordEnd(
  store: Store,
  m: EndingMessage,
  status: EndStatus,
  at: number,
  event: string,
  notifier?: MessageNotifier,
  current?: EventSubject,
): void {
  store.messages.addEvent(m.id, status, at, event)
  notifier?.notify(m, `message.${status}`, at, current)
  settleCharge(store.ledger, m.id, at, m.account_id)
}

/** A new message: its row, its first timeline entry, and `message.queued` when it is queued. */
export function recordNew(
  store: Store,
  row: NewMessage,
  at: number,
  event: string,
  notifier?: MessageNotifier,
): void {
  store.messages.insertMessage(row)
  store.messages.addEvent(row.id, row.status, at, event)
  // The event subject is built only when someone listens, as in recordNewBatch.
  if (row.status === "queued" && notifier?.wants(row, at))
    notifier.notify(row, "message.queued", at, newSubject(row))
}

/** A message just inserted, as its first event reports it: no need to read it back. */
function newSubject(row: NewMessage): EventSubject {
  return {
    id: row.id,
    account_id: row.account_id,
    batch_id: row.batch_id,
    to_number: row.to_number,
    from_addr: row.from_addr,
    status: row.status,
    segments: row.segments,
    connector_id: null,
    carrier_message_id: null,
    error_code: null,
    error_detail: null,
    callback_url: row.callback_url,
    created_at: row.created_at,
    sent_at: null,
    delivered_at: null,
    mode: row.mode ?? "live",
  }
}

/** recordNew for the messages of one request to many recipients: two statements in all. */
export function recordNewBatch(
  store: Store,
  batch: NewBatch,
  recipients: readonly BatchRecipient[],
  at: number,
  event: string,
  notifier?: MessageNotifier,
): void {
  store.messages.insertBatch(batch, recipients)
  store.messages.addEvents(
    recipients.map((r) => r.id),
    batch.status,
    at,
    event,
  )
  // One answer for the whole batch (same account, same callback_url): with no one listening, no
  // event is built for any of its recipients.
  if (batch.status === "queued" && notifier?.wants(batch, at)) {
    for (const r of recipients)
      notifier.notify(
        { id: r.id, account_id: batch.account_id, callback_url: batch.callback_url },
        "message.queued",
        at,
        newSubject({ ...batch, ...r }),
      )
  }
}

/** After a status UPDATE that delivered the message: its timeline entry and the webhook. */
export function recordDelivered(
  store: Store,
  m: EndingMessage,
  at: number,
  event: string,
  notifier?: MessageNotifier,
): void {
  store.messages.addEvent(m.id, "delivered", at, event)
  notifier?.notify(m, "message.delivered", at)
}

/**
 * Ends a message unless it already ended (a receipt may end one while a later part is in
 * flight): false, and nothing written, when it had.
 */
export function endMessage(
  store: Store,
  m: EndingMessage,
  end: {
    status: EndStatus
    at: number
    errorCode: string
    errorDetail: string
    /** The timeline entry; the error detail when absent. */
    event?: string
    connectorId?: string
  },
  notifier?: MessageNotifier,
): boolean {
  const ended = store.messages.setStatus({
    id: m.id,
    status: end.status,
    at: end.at,
    connectorId: end.connectorId,
    errorCode: end.errorCode,
    errorDetail: end.errorDetail,
    finalAt: end.at,
  })
  if (ended) recordEnd(store, m, end.status, end.at, end.event ?? end.errorDetail, notifier)
  return ended
}
