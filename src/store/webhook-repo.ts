import type { Database, Statement } from "bun:sqlite"

export type WebhookEndpointStatus = "active" | "suspended" | "disabled"
export type WebhookDeliveryStatus =
  | "pending"
  | "delivering"
  | "succeeded"
  | "failed"
  | "abandoned"
  | "paused"

export interface WebhookEndpointRow {
  id: string
  account_id: string
  url: string
  /** JSON array of event types, or ["*"]. */
  events: string
  description: string | null
  secret: string
  status: WebhookEndpointStatus
  consecutive_failures: number
  suspended_reason: string | null
  failing_since: number | null
  last_failure_at: number | null
  retry_at: number | null
  created_at: number
  updated_at: number
}

export interface WebhookDeliveryRow {
  seq: number
  id: string
  endpoint_id: string | null
  callback_url: string | null
  account_id: string
  event_type: string
  message_id: string | null
  order_key: string | null
  payload: string
  status: WebhookDeliveryStatus
  attempts: number
  next_attempt_at: number
  last_status_code: number | null
  last_error: string | null
  created_at: number
  updated_at: number
}

export type NewDelivery = Omit<
  WebhookDeliveryRow,
  "seq" | "attempts" | "last_status_code" | "last_error" | "updated_at"
>

/** A due delivery with what sending it needs from its endpoint (NULLs for a callback URL). */
export interface DueDeliveryRow extends WebhookDeliveryRow {
  ep_url: string | null
  ep_secret: string | null
  ep_status: WebhookEndpointStatus | null
  ep_consecutive_failures: number | null
  ep_retry_at: number | null
}

export interface WebhookAttemptRow {
  delivery_seq: number
  attempt: number
  at: number
  status_code: number | null
  duration_ms: number | null
  error: string | null
}

/** The endpoint columns a subscriber lookup needs on the event path. */
export interface ActiveEndpoint {
  id: string
  events: string
  consecutive_failures: number
  retry_at: number | null
}

// Partial indexes on open deliveries: SQLite uses one only when the query repeats its WHERE term
// verbatim (it does not infer `status IN (…)` from `status = 'pending'`).
const OPEN = "status IN ('pending', 'delivering', 'paused')"

/**
 * Webhook endpoints, deliveries and attempts. Synchronous: callers own transactions (the event
 * path calls it inside the transaction that changes a message; the worker through the batcher).
 */
export class WebhookRepo {
  private readonly q: {
    insertEndpoint: Statement
    endpoint: Statement<WebhookEndpointRow, [string]>
    endpointsOf: Statement<WebhookEndpointRow, [string, string, number]>
    activeOf: Statement<ActiveEndpoint, [string]>
    saveEndpoint: Statement
    deleteEndpoint: Statement
    accountSecret: Statement<{ secret: string }, [string]>
    putAccountSecret: Statement
    insertDelivery: Statement
    delivery: Statement<WebhookDeliveryRow, [string]>
    deliveryBySeq: Statement<WebhookDeliveryRow, [number]>
    deliveriesOf: Statement<WebhookDeliveryRow, [string, number, number]>
    deliveriesOfStatus: Statement<WebhookDeliveryRow, [string, number, string, number]>
    attempts: Statement<WebhookAttemptRow, [number]>
    addAttempt: Statement
    due: Statement<DueDeliveryRow, [number, number]>
    markDelivering: Statement
    setNext: Statement
    unclaim: Statement
    settle: Statement
    pushEndpoint: Statement
    releaseEndpoint: Statement
    pauseEndpoint: Statement
    resumeEndpoint: Statement
    pushSuccessors: Statement
    releaseSuccessors: Statement
    delivering: Statement<WebhookDeliveryRow, []>
    nextDue: Statement<{ at: number | null }, [number]>
  }

  /** Called after deliveries are inserted (inside the writer's transaction): wakes the worker. */
  private listener: (() => void) | null = null

