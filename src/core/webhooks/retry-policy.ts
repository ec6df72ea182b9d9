/**
 * How long and how often a webhook delivery is tried: the worker's options, their defaults, and
 * the retry schedule. The integrator maps a `[webhooks]` config section onto these names.
 */
import { backoffDelay } from "../../lib/backoff.ts"

export interface WebhookWorkerOptions {
  /** Per attempt: no answer by then is a failure (`timed out`). */
  timeoutMs: number
  /** A delivery is retried until an attempt fails this long after the event; an endpoint failing
   * without a single 2xx for this long is suspended. */
  maxAgeMs: number
  /** Failed attempts in a row (no 2xx between) that suspend an endpoint. */
  maxConsecutiveFailures: number
  /** Retry n waits about baseMs·2^(n-1), capped at maxMs, with jitter (see retryDelay). */
  backoff: { baseMs: number; maxMs: number }
  /** Requests in flight at once, all endpoints together. */
  concurrency: number
  /** Requests in flight at once to one endpoint (or one callback host), so a slow receiver
   * cannot take every slot. */
  perEndpointConcurrency: number
  /** Look for due rows this often even when nothing woke the worker. */
  pollMs: number
  /** stop() waits this long for requests in flight, then aborts them (they stay pending). */
  stopGraceMs: number
}

// Defaults, each with its reason.
/** 10 s: enough for a receiver that answers before processing; Standard Webhooks suggests 15–30 s at most. */
export const DEFAULT_TIMEOUT_MS = 10_000
/** 24 h: covers a receiver's overnight outage. */
export const DEFAULT_MAX_AGE_MS = 24 * 60 * 60 * 1000
/** 50: with the default schedule the 24 h window (~33 attempts) suspends first; this bound matters when the backoff is shortened. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 50
/** 5 s, 10 s, 20 s … then hourly: close to the Standard Webhooks example schedule. */
export const DEFAULT_BACKOFF = { baseMs: 5_000, maxMs: 60 * 60 * 1000 }
/** 16 requests in flight: plenty for receivers that answer in tens of ms; bounded sockets. */
export const DEFAULT_CONCURRENCY = 16
/** 8: half the slots, so one slow receiver leaves room for the others. */
export const DEFAULT_PER_ENDPOINT_CONCURRENCY = 8
/** 1 s: the worker is woken on every enqueue and result; polling is only the safety net. */
export const DEFAULT_POLL_MS = 1_000
/** 2 s: a clean stop does not wait for a slow receiver's full timeout. */
export const DEFAULT_STOP_GRACE_MS = 2_000

export const DEFAULT_WEBHOOK_WORKER_OPTIONS: WebhookWorkerOptions = {
  timeoutMs: DEFAULT_TIMEOUT_MS,
  maxAgeMs: DEFAULT_MAX_AGE_MS,
  maxConsecutiveFailures: DEFAULT_MAX_CONSECUTIVE_FAILURES,
  backoff: DEFAULT_BACKOFF,
  concurrency: DEFAULT_CONCURRENCY,
  perEndpointConcurrency: DEFAULT_PER_ENDPOINT_CONCURRENCY,
  pollMs: DEFAULT_POLL_MS,
  stopGraceMs: DEFAULT_STOP_GRACE_MS,
}

/**
 * Delay before retry n (1-based): step = min(maxMs, baseMs·2^(n-1)), uniformly jittered within
 * [0.8·step, step] (backoffDelay's window for one doubling). Unlike full jitter this keeps every
 * gap longer than the one before until the cap, like the Standard Webhooks schedule, while
 * receivers that failed together still do not get their retries in lockstep.
 */
export function retryDelay(
  n: number,
  backoff: { baseMs: number; maxMs: number },
  random = Math.random,
): number {
  const step = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, n - 1))
  return backoffDelay(1, { baseMs: step * 0.8, capMs: step }, random)
}

/** `Retry-After` in seconds or as an HTTP date (RFC 9110 §10.2.3), as ms from now. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

/** The wait before retry n, honouring the receiver's `Retry-After` up to the backoff cap. */
export function retryWait(
  n: number,
  retryAfterMs: number | null,
  backoff: { baseMs: number; maxMs: number },
): number {
  const delay = retryDelay(n, backoff)
  return retryAfterMs === null ? delay : Math.max(delay, Math.min(retryAfterMs, backoff.maxMs))
}
