import type { Database, Statement } from "bun:sqlite"

/** Small key/value facts the gateway keeps about itself (e.g. the generated admin key's hash). */
export class SettingsRepo {
  private readonly getStmt: Statement<{ value: string }, [string]>
  private readonly putStmt: Statement

  constructor(db: Database) {
    this.getStmt = db.query("SELECT value FROM settings WHERE key = ?")
    this.putStmt = db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)")
  }

  get(key: string): string | null {
    return this.getStmt.get(key)?.value ?? null
  }

  put(key: string, value: string): void {
    this.putStmt.run(key, value)
  }
}
