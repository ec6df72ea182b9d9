import type { Database, Statement } from "bun:sqlite"

export type MessageStatus =
  | "scheduled"
  | "queued"
  | "sending"
  | "sent"
  | "delivered"
  | "failed"
  | "expired"
  | "canceled"

const FINAL_STATUSES: readonly MessageStatus[] = ["delivered", "failed", "expired", "canceled"]
const FINAL_SET: ReadonlySet<string> = new Set(FINAL_STATUSES)
/** SQL: the status is not final. */
const NOT_FINAL = `status NOT IN (${FINAL_STATUSES.map((s) => `'${s}'`).join(", ")})`

/**
 * The newest part with a carrier id (a modem's TP-MR wraps at 256, so an id can repeat over
 * time): the last entry of message_parts_carrier (migration 0016), no sort.
 */
export const PART_BY_CARRIER =
  "SELECT * FROM message_parts WHERE connector_id = ? AND carrier_id = ? ORDER BY submitted_at DESC LIMIT 1"

/** Delivered, failed, expired or canceled: a message that has ended keeps its status. */
export function isFinalStatus(status: string): boolean {
  return FINAL_SET.has(status)
}

export type ReceiptSubject = Pick<
  MessageRow,
  "id" | "account_id" | "callback_url" | "status" | "segments"
>

/** The columns dispatch uses: what a claim returns (not the whole row: ~1 µs a message less). */
export const CLAIMED_COLUMNS = [
  "seq",
  "id",
  "account_id",
  "to_number",
  "from_addr",
  "body",
  "encoding",
  "segments",
  "reference",
  "priority",
  "attempts",
  "connector_id",
  "error_code",
  "created_at",
  "expires_at",
  "callback_url",
  "mode",
  "pinned_connector_id",
] as const
export type ClaimedRow = Pick<MessageRow, (typeof CLAIMED_COLUMNS)[number]>

export interface MessageRow {
  seq: number
  id: string
  batch_id: string
  account_id: string
  to_number: string
  from_addr: string | null
  body: string
  encoding: string
  segments: number
  reference: number
  priority: number
  status: MessageStatus
  scheduled_at: number | null
  not_before: number
  attempts: number
  connector_id: string | null
  carrier_message_id: string | null
  error_code: string | null
  error_detail: string | null
  created_at: number
  updated_at: number
  sent_at: number | null
  delivered_at: number | null
  final_at: number | null
  /** `validity`: not sent by then → expired. */
  expires_at: number | null
  callback_url: string | null
  /** `test`: sent with a sandbox (sk_test_) key: simulated, never charged (0006, docs/tenancy.md). */
  mode: "live" | "test"
  /** The conversation it was sent into (0007, docs/two-way.md); null for ordinary sends. */
  conversation_id: string | null
  /** Must go out through this connector, bypassing the routes (a reply); null: routed. */
  pinned_connector_id: string | null
}

/** A dispatch lane: queued work of one account at one priority (fair queueing, docs/routing.md#priority-and-fairness). */
export interface Lane {
  /** Live and sandbox messages queue apart: they leave through different connectors (0012). */
  mode: MessageMode
  priority: number
  account_id: string
}

export type MessageMode = MessageRow["mode"]

export type NewMessage = Omit<
  MessageRow,
  | "seq"
  | "attempts"
  | "connector_id"
  | "carrier_message_id"
  | "error_code"
  | "error_detail"
  | "updated_at"
  | "sent_at"
  | "delivered_at"
  | "final_at"
  | "mode"
  | "conversation_id"
  | "pinned_connector_id"
> &
  Partial<Pick<MessageRow, "mode" | "conversation_id" | "pinned_connector_id">>

/** What differs between the messages of one bulk request. */
export interface BatchRecipient {
  id: string
  to_number: string
  reference: number
}

/** The messages of one request to many recipients: all alike but for `recipients`. */
export type NewBatch = Omit<NewMessage, keyof BatchRecipient>

export interface EventRow {
  seq: number
  message_id: string
  status: string
  part: number | null
  at: number
  detail: string | null
}

export interface PartRow {
  message_id: string
  part_index: number
  connector_id: string
  carrier_id: string | null
  carrier_id_raw: string | null
  status: string
  error: string | null
  submitted_at: number | null
  receipt_at: number | null
}

export interface PendingReceiptRow {
  connector_id: string
  carrier_id: string
  state: string
  stat: string
  error: string | null
  done_at: number | null
  raw: string
  received_at: number
}

