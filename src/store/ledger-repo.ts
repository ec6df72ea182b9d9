import type { Database, Statement } from "bun:sqlite"

export type LedgerKind = "topup" | "deduct" | "reserve" | "capture" | "release" | "adjust"
export type LedgerUnit = "credits" | "wallet"

export interface BalanceRow {
  account_id: string
  sms_credits: number
  wallet_balance: number
  reserved: number
  updated_at: number
}

export interface LedgerEntryRow {
  seq: number
  account_id: string
  kind: LedgerKind
  unit: LedgerUnit
  /** Signed change of the available balance of `unit`. */
  amount: number
  /** Signed change of `reserved` (credits). */
  reserved_change: number
  balance_after: number
  reserved_after: number
  message_id: string | null
  batch_id: string | null
  counterparty_id: string | null
  reason: string
  created_at: number
}

export type NewLedgerEntry = Omit<LedgerEntryRow, "seq">

/** A reserved charge joined with the state of its message (for settling it). */
export interface OpenChargeRow {
  account_id: string
  amount: number
  status: string
  segments: number
}

type Balances = Pick<BalanceRow, "sms_credits" | "wallet_balance" | "reserved">

/**
 * Balances, the ledger and per-message charges. Synchronous: callers own transactions, and a
 * balance change and its ledger row are always written in the same one (core/ledger.ts).
 */
export class LedgerRepo {
  private readonly q: {
    openBalance: Statement
    balance: Statement<BalanceRow, [string]>
    afterChange: Statement<Balances, [string]>
    apply: Statement<unknown, [string, number, number, number, number]>
    insertEntry: Statement<
      unknown,
      [
        string,
        string,
        string,
        number,
        number,
        number,
        number,
        string | null,
        string | null,
        string | null,
        string,
        number,
      ]
    >
    entries: Statement<LedgerEntryRow, [string, number, number]>
    insertCharge: Statement
    openCharge: Statement<OpenChargeRow, [string]>
    closeCharge: Statement
    sentParts: Statement<{ n: number }, [string]>
  }

  constructor(db: Database) {
    this.q = {
      openBalance: db.prepare(
        `INSERT INTO balances (account_id, sms_credits, wallet_balance, reserved, updated_at)
         VALUES (?1, 0, 0, 0, ?2)`,
      ),
      balance: db.query("SELECT * FROM balances WHERE account_id = ?"),
      afterChange: db.query(
        "SELECT sms_credits, wallet_balance, reserved FROM balances WHERE account_id = ?",
      ),
      // One statement checks and moves: it changes no row when the account has no balance row
      // or when a column would go below zero.
      apply: db.query(
        `UPDATE balances SET sms_credits = sms_credits + ?2, wallet_balance = wallet_balance + ?3,
           reserved = reserved + ?4, updated_at = ?5
         WHERE account_id = ?1 AND sms_credits + ?2 >= 0 AND wallet_balance + ?3 >= 0
           AND reserved + ?4 >= 0`,
      ),
      insertEntry: db.query(
        `INSERT INTO ledger_entries (account_id, kind, unit, amount, reserved_change, balance_after,
           reserved_after, message_id, batch_id, counterparty_id, reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
      ),
      entries: db.query(
        "SELECT * FROM ledger_entries WHERE account_id = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
      ),
      insertCharge: db.prepare(
        "INSERT INTO message_charges (message_id, account_id, amount, state) VALUES (?1, ?2, ?3, 'reserved')",
      ),
      openCharge: db.query(
        `SELECT c.account_id, c.amount, m.status, m.segments
         FROM message_charges c JOIN messages m ON m.id = c.message_id
         WHERE c.message_id = ? AND c.state = 'reserved'`,
      ),
      closeCharge: db.prepare("UPDATE message_charges SET state = ?2 WHERE message_id = ?1"),
      sentParts: db.query(
        "SELECT count(*) AS n FROM message_parts WHERE message_id = ? AND carrier_id IS NOT NULL",
      ),
    }
  }

  openBalance(accountId: string, at: number): void {
    this.q.openBalance.run(accountId, at)
  }

  balance(accountId: string): BalanceRow | null {
    return this.q.balance.get(accountId)
  }

  /**
   * Adds the (signed) changes; null when the account has no balance row or any column would go
   * below zero (nothing is changed then).
   *
   * A metered message moves credits twice (reserve, capture), so this and insertEntry run a
   * plain statement and read back, not `… RETURNING`: see the MessageRepo class comment for why
   * that is several times cheaper inside the running gateway.
   */
  apply(
    accountId: string,
    credits: number,
    wallet: number,
    reserved: number,
    at: number,
  ): Balances | null {
    if (this.q.apply.run(accountId, credits, wallet, reserved, at).changes === 0) return null
    return this.q.afterChange.get(accountId)
  }

  /** Appends an entry; its seq (the rowid). */
  insertEntry(e: NewLedgerEntry): number {
    const { lastInsertRowid } = this.q.insertEntry.run(
      e.account_id,
      e.kind,
      e.unit,
      e.amount,
      e.reserved_change,
      e.balance_after,
      e.reserved_after,
      e.message_id,
      e.batch_id,
      e.counterparty_id,
      e.reason,
      e.created_at,
    )
    return Number(lastInsertRowid)
  }

  /** The account's entries newest first, with seq below `before`. */
  entries(accountId: string, before: number | null, limit: number): LedgerEntryRow[] {
    return this.q.entries.all(accountId, before ?? Number.MAX_SAFE_INTEGER, limit)
  }

  insertCharge(messageId: string, accountId: string, amount: number): void {
    this.q.insertCharge.run(messageId, accountId, amount)
  }

  /** The message's charge while it is still reserved, with the message's status; else null. */
  openCharge(messageId: string): OpenChargeRow | null {
    return this.q.openCharge.get(messageId)
  }

  closeCharge(messageId: string, state: "captured" | "released"): void {
    this.q.closeCharge.run(messageId, state)
  }

  /** Parts of the message the carrier accepted (they have a carrier id). */
  sentParts(messageId: string): number {
    return this.q.sentParts.get(messageId)?.n ?? 0
  }
}
