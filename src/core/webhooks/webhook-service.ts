/**
 * Webhook endpoints as an API resource: create, list, read, update, delete, ping, and the
 * delivery log. Everything is scoped by the caller's account; another account's endpoint is
 * reported exactly like a missing one (design.md §7).
 */

import { AppError } from "../../lib/app-error.ts"
import { type Clock, toIso } from "../../lib/clock.ts"
import { newId } from "../../lib/ids.ts"
import type { Logger } from "../../lib/logger.ts"
import type { Store } from "../../store/index.ts"
import type {
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WebhookEndpointStatus,
} from "../../store/webhook-repo.ts"
import { DEFAULT_PAGE, decodeCursor, decodeSeqCursor, MAX_PAGE, page } from "../cursor.ts"
import {
  ALL_EVENTS,
  enqueueEvent,
  ensureCallbackSecret,
  envelope,
  isWebhookEvent,
  PING_EVENT,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from "./events.ts"
import { generateSecret, SECRET_PREFIX } from "./signature.ts"
import type { TargetPolicy } from "./target-policy.ts"

export type { WebhookEvent, WebhookEventType } from "./events.ts"
export { ALL_EVENTS, enqueueEvent, PING_EVENT, WEBHOOK_EVENTS } from "./events.ts"
export const MAX_DESCRIPTION_LENGTH = 500

export interface WebhookEndpointView {
  id: string
  url: string
  events: string[]
  description: string | null
  status: WebhookEndpointStatus
  /** The full secret in the create answer only; masked (`whsec_abcd…`) afterwards. */
  secret: string
  consecutive_failures: number
  failing_since: string | null
  suspended_reason: string | null
  created_at: string
  updated_at: string
}

export interface WebhookAttemptView {
  at: string
  status_code: number | null
  duration_ms: number | null
  error: string | null
}

export interface WebhookDeliveryView {
  id: string
  event_type: string
  message_id: string | null
  status: string
  attempt_count: number
  next_attempt_at: string | null
  last_status_code: number | null
  last_error: string | null
  created_at: string
  updated_at: string
  payload: unknown
  attempts: WebhookAttemptView[]
}

export interface CreateWebhookInput {
  url: string
  events: string[]
  description?: string
}

export interface UpdateWebhookInput {
  url?: string
  events?: string[]
  description?: string | null
  /** `active` re-enables a suspended or disabled endpoint; `disabled` pauses it. */
  status?: "active" | "disabled"
}

export interface PageQuery {
  limit?: number
  cursor?: string
}

function maskSecret(secret: string): string {
  return `${secret.slice(0, SECRET_PREFIX.length + 4)}…`
}

function endpointView(e: WebhookEndpointRow, revealSecret = false): WebhookEndpointView {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events) as string[],
    description: e.description,
    status: e.status,
    secret: revealSecret ? e.secret : maskSecret(e.secret),
    consecutive_failures: e.consecutive_failures,
    failing_since: toIso(e.failing_since),
    suspended_reason: e.suspended_reason,
    created_at: toIso(e.created_at)!,
    updated_at: toIso(e.updated_at)!,
  }
}

/** Deduplicated event list; `*` alone stands for every event. Unknown names → 422 `unknown_event`. */
export function validateEvents(events: string[]): string[] {
  if (events.length === 0) {
    throw new AppError(
      "validation_failed",
      'events must name at least one event (or "*" for all)',
      {
        extra: { errors: [{ path: "/events", message: "expected at least one event" }] },
      },
    )
  }
  const unknown = events.filter((e) => e !== ALL_EVENTS && !isWebhookEvent(e))
  if (unknown.length > 0) {
    throw new AppError(
      "unknown_event",
      `unknown event${unknown.length > 1 ? "s" : ""} ${unknown.map((e) => `"${e}"`).join(", ")}; known: ${WEBHOOK_EVENTS.join(", ")} or "*"`,
      {
        extra: {
          errors: events.flatMap((e, i) =>
            unknown.includes(e) ? [{ path: `/events/${i}`, message: "unknown event" }] : [],
          ),
          known_events: [...WEBHOOK_EVENTS, ALL_EVENTS],
        },
      },
    )
  }
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...new Set(events)]
}

function notFound(id: string): AppError {
  return new AppError("webhook_not_found", `no webhook endpoint with id ${id}`)
}

