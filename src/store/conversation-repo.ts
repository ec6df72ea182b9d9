import type { Database, Statement } from "bun:sqlite"

export interface ConversationRow {
  id: string
  account_id: string
  /** Null when neither the connector nor a numbers row tells it (a modem without +CNUM). */
  our_number: string | null
  their_number: string
  /** Where replies go out: the connector of the last inbound message. */
  connector_id: string
  last_message_at: number
  created_at: number
}

/** One message of a conversation, either direction, as the merged listing returns it. */
export interface ConversationMessageRow {
  /** 0 inbound, 1 outbound: the tie-break after `at`. */
  dir: 0 | 1
  seq: number
  id: string
  /** When the gateway stored it (epoch ms): the conversation's order. */
  at: number
  from_addr: string | null
  to_addr: string | null
  body: string
  encoding: string
  /** Parts it arrived in (inbound) or segments (outbound). */
  parts: number
  connector_id: string | null
  /** Outbound only. */
  status: string | null
  error_code: string | null
}

export interface ConversationCursor {
  at: number
  dir: number
  seq: number
}

/** Conversations and their message links (0007). Synchronous: callers own transactions. */
export class ConversationRepo {
  private readonly q: {
    touch: Statement<ConversationRow, [string, string, string | null, string, string, number]>
    byId: Statement<ConversationRow, [string]>
    byPair: Statement<ConversationRow, [string, string, string]>
    page: Statement<ConversationRow, [string, number, string, number]>
    bump: Statement
    messages: Statement<
      ConversationMessageRow,
      [string, string, string, string | null, string | null, number, number, number, number]
    >
  }

  constructor(db: Database) {
    this.q = {
      // The conflict target repeats the unique index's expressions (0007). A thread with an
      // unknown number of ours is keyed by its connector, which therefore never changes.
      touch: db.query(
        `INSERT INTO conversations (id, account_id, our_number, their_number, connector_id,
           last_message_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (account_id, ifnull(our_number, '@' || connector_id), their_number) DO UPDATE SET
           last_message_at = max(last_message_at, excluded.last_message_at),
           connector_id = excluded.connector_id
         RETURNING *`,
      ),
      byId: db.query("SELECT * FROM conversations WHERE id = ?"),
      byPair: db.query(
        `SELECT * FROM conversations
         WHERE account_id = ?1 AND ifnull(our_number, '@' || connector_id) = ?2 AND their_number = ?3`,
      ),
      page: db.query(
        `SELECT * FROM conversations
         WHERE account_id = ?1 AND (last_message_at, id) < (?2, ?3)
         ORDER BY last_message_at DESC, id DESC LIMIT ?4`,
      ),
      bump: db.prepare(
        "UPDATE conversations SET last_message_at = max(last_message_at, ?2) WHERE id = ?1",
      ),
      // Outbound messages belong to the thread when they were sent into it (linked), or when they
      // went from our number to theirs through POST /v1/messages.
      messages: db.query(
        `SELECT * FROM (
           SELECT 0 AS dir, seq, id, created_at AS at, from_addr, to_addr, body, encoding, parts,
                  connector_id, NULL AS status, NULL AS error_code
           FROM inbound_messages WHERE conversation_id = ?1
           UNION ALL
           SELECT 1, seq, id, created_at, from_addr, to_number, body, encoding, segments,
                  connector_id, status, error_code
           FROM messages
           WHERE account_id = ?2 AND mode = 'live'
             AND (conversation_id = ?1 OR (to_number = ?3 AND from_addr IN (?4, ?5)))
         )
         WHERE (at, dir, seq) > (?6, ?7, ?8)
         ORDER BY at, dir, seq LIMIT ?9`,
      ),
    }
  }

  /** Finds or creates the thread and moves its `last_message_at` (and reply connector) on. */
  touch(c: Omit<ConversationRow, "created_at">): ConversationRow {
    return this.q.touch.get(
      c.id,
      c.account_id,
      c.our_number,
      c.their_number,
      c.connector_id,
      c.last_message_at,
    )!
  }

  get(id: string): ConversationRow | null {
    return this.q.byId.get(id)
  }

  find(
    accountId: string,
    ourNumber: string | null,
    connectorId: string,
    theirNumber: string,
  ): ConversationRow | null {
    return this.q.byPair.get(accountId, ourNumber ?? `@${connectorId}`, theirNumber)
  }

  /** Most recent activity first, after the (last_message_at, id) of the previous page. */
  page(
    accountId: string,
    before: { at: number; id: string } | null,
    limit: number,
  ): ConversationRow[] {
    return this.q.page.all(
      accountId,
      before?.at ?? Number.MAX_SAFE_INTEGER,
      before?.id ?? "\uffff",
      limit,
    )
  }

  /** A message was sent into the thread (inserted with its conversation_id): move it on. */
  bump(conversationId: string, at: number): void {
    this.q.bump.run(conversationId, at)
  }

  /** Both directions, oldest first, after `after`. */
  messages(
    c: ConversationRow,
    after: ConversationCursor | null,
    limit: number,
  ): ConversationMessageRow[] {
    const our = c.our_number
    return this.q.messages.all(
      c.id,
      c.account_id,
      c.their_number,
      our,
      our?.replace(/^\+/, "") ?? null,
      after?.at ?? -1,
      after?.dir ?? 0,
      after?.seq ?? 0,
      limit,
    )
  }
}
