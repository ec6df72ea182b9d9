import { normalizeCarrierId } from "../codec/carrier-id.ts"
import { segmentText } from "../codec/segment.ts"
import {
  type Connector,
  type ConnectorError,
  isUsable,
  type OutboundMessage,
  refusedOutcome,
  type SubmitOutcome,
} from "../connectors/connector.ts"
import { backoffDelay } from "../lib/backoff.ts"
import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"
import type { ClaimedRow, Store } from "../store/index.ts"
import { claimFair } from "./claim-fair.ts"
import { settleCharge } from "./ledger.ts"
import { type EndStatus, endMessage } from "./message-end.ts"
import type { MessageNotifier } from "./message-notifier.ts"
import type { GatewayMetrics } from "./metrics.ts"
import { applyParkedReceipts } from "./receipts.ts"
import type { Router } from "./router.ts"
import { sandboxDecision } from "./sandbox.ts"

export interface RetryPolicy {
  max_attempts: number
  retry_base_ms: number
  retry_cap_ms: number
}

export interface OutboxDeps {
  store: Store
  clock: Clock
  logger: Logger
  router: Router
  /** The configured connectors, which routes and conversations name (not the sandbox). */
  connectors: readonly Connector[]
  retry: RetryPolicy
  metrics?: GatewayMetrics
  notifier?: MessageNotifier
  /** Where sandbox (sk_test_) messages go instead of a route (core/sandbox.ts). */
  sandbox: Connector
}

/** Most messages claimed per transaction: bounds memory and keeps each commit short. */
const CLAIM_BATCH = 500
/** How often the dispatcher looks again without being woken (retry timers, freed capacity). */
const IDLE_POLL_MS = 200
/** How often pinned replies are looked for while the routes have no room at all. */
const PINNED_POLL_MS = 100

// Errors that say "not now" rather than "not this message": they do not spend the retry budget.
const BACKPRESSURE = new Set(["ESME_RTHROTTLED", "ESME_RMSGQFUL", "stopped", "saturated"])

/**
 * The dispatch loop: claims due queued messages from SQLite (never more than the connectors can
 * take), routes each, hands it to its connector, and records the outcome. The backlog stays in
 * SQLite; memory holds only what is in flight.
 */
export class Outbox {
  private pumping = false
  private again = false
  private timer: ReturnType<typeof setInterval> | null = null
  private stopped = true
  /** Submitted and not yet recorded; stop() waits for them. */
  private inflight = 0
  private drained: PromiseWithResolvers<void> | null = null
  /** The pump under way, or the last one: stop() waits for it. */
  private pumped: Promise<void> = Promise.resolve()
  /** When the last claim looked for pinned replies (performance.now(): immune to clock steps). */
  private pinnedLookedAt = Number.NEGATIVE_INFINITY

  /** Every connector the outbox hands messages to: the configured ones and the sandbox. */
  private readonly all: readonly Connector[]

  constructor(private readonly deps: OutboxDeps) {
    this.all = [...deps.connectors, deps.sandbox]
  }

  /** Re-queues what a crash left in `sending`, then starts dispatching. */
  async start(): Promise<void> {
    const { store, clock, logger } = this.deps
    const recovered = await store.batcher.run(() => {
      const now = clock.now()
      const ids = store.messages.requeueSending(now)
      for (const id of ids) {
        store.messages.addEvent(
          id,
          "queued",
          now,
          "recovered at start: was being sent when the gateway stopped; will be submitted again",
        )
      }
      return ids.length
    })
    if (recovered > 0)
      logger.warn({ recovered }, "re-queued messages left in sending by a previous run")
    this.warnOrphanedReplies()
    this.stopped = false
    this.timer = setInterval(() => this.wake(), IDLE_POLL_MS)
    this.wake()
  }

