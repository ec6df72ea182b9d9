/**
 * Turns message status changes into webhook events (message.queued, .sent, .delivered, .failed,
 * .expired, .canceled) for the account's endpoints and the message's own `callback_url`.
 *
 * Called synchronously inside the transaction that changes the status, so the event is stored
 * exactly when the change is (and rolled back with it). The hot path pays nothing when no one
 * listens: whether an account has endpoints is cached for a second, and the cache is dropped
 * whenever an endpoint is created or changed.
 */
import { toIso } from "../lib/clock.ts"
import type { MessageRow, Store } from "../store/index.ts"
import { enqueueEvent, type WebhookEventType } from "./webhooks/events.ts"

export type MessageEventType = Extract<
  WebhookEventType,
  | "message.queued"
  | "message.sent"
  | "message.delivered"
  | "message.failed"
  | "message.expired"
  | "message.canceled"
>

const CACHE_MS = 1000

/** The columns a message event reports. */
export type EventSubject = Pick<
  MessageRow,
  | "id"
  | "account_id"
  | "batch_id"
  | "to_number"
  | "from_addr"
  | "status"
  | "segments"
  | "connector_id"
  | "carrier_message_id"
  | "error_code"
  | "error_detail"
  | "callback_url"
  | "created_at"
  | "sent_at"
  | "delivered_at"
  | "mode"
>

export class MessageNotifier {
  private readonly listening = new Map<string, { yes: boolean; until: number }>()

  constructor(private readonly store: Store) {}

  /** Endpoints were created, changed or removed: look again. */
  endpointsChanged(): void {
    this.listening.clear()
  }

  /**
   * A status change of one message (any row of it: its id, account and own callback_url). The
   * event carries the message as it now is: read back, unless the caller has it (`current`).
   * A caller that would have to build `current` asks `wants()` first.
   */
  notify(
    message: Pick<MessageRow, "id" | "account_id" | "callback_url">,
    type: MessageEventType,
    at: number,
    current?: EventSubject,
  ): void {
    if (!this.wants(message, at)) return
    const row = current ?? this.store.messages.get(message.id)
    if (!row) return
    enqueueEvent(this.store, {
      accountId: row.account_id,
      type,
      messageId: row.id,
      callbackUrl: row.callback_url,
      at,
      data: {
        id: row.id,
        batch_id: row.batch_id,
        to: row.to_number,
        from: row.from_addr,
        status: row.status,
        segments: row.segments,
        connector: row.connector_id,
        carrier_message_id: row.carrier_message_id,
        error: row.error_code ? { code: row.error_code, detail: row.error_detail } : null,
        created_at: toIso(row.created_at),
        sent_at: toIso(row.sent_at),
        delivered_at: toIso(row.delivered_at),
        // A sandbox (sk_test_) message's events go to the same endpoints: let them tell.
        mode: row.mode,
      },
    })
  }

  /** Whether an event of this message would go anywhere: its callback_url, or an endpoint. */
  wants(message: Pick<MessageRow, "account_id" | "callback_url">, at: number): boolean {
    return message.callback_url !== null || this.accountListens(message.account_id, at)
  }

  private accountListens(accountId: string, now: number): boolean {
    const cached = this.listening.get(accountId)
    if (cached && cached.until > now) return cached.yes
    const yes = this.store.webhooks.activeEndpointsOf(accountId).length > 0
    this.listening.set(accountId, { yes, until: now + CACHE_MS })
    return yes
  }
}
