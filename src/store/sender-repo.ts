import type { Database, Statement } from "bun:sqlite"

export type SenderStatus = "pending" | "approved" | "rejected"

export interface SenderIdRow {
  id: string
  account_id: string
  value: string
  country_code: string
  purpose: string
  status: SenderStatus
  is_default: number
  reason: string | null
  created_at: number
  updated_at: number
  reviewed_at: number | null
}

export interface SenderFilter {
  /** Every account in the subtree of this one (itself included)… */
  subtreeOf?: string
  /** …or exactly this account. */
  accountId?: string
  status?: SenderStatus
  before: string | null
  limit: number
}

/** Sender IDs of accounts. Synchronous: callers own transactions. */
export class SenderRepo {
  private readonly q: {
    insert: Statement
    byId: Statement<SenderIdRow, [string]>
    byValue: Statement<SenderIdRow, [string, string, string]>
    approved: Statement<{ id: string }, [string, string]>
    defaultOf: Statement<{ value: string }, [string]>
    clearDefault: Statement
    save: Statement
  }

  constructor(private readonly db: Database) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO sender_ids (id, account_id, value, country_code, purpose, status, is_default,
           reason, created_at, updated_at, reviewed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, NULL, ?7, ?7, NULL)`,
      ),
      byId: db.query("SELECT * FROM sender_ids WHERE id = ?"),
      byValue: db.query(
        "SELECT * FROM sender_ids WHERE account_id = ? AND value = ? AND country_code = ?",
      ),
      approved: db.query(
        "SELECT id FROM sender_ids WHERE account_id = ? AND value = ? AND status = 'approved' LIMIT 1",
      ),
      defaultOf: db.query(
        "SELECT value FROM sender_ids WHERE account_id = ? AND is_default = 1 AND status = 'approved' ORDER BY updated_at DESC LIMIT 1",
      ),
      clearDefault: db.prepare(
        "UPDATE sender_ids SET is_default = 0 WHERE account_id = ?1 AND is_default = 1 AND id <> ?2",
      ),
      save: db.prepare(
        `UPDATE sender_ids SET status = ?2, is_default = ?3, reason = ?4, updated_at = ?5,
           reviewed_at = ?6, purpose = ?7
         WHERE id = ?1`,
      ),
    }
  }

  insert(
    s: Pick<
      SenderIdRow,
      "id" | "account_id" | "value" | "country_code" | "purpose" | "is_default" | "created_at"
    >,
  ): void {
    this.q.insert.run(
      s.id,
      s.account_id,
      s.value,
      s.country_code,
      s.purpose,
      s.is_default,
      s.created_at,
    )
  }

  get(id: string): SenderIdRow | null {
    return this.q.byId.get(id)
  }

  byValue(accountId: string, value: string, country: string): SenderIdRow | null {
    return this.q.byValue.get(accountId, value, country)
  }

  isApproved(accountId: string, value: string): boolean {
    return this.q.approved.get(accountId, value) !== null
  }

  /** The account's default sender, when it is approved. */
  defaultOf(accountId: string): string | null {
    return this.q.defaultOf.get(accountId)?.value ?? null
  }

  /** Makes `id` the only default of its account. */
  makeDefault(accountId: string, id: string): void {
    this.q.clearDefault.run(accountId, id)
  }

  save(s: SenderIdRow): void {
    this.q.save.run(s.id, s.status, s.is_default, s.reason, s.updated_at, s.reviewed_at, s.purpose)
  }

  /** Newest first. */
  list(f: SenderFilter): SenderIdRow[] {
    const where: string[] = ["s.id < $before"]
    const params: Record<string, string | number> = { before: f.before ?? "~", limit: f.limit }
    let from = "sender_ids s"
    if (f.accountId !== undefined) {
      where.push("s.account_id = $account")
      params.account = f.accountId
    } else if (f.subtreeOf !== undefined) {
      from = `(WITH RECURSIVE tree(id) AS (
                 SELECT $root UNION ALL SELECT a.id FROM accounts a JOIN tree ON a.parent_id = tree.id)
               SELECT sender_ids.* FROM sender_ids JOIN tree ON sender_ids.account_id = tree.id) s`
      params.root = f.subtreeOf
    }
    if (f.status !== undefined) {
      where.push("s.status = $status")
      params.status = f.status
    }
    const sql = `SELECT s.* FROM ${from} WHERE ${where.join(" AND ")} ORDER BY s.id DESC LIMIT $limit`
    return this.db.query<SenderIdRow, [Record<string, string | number>]>(sql).all(params)
  }
}
