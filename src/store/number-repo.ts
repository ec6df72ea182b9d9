import type { Database, Statement } from "bun:sqlite"

export interface NumberRow {
  id: string
  account_id: string
  /** E.164 with '+', or a short code (digits). */
  number: string
  /** Upper case; null: the whole number. */
  keyword: string | null
  /** Only inbound messages arriving on this connector; null: any. */
  connector_id: string | null
  created_at: number
}

/** Numbers and keywords assigned to accounts (0007). Synchronous: callers own transactions. */
export class NumberRepo {
  private readonly q: {
    insert: Statement<NumberRow, [string, string, string, string | null, string | null, number]>
    byId: Statement<NumberRow, [string]>
    byNumber: Statement<NumberRow, [string]>
    byConnector: Statement<NumberRow, [string]>
    pageOf: Statement<NumberRow, [string, string, number]>
    pageAll: Statement<NumberRow, [string, number]>
    remove: Statement<NumberRow, [string]>
  }

  constructor(db: Database) {
    this.q = {
      // DO NOTHING on the (number, keyword, connector) index: a taken assignment returns no row.
      insert: db.query(
        `INSERT INTO numbers (id, account_id, number, keyword, connector_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO NOTHING RETURNING *`,
      ),
      byId: db.query("SELECT * FROM numbers WHERE id = ?"),
      byNumber: db.query("SELECT * FROM numbers WHERE number = ?"),
      byConnector: db.query("SELECT * FROM numbers WHERE connector_id = ?"),
      // Newest first: ids are time-ordered.
      pageOf: db.query(
        "SELECT * FROM numbers WHERE account_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
      ),
      pageAll: db.query("SELECT * FROM numbers WHERE id < ?1 ORDER BY id DESC LIMIT ?2"),
      remove: db.query("DELETE FROM numbers WHERE id = ? RETURNING *"),
    }
  }

  /** Stores it, or returns null when the same number/keyword/connector is already assigned. */
  insert(r: NumberRow): NumberRow | null {
    return this.q.insert.get(r.id, r.account_id, r.number, r.keyword, r.connector_id, r.created_at)
  }

  get(id: string): NumberRow | null {
    return this.q.byId.get(id)
  }

  /** Every assignment of this number (its whole-number owner and its keywords). */
  byNumber(number: string): NumberRow[] {
    return this.q.byNumber.all(number)
  }

  /** Assignments narrowed to this connector. */
  byConnector(connectorId: string): NumberRow[] {
    return this.q.byConnector.all(connectorId)
  }

  /** Newest first, ids below `beforeId`; `accountId` null: every account's. */
  page(accountId: string | null, beforeId: string, limit: number): NumberRow[] {
    return accountId === null
      ? this.q.pageAll.all(beforeId, limit)
      : this.q.pageOf.all(accountId, beforeId, limit)
  }

  remove(id: string): NumberRow | null {
    return this.q.remove.get(id)
  }
}
