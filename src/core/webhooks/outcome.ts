/**
 * What one attempt's result does to the store, in one transaction: the attempt row, the
 * delivery's next state, the per-message order, and the endpoint's health (circuit breaker and
 * suspension). docs/webhooks.md describes the rules; this is their single implementation.
 *
 * Endpoint health lives on the endpoint row only: failing, recovering, suspending write that row
 * and the delivery attempted, never the endpoint's other deliveries, however many are waiting
 * (the worker reads the endpoint's retry time and status when it claims).
 */
import type { WebhookEndpointRow, WebhookRepo } from "../../store/webhook-repo.ts"
import { retryWait, type WebhookWorkerOptions } from "./retry-policy.ts"

export interface AttemptOutcome {
  ok: boolean
  statusCode: number | null
  error: string | null
  retryAfterMs: number | null
  /** Aborted by stop(): not the receiver's fault, not counted against the endpoint. */
  interrupted: boolean
}

/** A log line to write after the transaction commits. */
export interface Notice {
  level: "info" | "warn"
  fields: Record<string, unknown>
  msg: string
  /** Add `paused_deliveries`, this endpoint's waiting count, after the commit (it reads all). */
  countWaitingOf?: string
}

/** The URL without credentials, for logs. */
function loggableUrl(value: string): string {
  try {
    const url = new URL(value)
    url.username = ""
    url.password = ""
    return url.toString()
  } catch {
    return "(invalid URL)"
  }
}

/** Suspends the endpoint: its pending deliveries wait, `paused`, until it is re-enabled. */
function suspend(
  repo: WebhookRepo,
  endpoint: WebhookEndpointRow,
  reason: string,
  now: number,
): Notice {
  endpoint.status = "suspended"
  endpoint.suspended_reason = reason
  endpoint.retry_at = null
  endpoint.updated_at = now
  repo.saveEndpoint(endpoint)
  return {
    level: "warn",
    fields: {
      webhook: endpoint.id,
      account: endpoint.account_id,
      url: loggableUrl(endpoint.url),
      reason,
      consecutive_failures: endpoint.consecutive_failures,
      failing_since:
        endpoint.failing_since === null ? null : new Date(endpoint.failing_since).toISOString(),
    },
    msg: "webhook endpoint suspended; its deliveries are paused until it is re-enabled",
    countWaitingOf: endpoint.id,
  }
}

/**
 * Records the attempt of delivery `seq` that started at `started`. Returns the log lines to
 * write once committed. A delivery no longer `delivering` (its endpoint was deleted) is skipped.
 */
export function recordOutcome(
  repo: WebhookRepo,
  options: Pick<WebhookWorkerOptions, "maxAgeMs" | "maxConsecutiveFailures" | "backoff">,
  attempt: { seq: number; started: number; durationMs: number; now: number },
  o: AttemptOutcome,
): Notice[] {
  const { maxAgeMs, maxConsecutiveFailures } = options
  const { started, now } = attempt
  const row = repo.deliveryBySeq(attempt.seq)
  if (row?.status !== "delivering") return []
  const attempts = row.attempts + 1
  const notices: Notice[] = []
  repo.addAttempt({
    delivery_seq: row.seq,
    attempt: attempts,
    at: started,
    status_code: o.statusCode,
    duration_ms: attempt.durationMs,
    error: o.error,
  })
  const settle = (status: "pending" | "succeeded" | "failed", nextAttemptAt: number) =>
    repo.settle(row, {
      status,
      attempts,
      nextAttemptAt,
      statusCode: o.statusCode ?? row.last_status_code,
      error: o.error,
      at: now,
    })

  if (o.interrupted) {
    settle("pending", now)
    return notices
  }
  const endpoint = row.endpoint_id ? repo.endpoint(row.endpoint_id) : null
  if (o.ok) {
    settle("succeeded", row.next_attempt_at)
    if (row.order_key) repo.releaseSuccessors(row.order_key, row.seq, now)
    if (endpoint && endpoint.consecutive_failures > 0) {
      const failures = endpoint.consecutive_failures
      endpoint.consecutive_failures = 0
      endpoint.failing_since = null
      endpoint.last_failure_at = null
      endpoint.retry_at = null
      endpoint.updated_at = now
      // Its held deliveries wait on this row alone: clearing the streak releases them all.
      repo.saveEndpoint(endpoint)
      notices.push({
        level: "info",
        fields: { webhook: endpoint.id, failures },
        msg: "webhook endpoint answers again; releasing its held deliveries",
      })
    }
    return notices
  }

  let next: number
  if (endpoint) {
    if (endpoint.status !== "active") {
      // Suspended or disabled while this was in flight: it waits with the others.
      settle("pending", now)
      return notices
    }
    if (o.statusCode === 410) {
      // Standard Webhooks: 410 Gone means the receiver wants no more webhooks from us.
      settle("pending", now)
      notices.push(suspend(repo, endpoint, "the receiver answered 410 Gone", now))
      return notices
    }
    // Requests already in flight when a failure was counted fail together: count them once.
    const overlapping = endpoint.last_failure_at !== null && started < endpoint.last_failure_at
    if (!overlapping) {
      endpoint.consecutive_failures += 1
      endpoint.failing_since ??= started
      endpoint.last_failure_at = now
      endpoint.retry_at =
        now + retryWait(endpoint.consecutive_failures, o.retryAfterMs, options.backoff)
    }
    const failingFor = now - (endpoint.failing_since ?? now)
    if (endpoint.consecutive_failures >= maxConsecutiveFailures || failingFor >= maxAgeMs) {
      settle("pending", now)
      const why =
        endpoint.consecutive_failures >= maxConsecutiveFailures
          ? `${endpoint.consecutive_failures} consecutive failed attempts`
          : `no successful delivery for ${Math.round(failingFor / 60_000)} min`
      notices.push(suspend(repo, endpoint, `${why}; last: ${o.error}`, now))
      return notices
    }
    endpoint.updated_at = now
    repo.saveEndpoint(endpoint)
    // The endpoint's retry time holds this delivery with all the others (the worker reads it,
    // the delivery log shows it); the row itself is ready whenever the endpoint is.
    next = now
  } else {
    next = now + retryWait(attempts, o.retryAfterMs, options.backoff)
  }
  if (o.statusCode === 410 || now - row.created_at >= maxAgeMs) {
    settle("failed", row.next_attempt_at)
    if (row.order_key) repo.releaseSuccessors(row.order_key, row.seq, now)
    notices.push({
      level: "info",
      fields: {
        delivery: row.id,
        endpoint: row.endpoint_id,
        callback_url: row.callback_url ? loggableUrl(row.callback_url) : null,
        attempts,
        last_error: o.error,
      },
      msg: "webhook delivery failed for good",
    })
    return notices
  }
  settle("pending", next)
  // A callback delivery's later events wait for its retry (an endpoint's wait on the endpoint).
  if (row.order_key && next > now) repo.pushSuccessors(row.order_key, row.seq, next)
  return notices
}
