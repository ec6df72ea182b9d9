import type { Database, Statement } from "bun:sqlite"

export type OptOutSource = "api" | "keyword"

export interface OptOutRow {
  account_id: string
  number: string
  source: OptOutSource
  /** The word that did it (STOP, …) when `source` is keyword. */
  keyword: string | null
  created_at: number
}

/** Recipients who opted out, per account (0007). Synchronous: callers own transactions. */
export class OptOutRepo {
  private readonly q: {
    any: Statement<{ one: number }, [string]>
    get: Statement<OptOutRow, [string, string]>
    add: Statement<OptOutRow, [string, string, string, string | null, number]>
    remove: Statement<OptOutRow, [string, string]>
    page: Statement<OptOutRow, [string, number, string, number]>
  }

  constructor(db: Database) {
    this.q = {
      any: db.query("SELECT 1 AS one FROM opt_outs WHERE account_id = ? LIMIT 1"),
      get: db.query("SELECT * FROM opt_outs WHERE account_id = ? AND number = ?"),
      add: db.query(
        `INSERT INTO opt_outs (account_id, number, source, keyword, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING RETURNING *`,
      ),
      remove: db.query("DELETE FROM opt_outs WHERE account_id = ? AND number = ? RETURNING *"),
      page: db.query(
        `SELECT * FROM opt_outs
         WHERE account_id = ?1 AND (created_at, number) < (?2, ?3)
         ORDER BY created_at DESC, number DESC LIMIT ?4`,
      ),
    }
  }

  /** Whether the account has any opt-out at all: one index seek, the common answer being no. */
  any(accountId: string): boolean {
    return this.q.any.get(accountId) !== null
  }

  get(accountId: string, number: string): OptOutRow | null {
    return this.q.get.get(accountId, number)
  }

  /** The new row, or null when the number was already opted out. */
  add(r: OptOutRow): OptOutRow | null {
    return this.q.add.get(r.account_id, r.number, r.source, r.keyword, r.created_at)
  }

  /** The removed row, or null when the number was not opted out. */
  remove(accountId: string, number: string): OptOutRow | null {
    return this.q.remove.get(accountId, number)
  }

  /** Newest first, after the (created_at, number) of the previous page. */
  page(
    accountId: string,
    before: { at: number; number: string } | null,
    limit: number,
  ): OptOutRow[] {
    return this.q.page.all(
      accountId,
      before?.at ?? Number.MAX_SAFE_INTEGER,
      before?.number ?? "\uffff",
      limit,
    )
  }
}