export interface MessageFilter {
  accountId: string
  status?: string
  to?: string
  batchId?: string
  /** Return rows with seq below this (newest first paging). */
  beforeSeq?: number
  limit: number
  /** Only live or only sandbox messages. */
  mode?: "live" | "test"
}

/**
 * The rows of the ready index `messages_ready` (migration 0015): queries that use it repeat its
 * WHERE word for word, so SQLite can prove the partial index applies.
 */
const READY = "status = 'queued' AND (pinned_connector_id IS NULL OR mode = 'test')"

/** The rows of `messages_pinned` (migration 0013), word for word likewise: live pinned replies. */
const PINNED = "status = 'queued' AND pinned_connector_id IS NOT NULL AND mode = 'live'"

/**
 * Messages, their parts, their events and early receipts. Synchronous: callers own transactions.
 *
 * Statements that run per message use no `… RETURNING`: SQLite runs a RETURNING clause as a
 * trigger program writing to an ephemeral table, both allocated at every execution, and inside
 * the running gateway each such statement took ~11 µs against ~4 µs for a plain one
 * (docs/performance.md, session 6). They read, then write by key, in the same transaction.
 */
export class MessageRepo {
  private readonly q: {
    insertMessage: Statement
    insertBatch: Statement
    insertEvent: Statement
    insertBatchEvents: Statement
    byId: Statement<MessageRow, [string]>
    receiptSubject: Statement<ReceiptSubject, [string]>
    events: Statement<EventRow, [string]>
    parts: Statement<PartRow, [string]>
    nextAccount: Statement<Lane, [string, number, string]>
    nextPriority: Statement<Lane, [string, number]>
    firstLane: Statement<Lane, [string]>
    readyInLane: Statement<ClaimedRow, [number, string, number, number, string]>
    readyPinned: Statement<ClaimedRow, [number, string, number]>
    markSending: Statement
    expireDue: Statement<
      { id: string; account_id: string; callback_url: string | null },
      [number, number]
    >
    cancel: Statement<MessageRow, [number, string, string, string]>
    withdrawTo: Statement<
      { id: string; callback_url: string | null },
      [number, string, string, string]
    >
    unclaim: Statement
    releaseScheduled: Statement<MessageRow, [number, number, number]>
    requeueSending: Statement<{ id: string }, [number]>
    setStatus: Statement
    upsertPart: Statement
    partByCarrier: Statement<PartRow, [string, string]>
    updatePartStatus: Statement
    putPendingReceipt: Statement
    takePendingReceipt: Statement<PendingReceiptRow, [string, string]>
    countPendingReceipts: Statement<{ n: number }, []>
    countByStatus: Statement<{ status: string; n: number }, []>
    nextScheduled: Statement<{ at: number | null }, []>
    countQueued: Statement<{ n: number }, []>
    pinnedQueued: Statement<{ connector_id: string; n: number }, []>
    lastAccountTo: Statement<{ account_id: string }, [string]>
    lastAccountToFrom: Statement<{ account_id: string }, [string, string]>
    countScheduled: Statement<{ n: number }, []>
    setAttempts: Statement
  }

  private eventSeq = 0
  /** Upper bound of pending_receipts rows (see mayHaveParkedReceipts); -1 until first counted. */
  private parkedHint = -1
  private parkedCountedAt = 0

