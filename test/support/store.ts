import { Database } from "bun:sqlite"
import { join } from "node:path"
import { openStore, type Store } from "../../src/store/index.ts"
import type { NewMessage, PartRow } from "../../src/store/message-repo.ts"
import type { NewDelivery, WebhookEndpointRow } from "../../src/store/webhook-repo.ts"
import { tempDir } from "./temp-dir.ts"

/** Runs `fn` on a store over a fresh SQLite file, closed and removed afterwards. */
export function withStore(fn: (store: Store, path: string) => void): void {
  using dir = tempDir()
  const path = join(dir.path, "store.db")
  const store = openStore(path)
  try {
    fn(store, path)
  } finally {
    store.close()
  }
}

/** A one-part GSM-7 message row, queued at time 1; `id` and `account_id` are the caller's. */
export function newMessage(
  over: Partial<NewMessage> & Pick<NewMessage, "id" | "account_id">,
): NewMessage {
  return {
    batch_id: `bat_${over.id}`,
    to_number: "+233241234567",
    from_addr: null,
    body: "x",
    encoding: "gsm7",
    segments: 1,
    reference: 0,
    priority: 5,
    status: "queued",
    scheduled_at: null,
    not_before: 1,
    created_at: 1,
    expires_at: null,
    callback_url: null,
    ...over,
  }
}

/** A part the connector "c" accepted with `carrierId` at time 3, as the dispatcher stores it. */
export function sentPart(
  messageId: string,
  partIndex: number,
  carrierId: string,
): Omit<PartRow, "receipt_at"> {
  return {
    message_id: messageId,
    part_index: partIndex,
    connector_id: "c",
    carrier_id: carrierId,
    carrier_id_raw: carrierId,
    status: "sent",
    error: null,
    submitted_at: 3,
  }
}

/**
 * A pending `message.sent` webhook delivery due at `at`, to the endpoint or the callback URL
 * given (exactly one, as the table requires); no message, no order key, payload `{}` unless
 * given.
 */
export function pendingDelivery(
  over: Partial<NewDelivery> &
    Pick<NewDelivery, "id" | "account_id"> &
    ({ endpoint_id: string } | { callback_url: string }),
  at: number,
): NewDelivery {
  return {
    endpoint_id: null,
    callback_url: null,
    event_type: "message.sent",
    message_id: null,
    order_key: null,
    payload: "{}",
    status: "pending",
    next_attempt_at: at,
    created_at: at,
    ...over,
  }
}

type NewEndpoint = Parameters<Store["webhooks"]["insertEndpoint"]>[0]

/**
 * An active endpoint row subscribed to every event, created at `at`, at
 * https://hooks.example.com/<id> with a fixed signing secret unless given.
 */
export function newEndpoint(
  over: Partial<NewEndpoint> & Pick<WebhookEndpointRow, "id" | "account_id">,
  at: number,
): NewEndpoint {
  return {
    url: `https://hooks.example.com/${over.id}`,
    events: '["*"]',
    description: null,
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    status: "active",
    created_at: at,
    ...over,
  }
}

/** The rows of `sql`, read through a read-only connection of its own (a gateway has the file). */
export function readRows<T>(path: string, sql: string): T[] {
  const db = new Database(path, { readonly: true })
  try {
    return db.query<T, []>(sql).all()
  } finally {
    db.close()
  }
}
