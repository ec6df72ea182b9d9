/**
 * Sends stored webhook deliveries: claims due rows from SQLite, POSTs them signed (Standard
 * Webhooks), records every attempt, retries with backoff, and suspends endpoints that keep
 * failing. It never holds the write path: HTTP runs outside any transaction, and each claim or
 * result is one short job on the group-commit batcher. See docs/webhooks.md.
 */
import type { Clock } from "../../lib/clock.ts"
import type { Logger } from "../../lib/logger.ts"
import type { Store } from "../../store/index.ts"
import { type Claimed, DeliveryClaimer } from "./claim.ts"
import { type AttemptOutcome, recordOutcome } from "./outcome.ts"
import {
  DEFAULT_WEBHOOK_WORKER_OPTIONS,
  parseRetryAfter,
  type WebhookWorkerOptions,
} from "./retry-policy.ts"
import { signatureHeaders } from "./signature.ts"
import type { TargetPolicy } from "./target-policy.ts"

export type { WebhookWorkerOptions } from "./retry-policy.ts"
export {
  DEFAULT_BACKOFF,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_AGE_MS,
  DEFAULT_MAX_CONSECUTIVE_FAILURES,
  DEFAULT_PER_ENDPOINT_CONCURRENCY,
  DEFAULT_POLL_MS,
  DEFAULT_STOP_GRACE_MS,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_WEBHOOK_WORKER_OPTIONS,
  retryDelay,
} from "./retry-policy.ts"

/** Bytes of a failed answer kept in the attempt's error, for the delivery log. */
const ERROR_BODY_CHARS = 200
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return ""
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < ERROR_BODY_CHARS * 4) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, ERROR_BODY_CHARS)
}

/** `work`'s result, or the signal's reason as soon as it aborts (without cancelling `work`). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener("abort", onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort))
  })
}

const STOPPING = new Error("the gateway is stopping")
const TIMED_OUT = new Error("timed out")
/** The account may not send to this URL's address (target-policy.ts): a failed attempt. */
class RefusedTarget extends Error {}

export interface WebhookWorkerDeps {
  store: Store
  clock: Clock
  logger: Logger
  options?: Partial<WebhookWorkerOptions>
  /** `User-Agent` of every request. */
  userAgent?: string
  /** Where each account's requests may go ([webhooks] private_targets). */
  targets: TargetPolicy
}

export class WebhookDeliveryWorker {
  readonly options: WebhookWorkerOptions
  private stopped = true
  private pumping: Promise<void> | null = null
  private again = false
  private poll: ReturnType<typeof setInterval> | null = null
  private dueTimer: ReturnType<typeof setTimeout> | null = null
  private dueAt = Number.POSITIVE_INFINITY
  private readonly inflight = new Set<Promise<void>>()
  private readonly aborts = new Set<AbortController>()
  /** Failing endpoints with their one probe in flight. */
  private readonly probing = new Set<string>()
  /** Requests in flight per endpoint id or callback origin. */
  private readonly perTarget = new Map<string, number>()
  private readonly claimer: DeliveryClaimer

  constructor(private readonly deps: WebhookWorkerDeps) {
    this.options = { ...DEFAULT_WEBHOOK_WORKER_OPTIONS, ...deps.options }
    this.claimer = new DeliveryClaimer(deps.store.webhooks, this.options)
  }

  get inFlight(): number {
    return this.inflight.size
  }

  /** Puts back what a crash left `delivering` (recording the lost attempt), then starts. */
  async start(): Promise<void> {
    const { store, clock, logger } = this.deps
    const repo = store.webhooks
    const recovered = await store.batcher.run(() => {
      const now = clock.now()
      const rows = repo.delivering()
      for (const r of rows) {
        const error = "interrupted: the gateway stopped before an answer arrived"
        repo.addAttempt({
          delivery_seq: r.seq,
          attempt: r.attempts + 1,
          at: r.updated_at,
          status_code: null,
          duration_ms: null,
          error,
        })
        repo.settle(r, {
          status: "pending",
          attempts: r.attempts + 1,
          nextAttemptAt: now,
          statusCode: r.last_status_code,
          error,
          at: now,
        })
      }
      // The claim walks endpoints by their has_open flag: set them all from what is stored.
      repo.recountOpen()
      return rows.length
    })
    if (recovered > 0)
      logger.warn(
        { recovered },
        "webhook deliveries left in flight by a previous run will be sent again",
      )
    this.stopped = false
    repo.onEnqueued(() => this.wake())
    this.poll = setInterval(() => this.wake(), this.options.pollMs)
    this.wake()
  }