  /** Stops claiming and waits for what is in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    // A claim under way still hands what it took to the connectors (stopping, they answer
    // `stopped` and the messages are re-queued): its submits are counted below.
    await this.pumped
    if (this.inflight > 0) {
      this.drained ??= Promise.withResolvers<void>()
      await this.drained.promise
    }
  }

  /**
   * Replies pinned to a connector that is no longer configured are never claimed: they wait
   * until it is configured again or they are canceled (an opt-out confirmation also ends with
   * its validity). Said once at start, per connector.
   */
  private warnOrphanedReplies(): void {
    const configured = new Set(this.deps.connectors.map((c) => c.id))
    for (const { connector_id, n } of this.deps.store.messages.pinnedQueued()) {
      if (configured.has(connector_id)) continue
      this.deps.logger.warn(
        { connector: connector_id, replies: n },
        "replies are pinned to a connector that is not configured; they wait until it is configured again (cancel them with POST /v1/messages/{id}/cancel)",
      )
    }
  }

  get inFlight(): number {
    return this.inflight
  }

  wake(): void {
    if (this.stopped) return
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    this.pumped = this.pump()
      .catch((error: unknown) => {
        // The claim's transaction failed (a full disk): the poll tries again.
        this.deps.logger.error({ err: error }, "claiming messages failed")
      })
      .finally(() => {
        this.pumping = false
        if (this.again) {
          this.again = false
          this.wake()
        }
      })
  }

  /**
   * Room per connector, and how many messages of each mode may be claimed now: live ones up to
   * what the routes' connectors can take, sandbox ones up to what the sandbox can. Claiming
   * more would only hand messages back.
   */
  private budget(): { budget: Map<string, number>; live: number; test: number } {
    const budget = new Map<string, number>()
    for (const c of this.all) if (isUsable(c.status())) budget.set(c.id, Math.max(0, c.capacity()))
    let live = 0
    for (const c of this.deps.router.activeConnectors()) live += budget.get(c.id) ?? 0
    const test = budget.get(this.deps.sandbox.id) ?? 0
    return { budget, live, test }
  }

  private async pump(): Promise<void> {
    const { store, clock, logger } = this.deps
    while (!this.stopped) {
      const { budget, live, test } = this.budget()
      const want = { live: Math.min(live, CLAIM_BATCH), test: Math.min(test, CLAIM_BATCH) }
      // With no room on the routes, replies pinned to a connector that has room (or is down) are
      // still looked for, at most once per PINNED_POLL_MS (with room on the routes, every claim
      // looks).
      const pinnedOnly =
        want.live <= 0 &&
        want.test <= 0 &&
        performance.now() - this.pinnedLookedAt >= PINNED_POLL_MS &&
        this.hasPinnedWork(budget)
      if (want.live <= 0 && want.test <= 0 && !pinnedOnly) return
      // No savepoint: the claim does not throw by design (see RunOptions); a replay would at
      // most take one more turn of a weighted route.
      const batch = await store.batcher.run(() => this.claimAndRoute(clock.now(), want, budget), {
        savepoint: false,
      })
      for (const { row, connector, sentParts } of batch.assigned)
        this.submit(row, connector, sentParts)
      if (pinnedOnly) return
      // Stop when the queue ran dry or the claimed messages' connectors are full: their capacity
      // frees up and wakes the pump again.
      const full =
        (want.live > 0 && batch.claimed.live === want.live) ||
        (want.test > 0 && batch.claimed.test === want.test)
      if (!full || batch.deferred > 0) return
      logger.trace({ claimed: batch.claimed }, "claimed a full batch; claiming more")
    }
  }

  /** Some connector has replies pinned to it worth looking for now (see pinnedLimit). */
  private hasPinnedWork(budget: Map<string, number>): boolean {
    return this.deps.connectors.some((c) => this.pinnedLimit(c, budget) > 0)
  }

  /**
   * How many replies pinned to `c` a claim takes: as many as it has room for, or (down, so not
   * in the budget) a batch, to put them back with the reason.
   */
  private pinnedLimit(c: Connector, budget: Map<string, number>): number {
    return Math.min(budget.get(c.id) ?? CLAIM_BATCH, CLAIM_BATCH)
  }

