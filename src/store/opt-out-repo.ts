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

  /**
   * Accounts known to have opt-outs (true) or none (false). This process is the database's only
   * writer, so `add` and `remove` keep it right; an add that is rolled back leaves `true`, which
   * only costs the per-recipient lookups. Saves a read outside any transaction per send request.
   */
  private readonly hasAny = new Map<string, boolean>()

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
    const known = this.hasAny.get(accountId)
    if (known !== undefined) return known
    if (this.hasAny.size >= 100_000) this.hasAny.clear()
    const found = this.q.any.get(accountId) !== null
    this.hasAny.set(accountId, found)
    return found
  }

  /** The opt-out of `number` from the account; no query at all for an account that has none. */
  get(accountId: string, number: string): OptOutRow | null {
    if (!this.any(accountId)) return null
    return this.q.get.get(accountId, number)
  }

  /** The new row, or null when the number was already opted out. */
  add(r: OptOutRow): OptOutRow | null {
    this.hasAny.set(r.account_id, true)
    return this.q.add.get(r.account_id, r.number, r.source, r.keyword, r.created_at)
  }

  /** The removed row, or null when the number was not opted out. */
  remove(accountId: string, number: string): OptOutRow | null {
    this.hasAny.delete(accountId) // asked again next time: other numbers may remain
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