/** Clears the failing streak: the next delivery goes out at once, with full concurrency. */
function resetHealth(e: WebhookEndpointRow): void {
  e.consecutive_failures = 0
  e.failing_since = null
  e.last_failure_at = null
  e.retry_at = null
}

export class WebhookService {
  constructor(
    private readonly deps: {
      store: Store
      clock: Clock
      logger: Logger
      /** Told after an endpoint is created, changed or removed (the message notifier's cache). */
      onEndpointsChanged?: () => void
      /** Where the account's endpoints may point (an http(s) URL; [webhooks] private_targets). */
      targets: TargetPolicy
    },
  ) {}

  /**
   * An absolute http(s) URL of at most 2,048 characters that the account may send to
   * (target-policy.ts), or 422 `invalid_webhook_url`.
   */
  private endpointUrl(accountId: string, value: string): string {
    const reason = this.deps.targets.urlProblem(accountId, value)
    if (reason) {
      throw new AppError("invalid_webhook_url", `url "${value.slice(0, 100)}" ${reason}`, {
        extra: { errors: [{ path: "/url", message: reason }] },
      })
    }
    return value
  }

  /** See events.ts: call inside a write transaction; returns the new delivery ids. */
  enqueueEvent(event: WebhookEvent): string[] {
    return enqueueEvent(this.deps.store, event)
  }

  async create(accountId: string, input: CreateWebhookInput): Promise<WebhookEndpointView> {
    const url = this.endpointUrl(accountId, input.url)
    const events = validateEvents(input.events)
    const { store, clock } = this.deps
    const row = await store.batcher.run(() => {
      const now = clock.now()
      const id = newId("whk", now)
      store.webhooks.insertEndpoint({
        id,
        account_id: accountId,
        url,
        events: JSON.stringify(events),
        description: input.description ?? null,
        secret: generateSecret(),
        status: "active",
        created_at: now,
      })
      return store.webhooks.endpoint(id)!
    })
    this.deps.onEndpointsChanged?.()
    this.deps.logger.info(
      { webhook: row.id, account: accountId, events },
      "webhook endpoint created",
    )
    return endpointView(row, true)
  }