  constructor(private readonly db: Database) {
    this.q = {
      insertMessage: db.prepare(
        `INSERT INTO messages (id, batch_id, account_id, to_number, from_addr, body, encoding,
           segments, reference, priority, status, scheduled_at, not_before, created_at, updated_at,
           expires_at, callback_url, mode, conversation_id, pinned_connector_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14, ?15, ?16, ?17,
           ?18, ?19)`,
      ),
      // A bulk request's rows in one statement: the recipients as one JSON array, the rest bound
      // once. ~25 % cheaper per row than a statement per row (binding 19 values each time).
      // json_each yields the array in order, so seq follows the request's order.
      insertBatch: db.prepare(
        `INSERT INTO messages (id, batch_id, account_id, to_number, from_addr, body, encoding,
           segments, reference, priority, status, scheduled_at, not_before, created_at, updated_at,
           expires_at, callback_url, mode, conversation_id, pinned_connector_id)
         SELECT json_extract(r.value, '$[0]'), ?1, ?2, json_extract(r.value, '$[1]'), ?3, ?4, ?5,
           ?6, json_extract(r.value, '$[2]'), ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15, ?16
         FROM json_each(?17) AS r`,
      ),
      insertEvent: db.prepare(
        "INSERT INTO message_events (message_id, seq, status, part, at, detail) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      insertBatchEvents: db.prepare(
        `INSERT INTO message_events (message_id, seq, status, part, at, detail)
         SELECT r.value, ?1 + r.key, ?2, NULL, ?3, ?4 FROM json_each(?5) AS r`,
      ),
      byId: db.query("SELECT * FROM messages WHERE id = ?"),
      receiptSubject: db.query(
        "SELECT id, account_id, callback_url, status, segments FROM messages WHERE id = ?",
      ),
      events: db.query("SELECT * FROM message_events WHERE message_id = ? ORDER BY seq"),
      parts: db.query("SELECT * FROM message_parts WHERE message_id = ? ORDER BY part_index"),
      // Lanes are listed by skip-scanning the ready index: one seek per lane, not per row, so a
      // backlog of millions costs the same as a backlog of ten (issue 3, bench/backlog.ts).
      // Live replies pinned to a connector are not in it (migration 0015): claimPinned takes them.
      firstLane: db.query(
        `SELECT mode, priority, account_id FROM messages INDEXED BY messages_ready
         WHERE ${READY} AND mode = ?1
         ORDER BY priority DESC, account_id LIMIT 1`,
      ),
      // Two seeks rather than one OR, which SQLite would answer by walking the current lane.
      nextAccount: db.query(
        `SELECT mode, priority, account_id FROM messages INDEXED BY messages_ready
         WHERE ${READY} AND mode = ?1 AND priority = ?2
           AND account_id > ?3
         ORDER BY priority DESC, account_id LIMIT 1`,
      ),
      nextPriority: db.query(
        `SELECT mode, priority, account_id FROM messages INDEXED BY messages_ready
         WHERE ${READY} AND mode = ?1 AND priority < ?2
         ORDER BY priority DESC, account_id LIMIT 1`,
      ),
      // A claim reads the lane's oldest due rows and marks each `sending` by rowid, in the
      // caller's transaction (see the class comment: no RETURNING per message).
      readyInLane: db.query(
        `SELECT ${CLAIMED_COLUMNS.join(", ")} FROM messages INDEXED BY messages_ready
         WHERE ${READY} AND mode = ?5
           AND priority = ?1 AND account_id = ?2 AND not_before <= ?3
         ORDER BY seq LIMIT ?4`,
      ),
      readyPinned: db.query(
        `SELECT ${CLAIMED_COLUMNS.join(", ")} FROM messages INDEXED BY messages_pinned
         WHERE status = 'queued' AND pinned_connector_id = ?2 AND mode = 'live'
           AND not_before <= ?1
         ORDER BY priority DESC, seq LIMIT ?3`,
      ),
      markSending: db.prepare(
        "UPDATE messages SET status = 'sending', updated_at = ?2, attempts = attempts + 1 WHERE seq = ?1",
      ),
      expireDue: db.query(
        `UPDATE messages SET status = 'expired', updated_at = ?1, final_at = ?1,
           error_code = 'expired', error_detail = 'validity ended before it could be sent'
         WHERE seq IN (SELECT seq FROM messages INDEXED BY messages_expiry
                       WHERE expires_at IS NOT NULL AND status IN ('queued', 'scheduled')
                         AND expires_at <= ?1
                       ORDER BY expires_at LIMIT ?2)
         RETURNING id, account_id, callback_url`,
      ),
      unclaim: db.prepare(
        `UPDATE messages SET status = 'queued', attempts = ?2, not_before = COALESCE(?3, not_before),
           updated_at = COALESCE(?4, updated_at)
         WHERE id = ?1`,
      ),
      cancel: db.query(
        `UPDATE messages SET status = 'canceled', updated_at = ?1, final_at = ?1,
           error_code = 'canceled', error_detail = 'canceled through the API'
         WHERE id = ?2 AND account_id = ?3 AND mode = ?4 AND status IN ('queued', 'scheduled')
         RETURNING *`,
      ),
      // messages_to (to_number, seq) finds them; only the not yet handed over can be withdrawn.
      withdrawTo: db.query(
        `UPDATE messages SET status = 'canceled', updated_at = ?1, final_at = ?1,
           error_code = 'recipient_opted_out', error_detail = ?2
         WHERE to_number = ?3 AND account_id = ?4 AND status IN ('queued', 'scheduled')
         RETURNING id, callback_url`,
      ),
      releaseScheduled: db.query(
        `UPDATE messages SET status = 'queued', updated_at = ?1, not_before = ?1
         WHERE seq IN (SELECT seq FROM messages WHERE status = 'scheduled' AND scheduled_at <= ?2
                       ORDER BY scheduled_at LIMIT ?3)
         RETURNING *`,
      ),
      requeueSending: db.query(
        `UPDATE messages SET status = 'queued', updated_at = ?1, not_before = ?1
         WHERE status = 'sending' RETURNING id`,
      ),
      setStatus: db.prepare(
        `UPDATE messages SET status = ?2, updated_at = ?3,
           not_before = COALESCE(?4, not_before),
           connector_id = COALESCE(?5, connector_id),
           carrier_message_id = COALESCE(?6, carrier_message_id),
           error_code = ?7, error_detail = ?8,
           sent_at = COALESCE(sent_at, ?9),
           delivered_at = COALESCE(delivered_at, ?10),
           final_at = COALESCE(final_at, ?11)
         WHERE id = ?1 AND ${NOT_FINAL}`,
      ),
      upsertPart: db.prepare(
        `INSERT INTO message_parts (message_id, part_index, connector_id, carrier_id, carrier_id_raw,
           status, error, submitted_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (message_id, part_index) DO UPDATE SET connector_id = excluded.connector_id,
           carrier_id = excluded.carrier_id, carrier_id_raw = excluded.carrier_id_raw,
           status = excluded.status, error = excluded.error, submitted_at = excluded.submitted_at`,
      ),
      partByCarrier: db.query(PART_BY_CARRIER),
      updatePartStatus: db.prepare(
        `UPDATE message_parts SET status = ?3, error = ?4, receipt_at = ?5
         WHERE message_id = ?1 AND part_index = ?2`,
      ),
      putPendingReceipt: db.prepare(
        `INSERT OR REPLACE INTO pending_receipts (connector_id, carrier_id, state, stat, error,
           done_at, raw, received_at)
         VALUES ($connector_id, $carrier_id, $state, $stat, $error, $done_at, $raw, $received_at)`,
      ),
      countPendingReceipts: db.query("SELECT count(*) AS n FROM pending_receipts"),
      takePendingReceipt: db.query(
        "DELETE FROM pending_receipts WHERE connector_id = ? AND carrier_id = ? RETURNING *",
      ),
      countByStatus: db.query("SELECT status, count(*) AS n FROM messages GROUP BY status"),
      // Sandbox messages never reached the number, so they own none of its replies.
      lastAccountTo: db.query(
        "SELECT account_id FROM messages WHERE to_number = ? AND mode = 'live' ORDER BY seq DESC LIMIT 1",
      ),
      lastAccountToFrom: db.query(
        "SELECT account_id FROM messages WHERE to_number = ? AND from_addr = ? AND mode = 'live' ORDER BY seq DESC LIMIT 1",
      ),
      countQueued: db.query(
        `SELECT (SELECT count(*) FROM messages INDEXED BY messages_ready
                   WHERE ${READY})
              + (SELECT count(*) FROM messages INDEXED BY messages_pinned
                   WHERE ${PINNED})
           AS n`,
      ),
      pinnedQueued: db.query(
        `SELECT pinned_connector_id AS connector_id, count(*) AS n
           FROM messages INDEXED BY messages_pinned
          WHERE ${PINNED}
          GROUP BY pinned_connector_id`,
      ),
      countScheduled: db.query(
        "SELECT count(*) AS n FROM messages INDEXED BY messages_scheduled WHERE status = 'scheduled'",
      ),
      setAttempts: db.prepare("UPDATE messages SET attempts = ? WHERE id = ?"),
      nextScheduled: db.query(
        "SELECT min(scheduled_at) AS at FROM messages WHERE status = 'scheduled'",
      ),
    }
  }

