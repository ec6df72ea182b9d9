import type { Database, Statement } from "bun:sqlite"

export type AccountKind = "root" | "partner" | "customer"
export type AccountStatus = "active" | "suspended"

export interface AccountRow {
  id: string
  parent_id: string | null
  kind: AccountKind
  full_name: string
  phone: string | null
  country_code: string | null
  email: string | null
  external_ref: string | null
  label: string | null
  status: AccountStatus
  /** The account whose key suspended it (0010); null while active. */
  suspended_by?: string | null
  currency: string
  created_at: number
  updated_at: number
}

/** Accounts (the tenant tree). Synchronous: callers own transactions. */
export class AccountRepo {
  private readonly q: {
    insert: Statement
    byId: Statement<AccountRow, [string]>
    byRef: Statement<AccountRow, [string, string]>
    parentOf: Statement<
      { parent_id: string | null; status: AccountStatus; kind: AccountKind },
      [string]
    >
    children: Statement<AccountRow, [string, string, number]>
    update: Statement
  }

  constructor(db: Database) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO accounts (id, parent_id, kind, full_name, phone, country_code, email,
           external_ref, label, status, currency, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)`,
      ),
      byId: db.query("SELECT * FROM accounts WHERE id = ?"),
      byRef: db.query("SELECT * FROM accounts WHERE parent_id = ? AND external_ref = ?"),
      parentOf: db.query("SELECT parent_id, status, kind FROM accounts WHERE id = ?"),
      // Newest first: ids are time-ordered.
      children: db.query(
        "SELECT * FROM accounts WHERE parent_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
      ),
      update: db.prepare(
        `UPDATE accounts SET full_name = ?2, phone = ?3, email = ?4, label = ?5, status = ?6,
           updated_at = ?7, suspended_by = ?8
         WHERE id = ?1`,
      ),
    }
  }

  insert(a: Omit<AccountRow, "updated_at">): void {
    this.q.insert.run(
      a.id,
      a.parent_id,
      a.kind,
      a.full_name,
      a.phone,
      a.country_code,
      a.email,
      a.external_ref,
      a.label,
      a.status,
      a.currency,
      a.created_at,
    )
  }

  get(id: string): AccountRow | null {
    return this.q.byId.get(id)
  }

  byExternalRef(parentId: string, ref: string): AccountRow | null {
    return this.q.byRef.get(parentId, ref)
  }

  /**
   * The account and its ancestors, nearest first (at most root → partner → customer, so a few
   * primary-key lookups). Empty when the account does not exist.
   */
  lineage(id: string): { id: string; status: AccountStatus; kind: AccountKind }[] {
    const out: { id: string; status: AccountStatus; kind: AccountKind }[] = []
    let current: string | null = id
    while (current !== null && out.length < 16) {
      const row = this.q.parentOf.get(current)
      if (!row) break
      out.push({ id: current, status: row.status, kind: row.kind })
      current = row.parent_id
    }
    return out
  }

  /** Direct children of `parentId`, newest first, with ids below `before`. */
  children(parentId: string, before: string | null, limit: number): AccountRow[] {
    // "~" sorts after every id character, so it stands for "from the newest".
    return this.q.children.all(parentId, before ?? "~", limit)
  }

  save(a: AccountRow): void {
    this.q.update.run(
      a.id,
      a.full_name,
      a.phone,
      a.email,
      a.label,
      a.status,
      a.updated_at,
      a.suspended_by ?? null,
    )
  }
}