  list(
    accountId: string,
    q: PageQuery = {},
  ): { data: WebhookEndpointView[]; next_cursor: string | null } {
    const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE)
    const before = q.cursor ? decodeCursor("w", q.cursor) : null
    const rows = this.deps.store.webhooks.endpointsOf(accountId, before, limit + 1)
    return page(
      rows,
      limit,
      "w",
      (r) => r.id,
      (r) => endpointView(r),
    )
  }

  private owned(accountId: string, id: string): WebhookEndpointRow | null {
    const row = this.deps.store.webhooks.endpoint(id)
    return row && row.account_id === accountId ? row : null
  }

  get(accountId: string, id: string): WebhookEndpointView {
    const row = this.owned(accountId, id)
    if (!row) throw notFound(id)
    return endpointView(row)
  }

  async update(
    accountId: string,
    id: string,
    patch: UpdateWebhookInput,
  ): Promise<WebhookEndpointView> {
    const url = patch.url === undefined ? undefined : this.endpointUrl(accountId, patch.url)
    const events = patch.events === undefined ? undefined : validateEvents(patch.events)
    const { store, clock, logger } = this.deps
    const result = await store.batcher.run(() => {
      const row = this.owned(accountId, id)
      if (!row) return null
      const now = clock.now()
      const before = row.status
      let reset = false
      let wake = false
      if (url !== undefined && url !== row.url) {
        row.url = url
        reset = true // a new address deserves a fresh start
      }
      if (events !== undefined) row.events = JSON.stringify(events)
      if (patch.description !== undefined) row.description = patch.description
      if (patch.status === "active" && row.status !== "active") {
        row.status = "active"
        row.suspended_reason = null
        resetHealth(row)
        wake = true
      } else if (patch.status === "disabled" && row.status !== "disabled") {
        // Its pending deliveries wait on its status alone (store/webhook-repo.ts claim).
        row.status = "disabled"
      }
      if (reset) {
        resetHealth(row)
        if (row.status === "active") wake = true
      }
      row.updated_at = now
      store.webhooks.saveEndpoint(row)
      if (wake) store.webhooks.notifyEnqueued()
      return { row, before }
    })
    if (!result) throw notFound(id)
    this.deps.onEndpointsChanged?.()
    if (result.before !== result.row.status) {
      logger.info(
        { webhook: id, from: result.before, to: result.row.status },
        "webhook endpoint status changed through the API",
      )
    }
    return endpointView(result.row)
  }

  async remove(accountId: string, id: string): Promise<void> {
    const { store, logger } = this.deps
    const deleted = await store.batcher.run(() =>
      this.owned(accountId, id) ? store.webhooks.deleteEndpoint(id) : false,
    )
    if (!deleted) throw notFound(id)
    this.deps.onEndpointsChanged?.()
    logger.info(
      { webhook: id, account: accountId },
      "webhook endpoint deleted with its delivery log",
    )
  }

  /** Enqueues a signed `webhook.ping` to this endpoint only; answers with the delivery. */
  async ping(accountId: string, id: string): Promise<WebhookDeliveryView> {
    const { store, clock } = this.deps
    const outcome = await store.batcher.run(() => {
      const row = this.owned(accountId, id)
      if (!row) return null
      if (row.status !== "active") return row.status
      const now = clock.now()
      const deliveryId = newId("whd", now)
      store.webhooks.insertDelivery({
        id: deliveryId,
        endpoint_id: row.id,
        callback_url: null,
        account_id: accountId,
        event_type: PING_EVENT,
        message_id: null,
        order_key: null,
        payload: envelope(PING_EVENT, now, { webhook_id: row.id, url: row.url }),
        status: "pending",
        next_attempt_at: now,
        created_at: now,
      })
      if (row.consecutive_failures > 0) {
        // The ping is the next probe of a failing endpoint: no need to wait for its backoff.
        row.retry_at = now
        store.webhooks.saveEndpoint(row)
      }
      store.webhooks.notifyEnqueued()
      return store.webhooks.delivery(deliveryId)!
    })
    if (outcome === null) throw notFound(id)
    if (typeof outcome === "string") {
      throw new AppError(
        "webhook_not_active",
        `webhook endpoint ${id} is ${outcome}; re-enable it with PATCH {"status": "active"} first`,
        // Not `status`: that member is the HTTP status in a problem document (RFC 9457 §3.1.2).
        { extra: { endpoint_status: outcome } },
      )
    }
    return this.deliveryView(outcome)
  }

  /** The endpoint's deliveries newest first, each with every attempt. */
  deliveries(accountId: string, id: string, q: PageQuery & { status?: string } = {}) {
    if (!this.owned(accountId, id)) throw notFound(id)
    const limit = Math.min(q.limit ?? DEFAULT_PAGE, MAX_PAGE)
    const before = q.cursor ? decodeSeqCursor("d", q.cursor) : null
    const rows = this.deps.store.webhooks.deliveriesOf(id, before, limit + 1, q.status)
    return page(
      rows,
      limit,
      "d",
      (r) => r.seq,
      (r) => this.deliveryView(r),
    )
  }

  /**
   * A message's `callback_url` deliveries, oldest first, each with its URL and every attempt.
   * The caller has checked that the message is the account's (a few per message: no paging).
   */
  callbackDeliveries(messageId: string): (WebhookDeliveryView & { url: string })[] {
    return this.deps.store.webhooks
      .callbackDeliveriesOf(messageId)
      .map((d) => ({ url: d.callback_url!, ...this.deliveryView(d) }))
  }

  /** The secret that signs per-message `callback_url` deliveries (created on first use). */
  async callbackSecret(accountId: string): Promise<{ secret: string }> {
    const { store, clock } = this.deps
    const existing = store.webhooks.accountSecret(accountId)
    if (existing) return { secret: existing }
    const secret = await store.batcher.run(() =>
      ensureCallbackSecret(store.webhooks, accountId, clock.now()),
    )
    return { secret }
  }

  private deliveryView(d: WebhookDeliveryRow): WebhookDeliveryView {
    return {
      id: d.id,
      event_type: d.event_type,
      message_id: d.message_id,
      status: d.status,
      attempt_count: d.attempts,
      next_attempt_at: d.status === "pending" ? toIso(d.next_attempt_at) : null,
      last_status_code: d.last_status_code,
      last_error: d.last_error,
      created_at: toIso(d.created_at)!,
      updated_at: toIso(d.updated_at)!,
      payload: JSON.parse(d.payload) as unknown,
      attempts: this.deps.store.webhooks.attempts(d.seq).map((a) => ({
        at: toIso(a.at)!,
        status_code: a.status_code,
        duration_ms: a.duration_ms,
        error: a.error,
      })),
    }
  }
}