  insertMessage(m: NewMessage): void {
    // Positional binding: ~25 % cheaper than a named-parameter object on this hot path.
    this.q.insertMessage.run(
      m.id,
      m.batch_id,
      m.account_id,
      m.to_number,
      m.from_addr,
      m.body,
      m.encoding,
      m.segments,
      m.reference,
      m.priority,
      m.status,
      m.scheduled_at,
      m.not_before,
      m.created_at,
      m.expires_at,
      m.callback_url,
      m.mode ?? "live",
      m.conversation_id ?? null,
      m.pinned_connector_id ?? null,
    )
  }

  /** The messages of one request to many recipients, in `recipients` order. */
  insertBatch(b: NewBatch, recipients: readonly BatchRecipient[]): void {
    this.q.insertBatch.run(
      b.batch_id,
      b.account_id,
      b.from_addr,
      b.body,
      b.encoding,
      b.segments,
      b.priority,
      b.status,
      b.scheduled_at,
      b.not_before,
      b.created_at,
      b.expires_at,
      b.callback_url,
      b.mode ?? "live",
      b.conversation_id ?? null,
      b.pinned_connector_id ?? null,
      JSON.stringify(recipients.map((r) => [r.id, r.to_number, r.reference])),
    )
  }

  /** The same event for many messages (their first), in `ids` order. */
  addEvents(ids: readonly string[], status: string, at: number, detail: string | null): void {
    const first = Math.max(this.eventSeq + 1, Date.now() * 1000)
    this.eventSeq = first + ids.length - 1
    this.q.insertBatchEvents.run(first, status, at, detail, JSON.stringify(ids))
  }

