/**
 * Conversations (docs/two-way.md#conversations): inbound and outbound messages threaded by
 * (our number, their number) per account, and replies that leave through the connector and
 * number the conversation came in on.
 */

import { AppError } from "../lib/app-error.ts"
import { toIso } from "../lib/clock.ts"
import type { ConversationCursor, ConversationMessageRow } from "../store/conversation-repo.ts"
import type { ConversationRow, Store } from "../store/index.ts"
import type { AcceptResult, SendRequest } from "./accept.ts"
import type { Principal } from "./auth.ts"
import { decodeCursorFields, page } from "./cursor.ts"

/** Who is asking: conversations are live traffic, so a sandbox (sk_test_) key sees none. */
export type Viewer = Pick<Principal, "accountId" | "mode">

export interface ConversationView {
  id: string
  our_number: string | null
  their_number: string
  /** The connector replies go out on: the one the last inbound message came in on. */
  connector: string
  /** Whether their number opted out of this account (replies would be refused). */
  opted_out: boolean
  last_message_at: string
  created_at: string
}

export interface ConversationMessageView {
  direction: "inbound" | "outbound"
  id: string
  from: string | null
  to: string | null
  message: string
  encoding: string
  /** Parts it arrived in (inbound) or segments (outbound). */
  parts: number
  connector: string | null
  /** Outbound only: the message's status (GET /v1/messages/{id} has its timeline). */
  status: string | null
  error_code: string | null
  at: string
}

export interface ReplyResult {
  status: number
  replayed: boolean
  body: {
    id: string
    conversation_id: string
    to: string
    from: string | null
    connector: string
    status: "queued" | "scheduled"
    segments: number
    encoding: "gsm7" | "ucs2"
  }
}

export const DEFAULT_CONVERSATION_PAGE = 50
export const MAX_CONVERSATION_PAGE = 1000

function messageView(r: ConversationMessageRow): ConversationMessageView {
  return {
    direction: r.dir === 0 ? "inbound" : "outbound",
    id: r.id,
    from: r.from_addr,
    to: r.to_addr,
    message: r.body,
    encoding: r.encoding,
    parts: r.parts,
    connector: r.connector_id,
    status: r.status,
    error_code: r.error_code,
    at: toIso(r.at)!,
  }
}

export class ConversationService {
  constructor(private readonly deps: { store: Store }) {}

  private view(c: ConversationRow): ConversationView {
    return {
      id: c.id,
      our_number: c.our_number,
      their_number: c.their_number,
      connector: c.connector_id,
      opted_out: this.optedOut(c),
      last_message_at: toIso(c.last_message_at)!,
      created_at: toIso(c.created_at)!,
    }
  }

  private optedOut(c: ConversationRow): boolean {
    const { optOuts } = this.deps.store
    return optOuts.get(c.account_id, c.their_number) !== null
  }

  /** Another account's conversation answers exactly like a missing one (design.md §7). */
  private find(viewer: Viewer, id: string): ConversationRow {
    const c = viewer.mode === "test" ? null : this.deps.store.conversations.get(id)
    if (!c || c.account_id !== viewer.accountId)
      throw new AppError("not_found", `no conversation with id ${id}`)
    return c
  }

  /** Most recent activity first. */
  list(viewer: Viewer, q: { limit?: number; cursor?: string }) {
    const limit = Math.min(q.limit ?? DEFAULT_CONVERSATION_PAGE, MAX_CONVERSATION_PAGE)
    let before: { at: number; id: string } | null = null
    if (q.cursor) {
      const [at, id] = decodeCursorFields("c", q.cursor, /^(\d+):(cnv_[0-9a-z]+)$/)
      before = { at: Number(at), id: id! }
    }
    if (viewer.mode === "test") return { data: [], next_cursor: null }
    const rows = this.deps.store.conversations.page(viewer.accountId, before, limit + 1)
    return page(
      rows,
      limit,
      "c",
      (c) => `${c.last_message_at}:${c.id}`,
      (c) => this.view(c),
    )
  }

  get(viewer: Viewer, id: string): ConversationView {
    return this.view(this.find(viewer, id))
  }

  /** Both directions, oldest first (in the order the gateway stored them). */
  messages(viewer: Viewer, id: string, q: { limit?: number; cursor?: string }) {
    const c = this.find(viewer, id)
    const limit = Math.min(q.limit ?? DEFAULT_CONVERSATION_PAGE, MAX_CONVERSATION_PAGE)
    let after: ConversationCursor | null = null
    if (q.cursor) {
      const [at, dir, seq] = decodeCursorFields("m", q.cursor, /^(\d+):([01]):(\d+)$/)
      after = { at: Number(at), dir: Number(dir), seq: Number(seq) }
    }
    const rows = this.deps.store.conversations.messages(c, after, limit + 1)
    return page(rows, limit, "m", (r) => `${r.at}:${r.dir}:${r.seq}`, messageView)
  }

  /**
   * Sends `message` to their number from our number, pinned to the conversation's connector,
   * through the same accept path as POST /v1/messages (validation, opt-out check, idempotency).
   */
  async reply(
    viewer: Viewer,
    id: string,
    input: { message: string; idempotencyKey?: string },
    send: (request: SendRequest) => Promise<AcceptResult>,
  ): Promise<ReplyResult> {
    const c = this.find(viewer, id)
    const result = await send({
      accountId: viewer.accountId,
      mode: viewer.mode,
      to: c.their_number,
      message: input.message,
      ...(c.our_number !== null ? { from: c.our_number } : {}),
      ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
      conversation: { id: c.id, connectorId: c.connector_id },
    })
    const m = result.body.messages[0]!
    return {
      status: result.status,
      replayed: result.replayed,
      body: {
        id: m.id,
        conversation_id: c.id,
        to: m.to,
        from: c.our_number,
        connector: c.connector_id,
        status: m.status,
        segments: m.segments,
        encoding: m.encoding,
      },
    }
  }
}
