/**
 * The event side of webhooks: which events exist, the payload envelope, and `enqueueEvent`, the
 * one call the rest of the gateway makes. It runs INSIDE the caller's write transaction
 * (synchronous, no await), so an event is stored if and only if the change it reports is.
 */
import { toIso } from "../../lib/clock.ts"
import { newId } from "../../lib/ids.ts"
import type { Store } from "../../store/index.ts"
import type { ActiveEndpoint, WebhookRepo } from "../../store/webhook-repo.ts"
import { generateSecret } from "./signature.ts"

/** Every event an endpoint can subscribe to (docs/webhooks.md describes each payload). */
export const WEBHOOK_EVENTS = [
  "message.queued",
  "message.sent",
  "message.delivered",
  "message.failed",
  "message.expired",
  "message.canceled",
  "message.received",
  "optout.created",
  "optout.removed",
] as const

export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number]

/** Subscribes to every event, including ones added in later versions. */
export const ALL_EVENTS = "*"

/** Sent only by `POST /v1/webhooks/{id}/ping`, whatever the endpoint subscribes to. */
export const PING_EVENT = "webhook.ping"

const KNOWN = new Set<string>(WEBHOOK_EVENTS)

export function isWebhookEvent(value: string): value is WebhookEventType {
  return KNOWN.has(value)
}

export interface WebhookEvent {
  accountId: string
  type: WebhookEventType
  /** Set for message events: deliveries of one message to one destination go out in order. */
  messageId?: string | null
  /** The message's own `callback_url`: one more delivery, signed with the account's callback secret. */
  callbackUrl?: string | null
  /** The event's `data` object (docs/webhooks.md). */
  data: object
  /** When the event happened (epoch ms); the envelope's `timestamp`. */
  at: number
}

/** Standard Webhooks' recommended envelope: `{ type, timestamp, data }`. */
export function envelope(type: string, at: number, data: object): string {
  return JSON.stringify({ type, timestamp: toIso(at), data })
}

// Parsed `events` lists keyed by their JSON text: the event path runs for every message state
// change and should not re-parse JSON each time. Few distinct lists exist, so this stays small.
const subscriptions = new Map<string, { all: boolean; types: Set<string> }>()

function subscribes(endpoint: ActiveEndpoint, type: string): boolean {
  let entry = subscriptions.get(endpoint.events)
  if (!entry) {
    const types = new Set<string>(JSON.parse(endpoint.events) as string[])
    entry = { all: types.has(ALL_EVENTS), types }
    if (subscriptions.size >= 1000) subscriptions.clear()
    subscriptions.set(endpoint.events, entry)
  }
  return entry.all || entry.types.has(type)
}

function repoOf(target: Store | WebhookRepo): WebhookRepo {
  return "webhooks" in target ? target.webhooks : target
}

/** The account's secret for `callback_url` deliveries, created on first use. */
export function ensureCallbackSecret(repo: WebhookRepo, accountId: string, at: number): string {
  return repo.accountSecret(accountId) ?? repo.ensureAccountSecret(accountId, generateSecret(), at)
}

/**
 * Stores one delivery per active endpoint of the account subscribed to `type`, plus one for
 * `callbackUrl` when given, and wakes the delivery worker. Call it inside the transaction that
 * makes the change (e.g. in the `store.batcher.run` job that sets a message `delivered`).
 * Returns the delivery ids (the `webhook-id` each receiver will see).
 */
export function enqueueEvent(target: Store | WebhookRepo, event: WebhookEvent): string[] {
  if (!isWebhookEvent(event.type)) throw new Error(`unknown webhook event type "${event.type}"`)
  const repo = repoOf(target)
  const endpoints = repo.activeEndpointsOf(event.accountId).filter((e) => subscribes(e, event.type))
  const callbackUrl = event.callbackUrl || null
  if (endpoints.length === 0 && !callbackUrl) return []
  const payload = envelope(event.type, event.at, event.data)
  const messageId = event.messageId ?? null
  const ids: string[] = []
  const base = {
    account_id: event.accountId,
    event_type: event.type,
    message_id: messageId,
    payload,
    status: "pending" as const,
    created_at: event.at,
  }
  for (const endpoint of endpoints) {
    const id = newId("whd", event.at)
    // A failing endpoint's deliveries wait on its own retry time (the endpoint row), not on
    // each delivery's: it is probed, not hammered with each new event.
    repo.insertDelivery({
      ...base,
      id,
      endpoint_id: endpoint.id,
      callback_url: null,
      order_key: messageId ? `${messageId} ${endpoint.id}` : null,
      next_attempt_at: event.at,
    })
    ids.push(id)
  }
  if (callbackUrl) {
    ensureCallbackSecret(repo, event.accountId, event.at)
    const id = newId("whd", event.at)
    repo.insertDelivery({
      ...base,
      id,
      endpoint_id: null,
      callback_url: callbackUrl,
      order_key: messageId ? `${messageId} ${callbackUrl}` : null,
      next_attempt_at: event.at,
    })
    ids.push(id)
  }
  repo.notifyEnqueued()
  return ids
}