  addEvent(messageId: string, status: string, at: number, detail: string | null, part?: number) {
    // Monotonic even if the wall clock steps back: events of one message keep their order.
    this.eventSeq = Math.max(this.eventSeq + 1, Date.now() * 1000)
    this.q.insertEvent.run(messageId, this.eventSeq, status, part ?? null, at, detail)
  }

  get(id: string): MessageRow | null {
    return this.q.byId.get(id)
  }

  /** The columns a receipt needs (not the body): one per message delivered. */
  receiptSubject(id: string): ReceiptSubject | null {
    return this.q.receiptSubject.get(id)
  }

  events(id: string): EventRow[] {
    return this.q.events.all(id)
  }

  parts(id: string): PartRow[] {
    return this.q.parts.all(id)
  }

  /** The (priority, account) lanes of `mode` that have queued messages, highest priority first. */
  lanes(mode: MessageMode, max = 10_000): Lane[] {
    const out: Lane[] = []
    let lane = this.q.firstLane.get(mode)
    while (lane && out.length < max) {
      out.push(lane)
      lane =
        this.q.nextAccount.get(mode, lane.priority, lane.account_id) ??
        this.q.nextPriority.get(mode, lane.priority)
    }
    return out
  }

  /** Marks up to `limit` due queued messages of one lane `sending` (attempts+1), oldest first. */
  claimLane(lane: Lane, now: number, limit: number): ClaimedRow[] {
    return this.markAll(
      this.q.readyInLane.all(lane.priority, lane.account_id, now, limit, lane.mode),
      now,
    )
  }

  /** Claims up to `limit` due live replies pinned to `connectorId`, highest priority first. */
  claimPinned(connectorId: string, now: number, limit: number): ClaimedRow[] {
    return this.markAll(this.q.readyPinned.all(now, connectorId, limit), now)
  }

  /** The rows just read, marked `sending` as the claim returns them (attempts counted). */
  private markAll(rows: ClaimedRow[], now: number): ClaimedRow[] {
    for (const row of rows) {
      this.q.markSending.run(row.seq, now)
      row.attempts++
    }
    return rows
  }

  /**
   * Puts a claimed message back in the queue with its attempt count restored. Without `at` it
   * is invisible (same transaction as the claim); with it, the message waits until `notBefore`.
   */
  unclaim(id: string, attempts: number, notBefore?: number, at?: number): void {
    this.q.unclaim.run(id, attempts, notBefore ?? null, at ?? notBefore ?? null)
  }

  /** Ends up to `limit` queued or scheduled messages whose validity has passed. */
  expireDue(
    now: number,
    limit: number,
  ): { id: string; account_id: string; callback_url: string | null }[] {
    return this.q.expireDue.all(now, limit)
  }

  /** Cancels a queued or scheduled message of this account; null when it is not (or no longer) cancellable. */
  cancel(id: string, accountId: string, mode: "live" | "test", now: number): MessageRow | null {
    return this.q.cancel.get(now, id, accountId, mode)
  }

  /** Cancels every queued or scheduled message of an account to a number (it opted out). */
  withdrawTo(
    accountId: string,
    to: string,
    now: number,
    detail: string,
  ): { id: string; callback_url: string | null }[] {
    return this.q.withdrawTo.all(now, detail, to, accountId)
  }

  releaseScheduled(now: number, limit: number): MessageRow[] {
    return this.q.releaseScheduled.all(now, now, limit)
  }

  requeueSending(now: number): string[] {
    return this.q.requeueSending.all(now).map((r) => r.id)
  }

