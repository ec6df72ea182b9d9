import type { Database, Statement } from "bun:sqlite"

export type KeyMode = "live" | "test"

export interface ApiKeyRow {
  id: string
  account_id: string
  /** Hex SHA-256 of the key; the key itself is never stored. */
  hash: string
  prefix: string
  mode: KeyMode
  /** JSON array of scope names. */
  scopes: string
  label: string
  rate_per_second: number | null
  rate_per_hour: number | null
  created_at: number
  last_used_at: number | null
  revoked_at: number | null
}

/** API keys of accounts. Synchronous: callers own transactions. */
export class KeyRepo {
  private readonly q: {
    insert: Statement
    byId: Statement<ApiKeyRow, [string]>
    byHash: Statement<ApiKeyRow, [string]>
    ofAccount: Statement<ApiKeyRow, [string, string, number]>
    revoke: Statement<ApiKeyRow, [string, number]>
    touch: Statement
  }

  constructor(db: Database) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO api_keys (id, account_id, hash, prefix, mode, scopes, label, rate_per_second,
           rate_per_hour, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
      ),
      byId: db.query("SELECT * FROM api_keys WHERE id = ?"),
      byHash: db.query("SELECT * FROM api_keys WHERE hash = ?"),
      ofAccount: db.query(
        "SELECT * FROM api_keys WHERE account_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
      ),
      revoke: db.query(
        `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1 RETURNING *`,
      ),
      touch: db.prepare("UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1"),
    }
  }

  insert(k: Omit<ApiKeyRow, "last_used_at" | "revoked_at">): void {
    this.q.insert.run(
      k.id,
      k.account_id,
      k.hash,
      k.prefix,
      k.mode,
      k.scopes,
      k.label,
      k.rate_per_second,
      k.rate_per_hour,
      k.created_at,
    )
  }

  get(id: string): ApiKeyRow | null {
    return this.q.byId.get(id)
  }

  byHash(hashHex: string): ApiKeyRow | null {
    return this.q.byHash.get(hashHex)
  }

  /** The account's keys, newest first, with ids below `before`. */
  ofAccount(accountId: string, before: string | null, limit: number): ApiKeyRow[] {
    return this.q.ofAccount.all(accountId, before ?? "~", limit)
  }

  /** Marks the key revoked (the first revocation time is kept). */
  revoke(id: string, at: number): ApiKeyRow | null {
    return this.q.revoke.get(id, at)
  }

  touch(id: string, at: number): void {
    this.q.touch.run(id, at)
  }
}
