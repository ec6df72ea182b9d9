import { normalizeCarrierId } from "../codec/carrier-id.ts"
import { segmentText } from "../codec/segment.ts"
import type {
  Connector,
  ConnectorError,
  OutboundMessage,
  SubmitOutcome,
} from "../connectors/connector.ts"
import { backoffDelay } from "../lib/backoff.ts"
import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"
import type { MessageRow, Store } from "../store/index.ts"
import { applyParkedReceipts } from "./receipts.ts"
import type { Router } from "./router.ts"

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
  connectors: readonly Connector[]
  retry: RetryPolicy
}

/** Most messages claimed per transaction: bounds memory and keeps each commit short. */
const CLAIM_BATCH = 500
/** How often the dispatcher looks again without being woken (retry timers, freed capacity). */
const IDLE_POLL_MS = 200

// Errors that say "not now" rather than "not this message": they do not spend the retry budget.
const BACKPRESSURE = new Set(["ESME_RTHROTTLED", "ESME_RMSGQFUL", "stopped"])

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
  private readonly inflight = new Set<Promise<void>>()

  constructor(private readonly deps: OutboxDeps) {}

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
    if (recovered > 0) logger.warn({ recovered }, "re-queued messages left in sending by a previous run")
    this.stopped = false
    this.timer = setInterval(() => this.wake(), IDLE_POLL_MS)
    this.wake()
  }

  /** Stops claiming and waits for what is in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await Promise.allSettled([...this.inflight])
  }

  get inFlight(): number {
    return this.inflight.size
  }

  wake(): void {
    if (this.stopped) return
    if (this.pumping) {
      this.again = true
      return
    }
    this.pumping = true
    void this.pump().finally(() => {
      this.pumping = false
      if (this.again) {
        this.again = false
        this.wake()
      }
    })
  }

  private capacity(): number {
    let total = 0
    for (const c of this.deps.connectors) if (c.health().usable) total += c.capacity()
    return total
  }

  private async pump(): Promise<void> {
    const { store, clock, logger, router } = this.deps
    while (!this.stopped) {
      const room = this.capacity()
      if (room <= 0) return
      const batch = await store.batcher.run(() => {
        const now = clock.now()
        const rows = store.messages.claimReady(now, Math.min(room, CLAIM_BATCH))
        const assigned: { row: MessageRow; connector: Connector; sentParts: Set<number> }[] = []
        for (const row of rows) {
          const decision = router.route(row.to_number)
          if (!decision.connector) {
            const wait = backoffDelay(row.attempts, { baseMs: this.deps.retry.retry_base_ms, capMs: this.deps.retry.retry_cap_ms })
            store.messages.setStatus({ id: row.id, status: "queued", at: now, notBefore: now + wait })
            store.messages.addEvent(row.id, "queued", now, `${decision.reason}; next try in ${(wait / 1000).toFixed(1)} s`)
            continue
          }
          const sentParts = new Set<number>()
          if (row.attempts > 1 && row.segments > 1) {
            for (const p of store.messages.parts(row.id)) if (p.carrier_id) sentParts.add(p.part_index)
          }
          store.messages.addEvent(row.id, "sending", now, `attempt ${row.attempts}: ${decision.reason}`)
          assigned.push({ row, connector: decision.connector, sentParts })
        }
        return { assigned, claimed: rows.length }
      })
      for (const { row, connector, sentParts } of batch.assigned) this.submit(row, connector, sentParts)
      if (batch.claimed < Math.min(room, CLAIM_BATCH)) return
      logger.trace({ claimed: batch.claimed }, "claimed a full batch; claiming more")
    }
  }

  private submit(row: MessageRow, connector: Connector, sentParts: Set<number>): void {
    const outbound = toOutbound(row, sentParts)
    const task = connector
      .submit(outbound)
      .then((outcome) => this.record(row, connector, outcome))
      .catch((error) => {
        this.deps.logger.error({ err: error, message_id: row.id }, "recording a submit outcome failed")
      })
      .finally(() => {
        this.inflight.delete(task)
        this.wake()
      })
    this.inflight.add(task)
  }

  private async record(row: MessageRow, connector: Connector, outcome: SubmitOutcome): Promise<void> {
    const { store, clock } = this.deps
    await store.batcher.run(() => {
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
            repo.addEvent(row.id, "sent", now, `part ${part.index + 1}/${row.segments} accepted by ${connector.id}, carrier id ${part.carrierId}`, part.index)
          }
        } else if (!failure) {
          failure = { index: part.index, error: part.error }
        }
      }
      if (!failure && outcome.parts.length === 0) {
        failure = { index: 0, error: { code: "no_result", temporary: true, message: "connector returned no result" } }
      }
      if (!failure) {
        const parts = repo.parts(row.id)
        const first = parts.find((p) => p.part_index === 0)
        repo.setStatus({
          id: row.id,
          status: "sent",
          at: now,
          connectorId: connector.id,
          carrierMessageId: first?.carrier_id_raw ?? undefined,
          sentAt: now,
        })
        repo.addEvent(
          row.id,
          "sent",
          now,
          multipart
            ? `all ${row.segments} parts accepted by ${connector.id}`
            : `accepted by ${connector.id}, carrier id ${first?.carrier_id_raw ?? "?"}`,
        )
        // Receipts that overtook their submit_sm_resp are applied now, after `sent`.
        for (const p of stored) applyParkedReceipts(repo, { ...p, receipt_at: null }, now)
        return
      }
      this.recordFailure(row, connector, failure, now)
    })
  }

  private recordFailure(
    row: MessageRow,
    connector: Connector,
    failure: { index: number; error: ConnectorError },
    now: number,
  ): void {
    const repo = this.deps.store.messages
    const { error } = failure
    const where = row.segments > 1 ? `part ${failure.index + 1}/${row.segments} ` : ""
    const code = error.status !== undefined ? `${error.code} (0x${error.status.toString(16).padStart(8, "0")})` : error.code
    const what = `${where}${connector.id}: ${code}: ${error.message}`
    const { max_attempts, retry_base_ms, retry_cap_ms } = this.deps.retry
    if (error.temporary) {
      const free = BACKPRESSURE.has(error.code)
      const attempts = free ? row.attempts - 1 : row.attempts
      if (attempts < max_attempts) {
        const wait = backoffDelay(attempts, { baseMs: retry_base_ms, capMs: retry_cap_ms })
        repo.setStatus({
          id: row.id,
          status: "queued",
          at: now,
          connectorId: connector.id,
          notBefore: now + wait,
          errorCode: error.code,
          errorDetail: what,
        })
        if (free) repo.setAttempts(row.id, attempts)
        repo.addEvent(row.id, "queued", now, `${what}; retry in ${(wait / 1000).toFixed(1)} s (attempt ${attempts + 1} of ${max_attempts})`)
        return
      }
      repo.setStatus({
        id: row.id,
        status: "failed",
        at: now,
        connectorId: connector.id,
        errorCode: "retries_exhausted",
        errorDetail: `gave up after ${attempts} attempts; last error ${what}`,
        finalAt: now,
      })
      repo.addEvent(row.id, "failed", now, `retries_exhausted after ${attempts} attempts; last error ${what}`)
      return
    }
    repo.setStatus({ id: row.id, status: "failed", at: now, connectorId: connector.id, errorCode: error.code, errorDetail: what, finalAt: now })
    repo.addEvent(row.id, "failed", now, `permanent error from ${what}`)
  }
}

/** Rebuilds the parts from the stored text (the split is deterministic) minus those already sent. */
export function toOutbound(row: MessageRow, sentParts: ReadonlySet<number> = new Set()): OutboundMessage {
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
