import type { Database, Statement } from "bun:sqlite"

export interface InboundRow {
  seq: number
  id: string
  account_id: string
  connector_id: string
  from_addr: string
  to_addr: string | null
  body: string
  encoding: string
  parts: number
  external_id: string | null
  sent_at: number | null
  received_at: number
  created_at: number
  /** The conversation it was threaded into (0007); null only for rows stored before 0007. */
  conversation_id: string | null
}

export type NewInbound = Omit<InboundRow, "seq">

/** Inbound (MO) messages in arrival order. Synchronous: callers own transactions. */
export class InboundRepo {
  private readonly q: {
    insert: Statement<
      InboundRow,
      [
        string,
        string,
        string,
        string,
        string | null,
        string,
        string,
        number,
        string | null,
        number | null,
        number,
        number,
        string | null,
      ]
    >
    byExternal: Statement<InboundRow, [string, string]>
    byId: Statement<InboundRow, [string]>
    page: Statement<InboundRow, [string, number, number]>
  }

  constructor(db: Database) {
    this.q = {
      insert: db.query(
        `INSERT INTO inbound_messages (id, account_id, connector_id, from_addr, to_addr, body, encoding,
           parts, external_id, sent_at, received_at, created_at, conversation_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         RETURNING *`,
      ),
      byExternal: db.query(
        "SELECT * FROM inbound_messages WHERE connector_id = ? AND external_id = ?",
      ),
      byId: db.query("SELECT * FROM inbound_messages WHERE id = ?"),
      page: db.query(
        "SELECT * FROM inbound_messages WHERE account_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      ),
    }
  }

  /** Stores it. Callers look for a redelivery first (byExternalId; core/inbound.ts). */
  insert(m: NewInbound): InboundRow {
    return this.q.insert.get(
      m.id,
      m.account_id,
      m.connector_id,
      m.from_addr,
      m.to_addr,
      m.body,
      m.encoding,
      m.parts,
      m.external_id,
      m.sent_at,
      m.received_at,
      m.created_at,
      m.conversation_id,
    )!
  }

  /** The row a peer's earlier delivery of this MO left, if any. */
  byExternalId(connectorId: string, externalId: string): InboundRow | null {
    return this.q.byExternal.get(connectorId, externalId)
  }

  get(id: string): InboundRow | null {
    return this.q.byId.get(id)
  }

  /** The account's messages after `afterSeq`, oldest first. */
  page(accountId: string, afterSeq: number, limit: number): InboundRow[] {
    return this.q.page.all(accountId, afterSeq, limit)
  }
}
