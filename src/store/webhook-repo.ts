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
  /** 1 while it has pending, delivering or paused deliveries (migration 0017): kept by this repo. */
  has_open: number
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

/** An active endpoint with pending deliveries whose retry time (if failing) has come. */
export interface ClaimableEndpoint {
  id: string
  url: string
  secret: string
  consecutive_failures: number
  retry_at: number | null
}

/** A pending callback delivery seen by the worker's scan; `due`: its retry time has come. */
export interface CallbackCandidate {
  seq: number
  callback_url: string
  due: 0 | 1
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
const OPEN_LIST = ["pending", "delivering", "paused"] as const
const OPEN = `status IN (${OPEN_LIST.map((status) => `'${status}'`).join(", ")})`
const OPEN_STATUSES: ReadonlySet<string> = new Set(OPEN_LIST)
/** SQL, in an UPDATE of webhook_endpoints: the endpoint has an open delivery (the has_open rule). */
const HAS_OPEN = `EXISTS (SELECT 1 FROM webhook_deliveries d INDEXED BY webhook_deliveries_open
  WHERE d.endpoint_id = webhook_endpoints.id AND d.${OPEN})`

// Per-message order: a delivery goes only when no earlier delivery of the same message to the
// same destination is still open.
const NEXT_IN_ORDER = `(d.order_key IS NULL OR NOT EXISTS (
  SELECT 1 FROM webhook_deliveries p INDEXED BY webhook_deliveries_order
  WHERE p.order_key = d.order_key AND p.seq < d.seq AND p.${OPEN}))`

// An endpoint's state lives on its own row, not on each of its deliveries (a backlog can hold a
// million rows): a pending delivery reads `paused` while the endpoint is suspended or disabled,
// and its next attempt is the endpoint's retry time (the next probe) while it is failing.
const DELIVERY_VIEW = `d.seq, d.id, d.endpoint_id, d.callback_url, d.account_id, d.event_type,
  d.message_id, d.order_key, d.payload,
  CASE WHEN d.status = 'pending' AND e.status <> 'active' THEN 'paused' ELSE d.status END AS status,
  d.attempts,
  CASE WHEN d.status = 'pending' AND e.consecutive_failures > 0 AND e.retry_at IS NOT NULL
    THEN e.retry_at ELSE d.next_attempt_at END AS next_attempt_at,
  d.last_status_code, d.last_error, d.created_at, d.updated_at`

/**
 * Webhook endpoints, deliveries and attempts. Synchronous: callers own transactions (the event
 * path calls it inside the transaction that changes a message; the worker through the batcher).
 *
 * The worker claims per destination, never by walking one global queue: endpoint by endpoint
 * (skipping those at their concurrency cap, waiting to retry, suspended or disabled), and the
 * callback URLs in a bounded window. So a slow or dead receiver's backlog is never read again and
 * again ahead of the others, and a change of endpoint health writes one row.
 */
export class WebhookRepo {
  /**
   * False once a read found no open callback delivery, until the next one is inserted: the
   * claim then skips the callback window (~10 µs a claim, most gateways having no callbacks).
   * Only this process writes deliveries, and a callback delivery opens only when inserted
   * (it stays open, pending, delivering or paused, until its last outcome).
   */
  private callbacksMayBeOpen = true
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
    flagOpen: Statement
    clearIfDrained: Statement
    recountOpen: Statement
    delivery: Statement<WebhookDeliveryRow, [string]>
    deliveryBySeq: Statement<WebhookDeliveryRow, [number]>
    deliveriesOf: Statement<WebhookDeliveryRow, [string, number, number]>
    callbackDeliveriesOf: Statement<WebhookDeliveryRow, [string]>
    deliveriesOfStatus: Statement<WebhookDeliveryRow, [string, number, string, number]>
    waitingCount: Statement<{ n: number }, [string]>
    attempts: Statement<WebhookAttemptRow, [number]>
    addAttempt: Statement
    claimableEndpoints: Statement<ClaimableEndpoint, [string, number, number]>
    endpointQueue: Statement<WebhookDeliveryRow, [string, number, number]>
    endpointNewest: Statement<WebhookDeliveryRow, [string]>
    callbackWindow: Statement<CallbackCandidate, [number, number, number]>
    anyOpenCallback: Statement<{ seq: number }, []>
    earlierOpen: Statement<{ seq: number }, [string, number]>
    markDelivering: Statement
    unclaim: Statement
    settle: Statement
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
      // Migration 0017's flag: set with every new delivery (a no-op write when already set) ...
      flagOpen: db.prepare(
        "UPDATE webhook_endpoints SET has_open = 1 WHERE id = ?1 AND has_open = 0",
      ),
      // ... cleared when an outcome leaves the delivery's endpoint nothing open ...
      clearIfDrained: db.prepare(
        `UPDATE webhook_endpoints SET has_open = 0
         WHERE id = ?1 AND has_open = 1 AND NOT ${HAS_OPEN}`,
      ),
      // ... and recounted for every endpoint when the worker starts.
      recountOpen: db.prepare(
        `UPDATE webhook_endpoints SET has_open = 1 - has_open
         WHERE has_open <> ${HAS_OPEN}`,
      ),
      delivery: db.query("SELECT * FROM webhook_deliveries WHERE id = ?"),
      deliveryBySeq: db.query("SELECT * FROM webhook_deliveries WHERE seq = ?"),
      deliveriesOf: db.query(
        `SELECT ${DELIVERY_VIEW}
         FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
         WHERE d.endpoint_id = ?1 AND d.seq < ?2 ORDER BY d.seq DESC LIMIT ?3`,
      ),
      // A callback has no endpoint whose state would change how its deliveries read.
      callbackDeliveriesOf: db.query(
        `SELECT * FROM webhook_deliveries INDEXED BY webhook_deliveries_callbacks
         WHERE message_id = ? AND callback_url IS NOT NULL ORDER BY seq`,
      ),
      deliveriesOfStatus: db.query(
        `SELECT * FROM (
           SELECT ${DELIVERY_VIEW}
           FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
           WHERE d.endpoint_id = ?1 AND d.seq < ?2)
         WHERE status = ?3 ORDER BY seq DESC LIMIT ?4`,
      ),
      waitingCount: db.query(
        `SELECT count(*) AS n FROM webhook_deliveries INDEXED BY webhook_deliveries_open
         WHERE endpoint_id = ? AND status = 'pending' AND ${OPEN}`,
      ),
      attempts: db.query("SELECT * FROM webhook_attempts WHERE delivery_seq = ? ORDER BY attempt"),
      addAttempt: db.prepare(
        `INSERT INTO webhook_attempts (delivery_seq, attempt, at, status_code, duration_ms, error)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      // Up to ?3 endpoints after ?1 (by id) that may be sent to now: active, past their retry
      // time, with a pending delivery. It walks the index
      // of active endpoints flagged with open deliveries (migration 0017), so suspended and
      // disabled endpoints' backlogs cost a claim nothing.
      claimableEndpoints: db.query(
        `SELECT e.id, e.url, e.secret, e.consecutive_failures, e.retry_at
         FROM webhook_endpoints e INDEXED BY webhook_endpoints_claimable
         WHERE e.status = 'active' AND e.has_open = 1 AND e.id > ?1
           AND (e.consecutive_failures = 0 OR e.retry_at IS NULL OR e.retry_at <= ?2)
           AND EXISTS (SELECT 1 FROM webhook_deliveries d INDEXED BY webhook_deliveries_open
                       WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.${OPEN})
         ORDER BY e.id LIMIT ?3`,
      ),
      // An endpoint's deliveries that may go now, oldest first from seq ?2. Their own
      // next_attempt_at is not consulted: the endpoint row holds its retry time.
      endpointQueue: db.query(
        `SELECT d.* FROM webhook_deliveries d INDEXED BY webhook_deliveries_open
         WHERE d.endpoint_id = ?1 AND d.status = 'pending' AND d.${OPEN} AND d.seq > ?2
           AND ${NEXT_IN_ORDER}
         ORDER BY d.seq LIMIT ?3`,
      ),
      endpointNewest: db.query(
        `SELECT d.* FROM webhook_deliveries d INDEXED BY webhook_deliveries_open
         WHERE d.endpoint_id = ?1 AND d.status = 'pending' AND d.${OPEN} AND ${NEXT_IN_ORDER}
         ORDER BY d.seq DESC LIMIT 1`,
      ),
      // Up to ?2 pending callback deliveries after seq ?1, oldest first, each marked due at ?3.
      // Bounded, so a slow host's backlog costs each claim at most one window (there is no index
      // by host: see delivery-worker.ts).
      callbackWindow: db.query(
        `SELECT d.seq, d.callback_url, d.next_attempt_at <= ?3 AS due
         FROM (SELECT seq FROM webhook_deliveries INDEXED BY webhook_deliveries_open
               WHERE endpoint_id IS NULL AND status = 'pending' AND ${OPEN} AND seq > ?1
               ORDER BY seq LIMIT ?2) w
         CROSS JOIN webhook_deliveries d ON d.seq = w.seq
         ORDER BY w.seq`,
      ),
      anyOpenCallback: db.query(
        `SELECT seq FROM webhook_deliveries INDEXED BY webhook_deliveries_open
         WHERE endpoint_id IS NULL AND ${OPEN} LIMIT 1`,
      ),
      earlierOpen: db.query(
        `SELECT seq FROM webhook_deliveries INDEXED BY webhook_deliveries_order
         WHERE order_key = ?1 AND seq < ?2 AND ${OPEN} LIMIT 1`,
      ),
      // While in flight, next_attempt_at is the lease end (attempt start + timeout).
      markDelivering: db.prepare(
        "UPDATE webhook_deliveries SET status = 'delivering', updated_at = ?2, next_attempt_at = ?3 WHERE seq = ?1",
      ),
      unclaim: db.prepare(
        `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?2, updated_at = ?2
         WHERE seq = ?1 AND status = 'delivering'`,
      ),
      settle: db.prepare(
        `UPDATE webhook_deliveries SET status = ?2, attempts = ?3, next_attempt_at = ?4,
           last_status_code = ?5, last_error = ?6, updated_at = ?7
         WHERE seq = ?1`,
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
        `SELECT min(at) AS at FROM (
           SELECT min(next_attempt_at) AS at FROM webhook_deliveries
           WHERE status = 'pending' AND next_attempt_at > ?1
           UNION ALL
           SELECT min(retry_at) FROM webhook_endpoints
           WHERE status = 'active' AND consecutive_failures > 0 AND retry_at > ?1)`,
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
    if (d.endpoint_id !== null && OPEN_STATUSES.has(d.status)) this.q.flagOpen.run(d.endpoint_id)
    else if (d.callback_url !== null) this.callbacksMayBeOpen = true
  }

  /** Sets every endpoint's has_open from its deliveries (the worker's start; migration 0017). */
  recountOpen(): void {
    this.q.recountOpen.run()
  }

  /** The stored row (a pending row of a suspended endpoint reads `pending` here). */
  delivery(id: string): WebhookDeliveryRow | null {
    return this.q.delivery.get(id)
  }

  deliveryBySeq(seq: number): WebhookDeliveryRow | null {
    return this.q.deliveryBySeq.get(seq)
  }

  /**
   * An endpoint's deliveries newest first, as the delivery log shows them: `paused` while the
   * endpoint is suspended or disabled, and a failing endpoint's retry time as next_attempt_at.
   * `beforeSeq` pages; `status` filters on the status shown.
   */
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

  /** A message's callback_url deliveries, oldest first. */
  callbackDeliveriesOf(messageId: string): WebhookDeliveryRow[] {
    return this.q.callbackDeliveriesOf.all(messageId)
  }

  /** Deliveries of the endpoint waiting to be sent. Reads the whole backlog. */
  waitingCount(endpointId: string): number {
    return this.q.waitingCount.get(endpointId)?.n ?? 0
  }

  attempts(deliverySeq: number): WebhookAttemptRow[] {
    return this.q.attempts.all(deliverySeq)
  }

  addAttempt(a: WebhookAttemptRow): void {
    this.q.addAttempt.run(a.delivery_seq, a.attempt, a.at, a.status_code, a.duration_ms, a.error)
  }

  /** Up to `limit` endpoints after `afterId` (by id) that may be sent to at `now`. */
  claimableEndpoints(afterId: string, now: number, limit: number): ClaimableEndpoint[] {
    return this.q.claimableEndpoints.all(afterId, now, limit)
  }

  /** Up to `limit` of the endpoint's deliveries that may go now, oldest first after `afterSeq`. */
  endpointQueue(endpointId: string, afterSeq: number, limit: number): WebhookDeliveryRow[] {
    return this.q.endpointQueue.all(endpointId, afterSeq, limit)
  }

  /** The endpoint's newest delivery that may go now (per-message order respected). */
  endpointNewest(endpointId: string): WebhookDeliveryRow | null {
    return this.q.endpointNewest.get(endpointId)
  }

  /** Up to `limit` pending callback deliveries after `afterSeq`, oldest first (see the query). */
  callbackWindow(afterSeq: number, now: number, limit: number): CallbackCandidate[] {
    if (!this.callbacksMayBeOpen) return []
    const rows = this.q.callbackWindow.all(afterSeq, limit, now)
    if (rows.length === 0 && afterSeq === 0 && this.q.anyOpenCallback.get() === null)
      this.callbacksMayBeOpen = false
    return rows
  }

  /** True unless an earlier delivery of the same message to the same destination is still open. */
  isNextInOrder(d: Pick<WebhookDeliveryRow, "seq" | "order_key">): boolean {
    return d.order_key === null || this.q.earlierOpen.get(d.order_key, d.seq) === null
  }

  markDelivering(seq: number, now: number, leaseEnd: number): void {
    this.q.markDelivering.run(seq, now, leaseEnd)
  }

  /** Hands a claimed delivery back untried (the worker stopped before sending it). */
  unclaim(seq: number, now: number): void {
    this.q.unclaim.run(seq, now)
  }

  /** Records an attempt's result on the delivery (`endpoint_id` clears the endpoint's flag). */
  settle(
    d: Pick<WebhookDeliveryRow, "seq" | "endpoint_id">,
    s: {
      status: WebhookDeliveryStatus
      attempts: number
      nextAttemptAt: number
      statusCode: number | null
      error: string | null
      at: number
    },
  ): void {
    this.q.settle.run(d.seq, s.status, s.attempts, s.nextAttemptAt, s.statusCode, s.error, s.at)
    if (d.endpoint_id !== null && !OPEN_STATUSES.has(s.status))
      this.q.clearIfDrained.run(d.endpoint_id)
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

  /** The earliest retry time after `now`: of a callback delivery, or of a failing endpoint. */
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