  /** One transaction: claim a fair share of each lane, route, and mark what goes where. */
  private claimAndRoute(
    now: number,
    want: { live: number; test: number },
    budget: Map<string, number>,
  ) {
    const { store, router } = this.deps
    const repo = store.messages
    const live = claimFair(repo, now, want.live, "live")
    const test = claimFair(repo, now, want.test, "test")
    const rows = test.length === 0 ? live : live.concat(test)
    const hasRoom = (id: string) => (budget.get(id) ?? 0) > 0
    const assigned: { row: ClaimedRow; connector: Connector; sentParts: Set<number> }[] = []
    let deferred = 0
    const place = (row: ClaimedRow): void => {
      if (row.expires_at !== null && row.expires_at <= now) {
        endMessage(
          store,
          row,
          {
            status: "expired",
            at: now,
            errorCode: "expired",
            errorDetail: "validity ended before it could be sent",
            event: `validity ended at ${new Date(row.expires_at).toISOString()} before it could be sent`,
          },
          this.deps.notifier,
        )
        return
      }
      // After a temporary error the next attempt goes elsewhere if the route has anywhere else.
      const avoid = row.error_code !== null ? row.connector_id : null
      // A reply in a conversation leaves through the connector it came in on (docs/two-way.md).
      const decision =
        row.mode === "test"
          ? sandboxDecision(this.deps.sandbox)
          : row.pinned_connector_id !== null
            ? router.pinned(row.pinned_connector_id)
            : router.route(
                { to: row.to_number, accountId: row.account_id, from: row.from_addr },
                { avoid, hasRoom },
              )
      if (decision.connector && (budget.get(decision.connector.id) ?? 0) <= 0) {
        // Its connector is full this round: hand it back untouched (same transaction, so no
        // one saw it leave `queued`; the attempt is not counted).
        repo.unclaim(row.id, row.attempts - 1)
        deferred++
        return
      }
      if (!decision.connector) {
        const wait = backoffDelay(row.attempts - 1, {
          baseMs: this.deps.retry.retry_base_ms,
          capMs: this.deps.retry.retry_cap_ms,
        })
        repo.unclaim(row.id, row.attempts - 1, now + wait)
        repo.addEvent(
          row.id,
          "queued",
          now,
          `${decision.reason}; next try in ${(wait / 1000).toFixed(1)} s`,
        )
        return
      }
      const connector = decision.connector
      budget.set(connector.id, budget.get(connector.id)! - 1)
      const sentParts = new Set<number>()
      if (row.attempts > 1 && row.segments > 1) {
        for (const p of repo.parts(row.id)) if (p.carrier_id) sentParts.add(p.part_index)
      }
      const retryNote =
        avoid && avoid !== connector.id ? ` (retry after ${avoid} failed: ${row.error_code})` : ""
      repo.addEvent(
        row.id,
        "sending",
        now,
        `attempt ${row.attempts}: ${decision.reason}${retryNote}`,
      )
      assigned.push({ row, connector, sentParts })
    }
    for (const row of rows) place(row)
    // Live replies pinned to a connector are not in the lanes above (migration 0015): claimed
    // with the room their connector has left, however full the routes are. Usually none, and one
    // index seek per connector says so.
    // A connector that is down (not in the budget) has its due ones claimed too, only to be put
    // back with a backoff and a timeline entry saying why they wait (the router's decision).
    this.pinnedLookedAt = performance.now()
    for (const c of this.deps.connectors) {
      const limit = this.pinnedLimit(c, budget)
      if (limit > 0) for (const row of repo.claimPinned(c.id, now, limit)) place(row)
    }
    return { assigned, claimed: { live: live.length, test: test.length }, deferred }
  }