  /** Stops claiming; waits up to stopGraceMs for requests in flight, then aborts them (left pending). */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.deps.store.webhooks.onEnqueued(null)
    if (this.poll) clearInterval(this.poll)
    if (this.dueTimer) clearTimeout(this.dueTimer)
    this.poll = null
    this.dueTimer = null
    await this.pumping
    if (this.inflight.size === 0) return
    let timer: ReturnType<typeof setTimeout> | undefined
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.stopGraceMs)
    })
    await Promise.race([Promise.allSettled([...this.inflight]), grace])
    clearTimeout(timer)
    for (const controller of this.aborts) controller.abort(STOPPING)
    await Promise.allSettled([...this.inflight])
  }

  /** Looks for due deliveries now (called on enqueue, on each result, by timers). */
  wake(): void {
    if (this.stopped) return
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = (async () => {
      // Never inside the caller's stack: enqueueEvent calls this from within a transaction.
      await Promise.resolve()
      try {
        await this.pump()
      } catch (error) {
        this.deps.logger.error({ err: error }, "webhook worker: claiming deliveries failed")
      }
    })().finally(() => {
      this.pumping = null
      if (this.again) {
        this.again = false
        this.wake()
      } else {
        this.scheduleNext()
      }
    })
  }

  private async pump(): Promise<void> {
    const { store, clock } = this.deps
    while (!this.stopped) {
      const room = this.options.concurrency - this.inflight.size
      if (room <= 0) return
      const claimed = await store.batcher.run(() =>
        this.claimer.claim(clock.now(), room, { perTarget: this.perTarget, probing: this.probing }),
      )
      if (this.stopped) {
        // stop() came while claiming: hand them back untried rather than start requests now.
        await store.batcher.run(() => {
          for (const d of claimed) store.webhooks.unclaim(d.seq, clock.now())
        })
        return
      }
      for (const d of claimed) this.send(d)
      if (claimed.length < room) return
    }
  }

  /** A timer for the next retry that falls before the next poll. */
  private scheduleNext(): void {
    if (this.stopped) return
    const now = this.deps.clock.now()
    const at = this.deps.store.webhooks.nextDueAfter(now)
    if (at === null || at - now >= this.options.pollMs) return
    if (this.dueTimer && this.dueAt <= at) return
    if (this.dueTimer) clearTimeout(this.dueTimer)
    this.dueAt = at
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null
      this.dueAt = Number.POSITIVE_INFINITY
      this.wake()
    }, at - now)
  }

  private send(d: Claimed): void {
    this.perTarget.set(d.target, (this.perTarget.get(d.target) ?? 0) + 1)
    if (d.probe && d.endpointId) this.probing.add(d.endpointId)
    const task = this.attempt(d).finally(() => {
      this.inflight.delete(task)
      const left = (this.perTarget.get(d.target) ?? 1) - 1
      if (left > 0) this.perTarget.set(d.target, left)
      else this.perTarget.delete(d.target)
      if (d.probe && d.endpointId) this.probing.delete(d.endpointId)
      this.wake()
    })
    this.inflight.add(task)
  }

  private async attempt(d: Claimed): Promise<void> {
    const { store, clock, logger } = this.deps
    const started = clock.now()
    const t0 = performance.now()
    const controller = new AbortController()
    this.aborts.add(controller)
    const timer = setTimeout(() => controller.abort(TIMED_OUT), this.options.timeoutMs)
    let outcome: AttemptOutcome
    try {
      // The DNS check is part of the attempt: its time counts against the timeout, and a lookup
      // that hangs (it cannot be cancelled) does not hold the slot past it.
      const refused = await untilAborted(
        this.deps.targets.sendProblem(d.accountId, d.url),
        controller.signal,
      )
      if (refused) throw new RefusedTarget(refused)
      const res = await fetch(d.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": this.deps.userAgent ?? "Signalbox-Webhooks",
          ...signatureHeaders(d.secret, d.id, started, d.payload),
        },
        body: d.payload,
        // Standard Webhooks: a 3xx is a failure; following it would hide a stale URL.
        redirect: "manual",
        signal: controller.signal,
      })
      const ok = res.status >= 200 && res.status < 300
      let snippet = ""
      if (ok) await res.body?.cancel().catch(() => {})
      else snippet = await readSnippet(res).catch(() => "")
      outcome = {
        ok,
        statusCode: res.status,
        error: ok ? null : `HTTP ${res.status}${snippet ? `: ${snippet}` : ""}`,
        retryAfterMs: parseRetryAfter(res.headers.get("retry-after"), clock.now()),
        interrupted: false,
      }
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : null
      outcome = {
        ok: false,
        statusCode: null,
        error:
          error instanceof RefusedTarget
            ? `not sent: the URL ${error.message}`
            : reason === STOPPING
              ? "interrupted: the gateway stopped before an answer arrived"
              : reason === TIMED_OUT
                ? `timed out after ${this.options.timeoutMs} ms`
                : `request failed: ${(error as Error).message}`,
        retryAfterMs: null,
        interrupted: reason === STOPPING,
      }
    } finally {
      clearTimeout(timer)
      this.aborts.delete(controller)
    }
    const duration = Math.round(performance.now() - t0)
    try {
      const notices = await store.batcher.run(() =>
        recordOutcome(
          store.webhooks,
          this.options,
          { seq: d.seq, started, durationMs: duration, now: clock.now() },
          outcome,
        ),
      )
      for (const n of notices) {
        // Counted after the commit: it reads the endpoint's whole backlog.
        if (n.countWaitingOf)
          n.fields.paused_deliveries = store.webhooks.waitingCount(n.countWaitingOf)
        logger[n.level](n.fields, n.msg)
      }
    } catch (error) {
      // The row stays `delivering`; the next start puts it back (at-least-once).
      logger.error({ err: error, delivery: d.id }, "recording a webhook attempt failed")
    }
  }
}
