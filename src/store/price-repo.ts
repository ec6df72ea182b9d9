import type { Database, Statement } from "bun:sqlite"

export interface PriceRow {
  /** ISO 3166-1 alpha-2, or "*" for the default. */
  country: string
  credits_per_segment: number
  updated_at: number
}

/** The price table. Synchronous: callers own transactions. */
export class PriceRepo {
  private readonly q: {
    all: Statement<PriceRow, []>
    clear: Statement
    put: Statement
  }

  constructor(db: Database) {
    this.q = {
      all: db.query("SELECT * FROM prices ORDER BY country"),
      clear: db.prepare("DELETE FROM prices"),
      put: db.prepare(
        "INSERT INTO prices (country, credits_per_segment, updated_at) VALUES (?1, ?2, ?3)",
      ),
    }
  }

  all(): PriceRow[] {
    return this.q.all.all()
  }

  /** Replaces the whole table. */
  replace(rows: PriceRow[]): void {
    this.q.clear.run()
    for (const r of rows) this.q.put.run(r.country, r.credits_per_segment, r.updated_at)
  }
}