  // One promise per message (the connector's) and one callback job: no promise chain per
  // message (see WriteBatcher.runThen).
  private submit(row: ClaimedRow, connector: Connector, sentParts: Set<number>): void {
    let outcome: Promise<SubmitOutcome>
    // What the failure below names: no parts yet (part 0) if building the message threw.
    let message: Pick<OutboundMessage, "parts"> = { parts: [] }
    try {
      const outbound = toOutbound(row, sentParts)
      message = outbound
      outcome = connector.submit(outbound)
    } catch (error) {
      // A connector must not throw or reject (connector.ts); if one does, it counts as a
      // temporary failure of the message, retried like any other.
      outcome = Promise.reject(error)
    }
    this.inflight++
    outcome.then(
      (o) => this.record(row, connector, o),
      (error: unknown) => {
        this.deps.logger.error(
          { err: error, message_id: row.id, connector: connector.id },
          "the connector's submit failed; recorded as a temporary failure",
        )
        const failure = {
          code: "connector_error",
          temporary: true,
          message: `connector error: ${(error as Error)?.message ?? String(error)}`,
        }
        this.record(row, connector, refusedOutcome(message, failure, this.deps.clock.now()))
      },
    )
  }

  /** After the outcome is committed (or failed to be): frees its place and looks for more. */
  private recorded(ok: boolean, error: unknown, row: ClaimedRow): void {
    if (--this.inflight === 0 && this.drained) {
      this.drained.resolve()
      this.drained = null
    }
    if (!ok) {
      this.deps.logger.error(
        { err: error, message_id: row.id },
        "recording a submit outcome failed",
      )
    }
    this.wake()
  }

  private record(row: ClaimedRow, connector: Connector, outcome: SubmitOutcome): void {
    const { store, clock } = this.deps
    store.batcher.runThen(
      () => {
        const now = clock.now()
        const repo = store.messages
        const multipart = row.segments > 1
        let failure: { index: number; error: ConnectorError } | null = null
        const stored = []
        for (const part of outcome.parts) {
          if (part.ok) {
            const partRow = {
              message_id: row.id,
              part_index: part.index,
              connector_id: connector.id,
              carrier_id: normalizeCarrierId(part.carrierId),
              carrier_id_raw: part.carrierId,
              status: "sent",
              error: null,
              submitted_at: part.at,
            }
            repo.upsertPart(partRow)
            stored.push(partRow)
            if (multipart) {
              repo.addEvent(
                row.id,
                "sent",
                now,
                `part ${part.index + 1}/${row.segments} accepted by ${connector.id}, carrier id ${part.carrierId}`,
                part.index,
              )
            }
          } else if (!failure) {
            failure = { index: part.index, error: part.error }
          }
        }
        if (!failure && outcome.parts.length === 0) {
          failure = {
            index: 0,
            error: { code: "no_result", temporary: true, message: "connector returned no result" },
          }
        }
        if (!failure) {
          // Part 0 was stored now, or (a retry of later parts) by an earlier attempt.
          const first =
            stored.find((p) => p.part_index === 0) ??
            repo.parts(row.id).find((p) => p.part_index === 0)
          // False when a receipt for an earlier part ended the message while these were in
          // flight: their carrier ids and part events are kept (later receipts match them).
          const sent = repo.setStatus({
            id: row.id,
            status: "sent",
            at: now,
            connectorId: connector.id,
            carrierMessageId: first?.carrier_id_raw ?? undefined,
            sentAt: now,
          })
          if (!sent) return
          repo.addEvent(
            row.id,
            "sent",
            now,
            multipart
              ? `all ${row.segments} parts accepted by ${connector.id}`
              : `accepted by ${connector.id}, carrier id ${first?.carrier_id_raw ?? "?"}`,
          )
          this.deps.metrics?.submitted.labels(connector.id, "sent").inc()
          this.deps.metrics?.submitLatency
            .labels(connector.id)
            .observe(Math.max(0, now - row.created_at) / 1000)
          this.deps.notifier?.notify(row, "message.sent", now)
          settleCharge(store.ledger, row.id, now, row.account_id)
          // Receipts that overtook their submit_sm_resp are applied now, after `sent`.
          for (const p of stored)
            applyParkedReceipts(store, { ...p, receipt_at: null }, now, this.deps.notifier)
          return
        }
        this.recordFailure(row, connector, failure, now)
      },
      (ok, error) => this.recorded(ok, error, row),
      { savepoint: false },
    )
  }