  constructor(db: Database) {
    this.q = {
      insertEndpoint: db.prepare(
        `INSERT INTO webhook_endpoints (id, account_id, url, events, description, secret, status,
           created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)`,
      ),
      endpoint: db.query("SELECT * FROM webhook_endpoints WHERE id = ?"),
      endpointsOf: db.query(
        "SELECT * FROM webhook_endpoints WHERE account_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
      ),
      activeOf: db.query(
        `SELECT id, events, consecutive_failures, retry_at FROM webhook_endpoints
         WHERE account_id = ? AND status = 'active'`,
      ),
      saveEndpoint: db.prepare(
        `UPDATE webhook_endpoints SET url = ?2, events = ?3, description = ?4, status = ?5,
           consecutive_failures = ?6, suspended_reason = ?7, failing_since = ?8,
           last_failure_at = ?9, retry_at = ?10, updated_at = ?11
         WHERE id = ?1`,
      ),
      deleteEndpoint: db.prepare("DELETE FROM webhook_endpoints WHERE id = ?"),
      accountSecret: db.query("SELECT secret FROM webhook_account_secrets WHERE account_id = ?"),
      putAccountSecret: db.prepare(
        "INSERT OR IGNORE INTO webhook_account_secrets (account_id, secret, created_at) VALUES (?, ?, ?)",
      ),
      insertDelivery: db.prepare(
        `INSERT INTO webhook_deliveries (id, endpoint_id, callback_url, account_id, event_type,
           message_id, order_key, payload, status, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)`,
      ),
      delivery: db.query("SELECT * FROM webhook_deliveries WHERE id = ?"),
      deliveryBySeq: db.query("SELECT * FROM webhook_deliveries WHERE seq = ?"),
      deliveriesOf: db.query(
        "SELECT * FROM webhook_deliveries WHERE endpoint_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
      ),
      deliveriesOfStatus: db.query(
        `SELECT * FROM webhook_deliveries WHERE endpoint_id = ?1 AND seq < ?2 AND status = ?3
         ORDER BY seq DESC LIMIT ?4`,
      ),
      attempts: db.query("SELECT * FROM webhook_attempts WHERE delivery_seq = ? ORDER BY attempt"),
      addAttempt: db.prepare(
        `INSERT INTO webhook_attempts (delivery_seq, attempt, at, status_code, duration_ms, error)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      // Due pending rows, oldest first, skipping any whose message has an earlier open delivery
      // to the same destination (per-message order). Only the partial indexes are walked.
      due: db.query(
        `SELECT d.*, e.url AS ep_url, e.secret AS ep_secret, e.status AS ep_status,
           e.consecutive_failures AS ep_consecutive_failures, e.retry_at AS ep_retry_at
         FROM webhook_deliveries d INDEXED BY webhook_deliveries_due
         LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= ?1
           AND (d.order_key IS NULL OR NOT EXISTS (
             SELECT 1 FROM webhook_deliveries p INDEXED BY webhook_deliveries_order
             WHERE p.order_key = d.order_key AND p.seq < d.seq AND p.${OPEN}))
         ORDER BY d.next_attempt_at, d.seq LIMIT ?2`,
      ),
      // While in flight, next_attempt_at is the lease end (attempt start + timeout).
      markDelivering: db.prepare(
        "UPDATE webhook_deliveries SET status = 'delivering', updated_at = ?2, next_attempt_at = ?3 WHERE seq = ?1",
      ),
      setNext: db.prepare("UPDATE webhook_deliveries SET next_attempt_at = ?2 WHERE seq = ?1"),
      unclaim: db.prepare(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?2, updated_at = ?2
         WHERE seq = ?1 AND status = 'delivering'`,
      ),
      settle: db.prepare(
        `UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4,
           last_status_code = ?5, last_error = ?6, updated_at = ?7
         WHERE seq = ?1`,
      ),
      pushEndpoint: db.prepare(
        `UPDATE webhook_deliveries SET next_attempt_at = ?2
         WHERE endpoint_id = ?1 AND ${OPEN} AND status = 'pending' AND seq <> ?3`,
      ),
      releaseEndpoint: db.prepare(
        `UPDATE webhook_deliveries SET next_attempt_at = ?2
         WHERE endpoint_id = ?1 AND ${OPEN} AND status = 'pending' AND next_attempt_at > ?2`,
      ),
      pauseEndpoint: db.prepare(
        `UPDATE webhook_deliveries SET status = 'paused', updated_at = ?2
         WHERE endpoint_id = ?1 AND ${OPEN} AND status = 'pending'`,
      ),
      resumeEndpoint: db.prepare(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?2, updated_at = ?2
         WHERE endpoint_id = ?1 AND ${OPEN} AND status = 'paused'`,
      ),
      pushSuccessors: db.prepare(
        `UPDATE webhook_deliveries SET next_attempt_at = max(next_attempt_at, ?3)
         WHERE order_key = ?1 AND seq > ?2 AND ${OPEN} AND status = 'pending'`,
      ),
      releaseSuccessors: db.prepare(
        `UPDATE webhook_deliveries SET next_attempt_at = ?3
         WHERE order_key = ?1 AND seq > ?2 AND ${OPEN} AND status = 'pending' AND next_attempt_at > ?3`,
      ),
      delivering: db.query(
        `SELECT * FROM webhook_deliveries INDEXED BY webhook_deliveries_open
         WHERE ${OPEN} AND status = 'delivering'`,
      ),
      nextDue: db.query(
        "SELECT min(next_attempt_at) AS at FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at > ?",
      ),
    }
  }

  insertEndpoint(
    e: Pick<
      WebhookEndpointRow,
      "id" | "account_id" | "url" | "events" | "description" | "secret" | "status" | "created_at"
    >,
  ): void {
    this.q.insertEndpoint.run(
      e.id,
      e.account_id,
      e.url,
      e.events,
      e.description,
      e.secret,
      e.status,
      e.created_at,
    )
  }

  endpoint(id: string): WebhookEndpointRow | null {
    return this.q.endpoint.get(id)
  }

  /** Newest first; `beforeId` pages (ids are time-ordered). */
  endpointsOf(accountId: string, beforeId: string | null, limit: number): WebhookEndpointRow[] {
    // "~" sorts after every id character, so it means "from the newest".
    return this.q.endpointsOf.all(accountId, beforeId ?? "~", limit)
  }

  activeEndpointsOf(accountId: string): ActiveEndpoint[] {
    return this.q.activeOf.all(accountId)
  }

  /** Writes every mutable column of an endpoint (read-modify-write inside one transaction). */
  saveEndpoint(e: WebhookEndpointRow): void {
    this.q.saveEndpoint.run(
      e.id,
      e.url,
      e.events,
      e.description,
      e.status,
      e.consecutive_failures,
      e.suspended_reason,
      e.failing_since,
      e.last_failure_at,
      e.retry_at,
      e.updated_at,
    )
  }

  /** Deletes the endpoint with its deliveries and their attempts (ON DELETE CASCADE). */
  deleteEndpoint(id: string): boolean {
    return this.q.deleteEndpoint.run(id).changes > 0
  }

  accountSecret(accountId: string): string | null {
    return this.q.accountSecret.get(accountId)?.secret ?? null
  }

  /** Stores the account's callback secret unless it has one; returns the one in force. */
  ensureAccountSecret(accountId: string, candidate: string, at: number): string {
    this.q.putAccountSecret.run(accountId, candidate, at)
    return this.accountSecret(accountId)!
  }

  insertDelivery(d: NewDelivery): void {
    this.q.insertDelivery.run(
      d.id,
      d.endpoint_id,
      d.callback_url,
      d.account_id,
      d.event_type,
      d.message_id,
      d.order_key,
      d.payload,
      d.status,
      d.next_attempt_at,
      d.created_at,
    )
  }

  delivery(id: string): WebhookDeliveryRow | null {
    return this.q.delivery.get(id)
  }

  deliveryBySeq(seq: number): WebhookDeliveryRow | null {
    return this.q.deliveryBySeq.get(seq)
  }

  /** An endpoint's deliveries newest first; `beforeSeq` pages. */
  deliveriesOf(
    endpointId: string,
    beforeSeq: number | null,
    limit: number,
    status?: string,
  ): WebhookDeliveryRow[] {
    const before = beforeSeq ?? Number.MAX_SAFE_INTEGER
    return status
      ? this.q.deliveriesOfStatus.all(endpointId, before, status, limit)
      : this.q.deliveriesOf.all(endpointId, before, limit)
  }

  attempts(deliverySeq: number): WebhookAttemptRow[] {
    return this.q.attempts.all(deliverySeq)
  }

  addAttempt(a: WebhookAttemptRow): void {
    this.q.addAttempt.run(a.delivery_seq, a.attempt, a.at, a.status_code, a.duration_ms, a.error)
  }

  due(now: number, limit: number): DueDeliveryRow[] {
    return this.q.due.all(now, limit)
  }

  markDelivering(seq: number, now: number, leaseEnd: number): void {
    this.q.markDelivering.run(seq, now, leaseEnd)
  }

  setNextAttempt(seq: number, at: number): void {
    this.q.setNext.run(seq, at)
  }

  /** Hands a claimed delivery back untried (the worker stopped before sending it). */
  unclaim(seq: number, now: number): void {
    this.q.unclaim.run(seq, now)
  }

  settle(
    seq: number,
    s: {
      status: WebhookDeliveryStatus
      attempts: number
      nextAttemptAt: number
      statusCode: number | null
      error: string | null
      at: number
    },
  ): void {
    this.q.settle.run(seq, s.status, s.attempts, s.nextAttemptAt, s.statusCode, s.error, s.at)
  }

  /** Holds the endpoint's other pending deliveries until `at` (its next probe). */
  pushEndpoint(endpointId: string, at: number, exceptSeq = 0): void {
    this.q.pushEndpoint.run(endpointId, at, exceptSeq)
  }

  /** Makes every pending delivery of the endpoint due now. */
  releaseEndpoint(endpointId: string, now: number): void {
    this.q.releaseEndpoint.run(endpointId, now)
  }

  pauseEndpoint(endpointId: string, now: number): number {
    return this.q.pauseEndpoint.run(endpointId, now).changes
  }

  resumeEndpoint(endpointId: string, now: number): number {
    return this.q.resumeEndpoint.run(endpointId, now).changes
  }

  /** Later deliveries of the same message and destination wait at least until `notBefore`. */
  pushSuccessors(orderKey: string, seq: number, notBefore: number): void {
    this.q.pushSuccessors.run(orderKey, seq, notBefore)
  }

  releaseSuccessors(orderKey: string, seq: number, now: number): void {
    this.q.releaseSuccessors.run(orderKey, seq, now)
  }

  /** Rows a previous run left in flight. */
  delivering(): WebhookDeliveryRow[] {
    return this.q.delivering.all()
  }

  /** The earliest retry time after `now` (rows due already are claimed or waiting their turn). */
  nextDueAfter(now: number): number | null {
    return this.q.nextDue.get(now)?.at ?? null
  }

  onEnqueued(listener: (() => void) | null): void {
    this.listener = listener
  }

  notifyEnqueued(): void {
    this.listener?.()
  }
}
