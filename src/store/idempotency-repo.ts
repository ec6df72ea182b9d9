import type { Database, Statement } from "bun:sqlite"

export interface IdempotencyRow {
  account_id: string
  key: string
  request_hash: string
  status: number
  response: string
  created_at: number
}

/** Stored answers to requests that carried an Idempotency-Key (design.md §9). */
export class IdempotencyRepo {
  private readonly getStmt: Statement<IdempotencyRow, [string, string]>
  private readonly putStmt: Statement

  constructor(db: Database) {
    this.getStmt = db.query("SELECT * FROM idempotency_keys WHERE account_id = ? AND key = ?")
    this.putStmt = db.prepare(
      `INSERT INTO idempotency_keys (account_id, key, request_hash, status, response, created_at)
       VALUES ($account_id, $key, $request_hash, $status, $response, $created_at)`,
    )
  }

  get(accountId: string, key: string): IdempotencyRow | null {
    return this.getStmt.get(accountId, key)
  }

  put(row: IdempotencyRow): void {
    this.putStmt.run(row as never)
  }
}