  /**
   * Opted out after it was accepted. (The STOP confirmation is created with the opt-out, not
   * after it; anything accepted later was refused at accept.)
   */
  private optedOut(row: ClaimedRow): boolean {
    const optOut = this.deps.store.optOuts.get(row.account_id, row.to_number)
    return optOut !== null && optOut.created_at > row.created_at
  }

  private recordFailure(
    row: ClaimedRow,
    connector: Connector,
    failure: { index: number; error: ConnectorError },
    now: number,
  ): void {
    const repo = this.deps.store.messages
    const { error } = failure
    const where = row.segments > 1 ? `part ${failure.index + 1}/${row.segments} ` : ""
    const code =
      error.status !== undefined
        ? `${error.code} (0x${error.status.toString(16).padStart(8, "0")})`
        : error.code
    const what = `${where}${connector.id}: ${code}: ${error.message}`
    const { max_attempts, retry_base_ms, retry_cap_ms } = this.deps.retry
    const metrics = this.deps.metrics
    const { store, notifier } = this.deps
    const fail = (
      errorCode: string,
      errorDetail: string,
      event: string,
      status: EndStatus = "failed",
    ) => {
      const end = { status, at: now, connectorId: connector.id, errorCode, errorDetail, event }
      if (endMessage(store, row, end, notifier))
        metrics?.submitted.labels(connector.id, "failed").inc()
    }
    if (error.temporary && this.optedOut(row)) {
      // The recipient opted out while this attempt was in flight: no retry.
      const why = `${what}; not retried: the recipient has opted out`
      fail("recipient_opted_out", why, why, "canceled")
      return
    }
    if (error.temporary) {
      const free = BACKPRESSURE.has(error.code)
      const attempts = free ? row.attempts - 1 : row.attempts
      if (attempts < max_attempts) {
        const wait = backoffDelay(attempts, { baseMs: retry_base_ms, capMs: retry_cap_ms })
        const requeued = repo.setStatus({
          id: row.id,
          status: "queued",
          at: now,
          connectorId: connector.id,
          notBefore: now + wait,
          errorCode: error.code,
          errorDetail: what,
        })
        if (!requeued) return // a receipt ended it meanwhile
        if (free) repo.setAttempts(row.id, attempts)
        repo.addEvent(
          row.id,
          "queued",
          now,
          `${what}; retry in ${(wait / 1000).toFixed(1)} s (attempt ${attempts + 1} of ${max_attempts})`,
        )
        metrics?.submitted.labels(connector.id, "retry").inc()
        return
      }
      const detail = `gave up after ${attempts} attempts; last error ${what}`
      fail(
        "retries_exhausted",
        detail,
        `retries_exhausted after ${attempts} attempts; last error ${what}`,
      )
      return
    }
    fail(error.code, what, `permanent error from ${what}`)
  }
}

/** Rebuilds the parts from the stored text (the split is deterministic) minus those already sent. */
export function toOutbound(
  row: ClaimedRow,
  sentParts: ReadonlySet<number> = new Set(),
): OutboundMessage {
  const segmented = segmentText(row.body)
  return {
    id: row.id,
    to: row.to_number,
    from: row.from_addr,
    encoding: segmented.encoding,
    partCount: segmented.parts.length,
    parts: segmented.parts
      .map((text, index) => ({ index, text }))
      .filter((p) => !sentParts.has(p.index)),
    reference: row.reference,
    requestReceipt: true,
  }
}