  setStatus(change: {
    id: string
    status: MessageStatus
    at: number
    notBefore?: number
    connectorId?: string
    carrierMessageId?: string
    errorCode?: string | null
    errorDetail?: string | null
    sentAt?: number
    deliveredAt?: number
    finalAt?: number
  }): boolean {
    // A message that ended (delivered, failed, expired, canceled) keeps its status: false.
    return (
      this.q.setStatus.run(
        change.id,
        change.status,
        change.at,
        change.notBefore ?? null,
        change.connectorId ?? null,
        change.carrierMessageId ?? null,
        change.errorCode ?? null,
        change.errorDetail ?? null,
        change.sentAt ?? null,
        change.deliveredAt ?? null,
        change.finalAt ?? null,
      ).changes > 0
    )
  }

  setAttempts(id: string, attempts: number): void {
    this.q.setAttempts.run(attempts, id)
  }

  upsertPart(p: Omit<PartRow, "receipt_at">): void {
    this.q.upsertPart.run(
      p.message_id,
      p.part_index,
      p.connector_id,
      p.carrier_id,
      p.carrier_id_raw,
      p.status,
      p.error,
      p.submitted_at,
    )
  }

  partByCarrierId(connectorId: string, carrierId: string): PartRow | null {
    return this.q.partByCarrier.get(connectorId, carrierId)
  }

  setPartStatus(
    messageId: string,
    index: number,
    status: string,
    error: string | null,
    at: number,
  ) {
    this.q.updatePartStatus.run(messageId, index, status, error, at)
  }

  putPendingReceipt(r: PendingReceiptRow): void {
    this.q.putPendingReceipt.run(r as never)
    // -1 is "not counted yet": one put makes at least one, not zero.
    this.parkedHint = Math.max(this.parkedHint, 0) + 1
  }

  /**
   * Whether a parked receipt may exist. Receipts that overtake their response are rare, and
   * looking for one costs 2–3 DELETEs per sent part (~9 % of the gateway's CPU when measured),
   * so a hint skips the lookups while the table is empty. It never undercounts: puts raise it,
   * takes do not lower it (a rolled-back take would make it lie), and a recount at most once a
   * second brings it back down.
   */
  mayHaveParkedReceipts(): boolean {
    if (this.parkedHint === 0) return false
    const now = Date.now()
    if (now - this.parkedCountedAt >= 1000) {
      this.parkedCountedAt = now
      this.parkedHint = this.q.countPendingReceipts.get()?.n ?? 1
    }
    return this.parkedHint > 0
  }

  takePendingReceipt(connectorId: string, carrierId: string): PendingReceiptRow | null {
    return this.q.takePendingReceipt.get(connectorId, carrierId)
  }

  /** The account that last messaged `to` (from `from`, when given and it matches anything). */
  lastAccountMessaging(to: string, from: string | null): string | null {
    const viaNumber =
      from === null
        ? null
        : (this.q.lastAccountToFrom.get(to, from.replace(/^\+/, "")) ??
          this.q.lastAccountToFrom.get(to, from))
    return viaNumber?.account_id ?? this.q.lastAccountTo.get(to)?.account_id ?? null
  }

  /** Queued live replies per connector they are pinned to. */
  pinnedQueued(): { connector_id: string; n: number }[] {
    return this.q.pinnedQueued.all()
  }

  /** Queue depth from the partial indexes only (no table scan, whatever the history). */
  queueDepth(): { queued: number; scheduled: number } {
    return {
      queued: this.q.countQueued.get()?.n ?? 0,
      scheduled: this.q.countScheduled.get()?.n ?? 0,
    }
  }

  countByStatus(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const r of this.q.countByStatus.all()) out[r.status] = r.n
    return out
  }

  nextScheduledAt(): number | null {
    return this.q.nextScheduled.get()?.at ?? null
  }

  list(f: MessageFilter): MessageRow[] {
    const where = ["account_id = $account"]
    const params: Record<string, string | number> = { account: f.accountId, limit: f.limit }
    if (f.status) {
      where.push("status = $status")
      params.status = f.status
    }
    if (f.to) {
      where.push("to_number = $to")
      params.to = f.to
    }
    if (f.batchId) {
      where.push("batch_id = $batch")
      params.batch = f.batchId
    }
    if (f.mode) {
      where.push("mode = $mode")
      params.mode = f.mode
    }
    if (f.beforeSeq !== undefined) {
      where.push("seq < $before")
      params.before = f.beforeSeq
    }
    const sql = `SELECT * FROM messages WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT $limit`
    return this.db.query<MessageRow, [Record<string, string | number>]>(sql).all(params)
  }
}
