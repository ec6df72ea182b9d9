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

export const FINAL_STATUSES: readonly MessageStatus[] = ["delivered", "failed", "expired", "canceled"]

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
}

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
>

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
}

/** Messages, their parts, their events and early receipts. Synchronous: callers own transactions. */
export class MessageRepo {
  private readonly q: {
    insertBatch: Statement
    insertMessage: Statement
    insertEvent: Statement
    byId: Statement<MessageRow, [string]>
    events: Statement<EventRow, [string]>
    parts: Statement<PartRow, [string]>
    claim: Statement<MessageRow, [number, number, number]>
    releaseScheduled: Statement<MessageRow, [number, number, number]>
    requeueSending: Statement<{ id: string }, [number]>
    setStatus: Statement
    upsertPart: Statement
    partByCarrier: Statement<PartRow, [string, string]>
    updatePartStatus: Statement
    putPendingReceipt: Statement
    takePendingReceipt: Statement<PendingReceiptRow, [string, string]>
    countByStatus: Statement<{ status: string; n: number }, []>
    nextScheduled: Statement<{ at: number | null }, []>
    setAttempts: Statement
  }

  private eventSeq = 0

  constructor(private readonly db: Database) {
    this.q = {
      insertBatch: db.prepare(
        "INSERT INTO batches (id, account_id, recipients, created_at) VALUES (?, ?, ?, ?)",
      ),
      insertMessage: db.prepare(
        `INSERT INTO messages (id, batch_id, account_id, to_number, from_addr, body, encoding,
           segments, reference, priority, status, scheduled_at, not_before, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)`,
      ),
      insertEvent: db.prepare(
        "INSERT INTO message_events (message_id, seq, status, part, at, detail) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      byId: db.query("SELECT * FROM messages WHERE id = ?"),
      events: db.query("SELECT * FROM message_events WHERE message_id = ? ORDER BY seq"),
      parts: db.query("SELECT * FROM message_parts WHERE message_id = ? ORDER BY part_index"),
      // Claims in one statement (bun-notes: UPDATE … WHERE seq IN (SELECT … LIMIT n) RETURNING).
      claim: db.query(
        `UPDATE messages SET status = 'sending', updated_at = ?1, attempts = attempts + 1
         WHERE seq IN (SELECT seq FROM messages INDEXED BY messages_ready
                       WHERE status = 'queued' AND not_before <= ?2
                       ORDER BY priority DESC, seq LIMIT ?3)
         RETURNING *`,
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
        `UPDATE messages SET status = $status, updated_at = $at,
           not_before = COALESCE($not_before, not_before),
           connector_id = COALESCE($connector_id, connector_id),
           carrier_message_id = COALESCE($carrier_message_id, carrier_message_id),
           error_code = $error_code, error_detail = $error_detail,
           sent_at = COALESCE(sent_at, $sent_at),
           delivered_at = COALESCE(delivered_at, $delivered_at),
           final_at = COALESCE(final_at, $final_at)
         WHERE id = $id`,
      ),
      upsertPart: db.prepare(
        `INSERT INTO message_parts (message_id, part_index, connector_id, carrier_id, carrier_id_raw,
           status, error, submitted_at)
         VALUES ($message_id, $part_index, $connector_id, $carrier_id, $carrier_id_raw, $status,
           $error, $submitted_at)
         ON CONFLICT (message_id, part_index) DO UPDATE SET connector_id = excluded.connector_id,
           carrier_id = excluded.carrier_id, carrier_id_raw = excluded.carrier_id_raw,
           status = excluded.status, error = excluded.error, submitted_at = excluded.submitted_at`,
      ),
      partByCarrier: db.query(
        "SELECT * FROM message_parts WHERE connector_id = ? AND carrier_id = ? LIMIT 1",
      ),
      updatePartStatus: db.prepare(
        `UPDATE message_parts SET status = $status, error = $error, receipt_at = $at
         WHERE message_id = $message_id AND part_index = $part_index`,
      ),
      putPendingReceipt: db.prepare(
        `INSERT OR REPLACE INTO pending_receipts (connector_id, carrier_id, state, stat, error,
           done_at, raw, received_at)
         VALUES ($connector_id, $carrier_id, $state, $stat, $error, $done_at, $raw, $received_at)`,
      ),
      takePendingReceipt: db.query(
        "DELETE FROM pending_receipts WHERE connector_id = ? AND carrier_id = ? RETURNING *",
      ),
      countByStatus: db.query("SELECT status, count(*) AS n FROM messages GROUP BY status"),
      setAttempts: db.prepare("UPDATE messages SET attempts = ? WHERE id = ?"),
      nextScheduled: db.query(
        "SELECT min(scheduled_at) AS at FROM messages WHERE status = 'scheduled'",
      ),
    }
  }

  insertBatch(id: string, accountId: string, recipients: number, at: number): void {
    this.q.insertBatch.run(id, accountId, recipients, at)
  }

  insertMessage(m: NewMessage): void {
    // Positional binding: ~25 % cheaper than a named-parameter object on this hot path.
    this.q.insertMessage.run(
      m.id, m.batch_id, m.account_id, m.to_number, m.from_addr, m.body, m.encoding, m.segments,
      m.reference, m.priority, m.status, m.scheduled_at, m.not_before, m.created_at,
    )
  }

  addEvent(messageId: string, status: string, at: number, detail: string | null, part?: number) {
    // Monotonic even if the wall clock steps back: events of one message keep their order.
    this.eventSeq = Math.max(this.eventSeq + 1, Date.now() * 1000)
    this.q.insertEvent.run(messageId, this.eventSeq, status, part ?? null, at, detail)
  }

  get(id: string): MessageRow | null {
    return this.q.byId.get(id)
  }

  events(id: string): EventRow[] {
    return this.q.events.all(id)
  }

  parts(id: string): PartRow[] {
    return this.q.parts.all(id)
  }

  /** Marks up to `limit` due queued messages `sending` (attempts+1) and returns them. */
  claimReady(now: number, limit: number): MessageRow[] {
    return this.q.claim.all(now, now, limit)
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
  }): void {
    this.q.setStatus.run({
      id: change.id,
      status: change.status,
      at: change.at,
      not_before: change.notBefore ?? null,
      connector_id: change.connectorId ?? null,
      carrier_message_id: change.carrierMessageId ?? null,
      error_code: change.errorCode ?? null,
      error_detail: change.errorDetail ?? null,
      sent_at: change.sentAt ?? null,
      delivered_at: change.deliveredAt ?? null,
      final_at: change.finalAt ?? null,
    } as never)
  }

  setAttempts(id: string, attempts: number): void {
    this.q.setAttempts.run(attempts, id)
  }

  upsertPart(p: Omit<PartRow, "receipt_at">): void {
    this.q.upsertPart.run(p as never)
  }

  partByCarrierId(connectorId: string, carrierId: string): PartRow | null {
    return this.q.partByCarrier.get(connectorId, carrierId)
  }

  setPartStatus(messageId: string, index: number, status: string, error: string | null, at: number) {
    this.q.updatePartStatus.run({ message_id: messageId, part_index: index, status, error, at } as never)
  }

  putPendingReceipt(r: PendingReceiptRow): void {
    this.q.putPendingReceipt.run(r as never)
  }

  takePendingReceipt(connectorId: string, carrierId: string): PendingReceiptRow | null {
    return this.q.takePendingReceipt.get(connectorId, carrierId)
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
    if (f.beforeSeq !== undefined) {
      where.push("seq < $before")
      params.before = f.beforeSeq
    }
    const sql = `SELECT * FROM messages WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT $limit`
    return this.db.query<MessageRow, [Record<string, string | number>]>(sql).all(params)
  }
}
