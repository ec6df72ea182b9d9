/**
 * Inbound (MO) messages: stored once per arrival, owned by an account, listed in arrival order
 * with a cursor that never skips or repeats.
 */
import type { InboundMessage } from "../connectors/connector.ts"
import { AppError } from "../lib/app-error.ts"
import { toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { InboundRow, Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"

export interface InboundView {
  id: string
  from: string
  to: string | null
  message: string
  encoding: string
  parts: number
  connector: string
  sent_at: string | null
  received_at: string
}

export function inboundView(r: InboundRow): InboundView {
  return {
    id: r.id,
    from: r.from_addr,
    to: r.to_addr,
    message: r.body,
    encoding: r.encoding,
    parts: r.parts,
    connector: r.connector_id,
    sent_at: toIso(r.sent_at),
    received_at: toIso(r.received_at)!,
  }
}

/**
 * Who owns an MO: the account that last sent a message to this sender (from the number it was
 * sent to, when the connector knows it), else the root account. Number and keyword assignment
 * (design.md §8) take precedence once they exist.
 */
export function inboundOwner(store: Store, m: Pick<InboundMessage, "from" | "to">): string {
  return store.messages.lastAccountMessaging(m.from, m.to) ?? ROOT_ACCOUNT
}

/**
 * Stores an MO inside the caller's transaction. A redelivery with the same connector and
 * external id returns the stored row (the peer is answered OK again, nothing is duplicated).
 */
export function storeInbound(store: Store, m: InboundMessage, now: number): { row: InboundRow; duplicate: boolean } {
  return store.inbound.insert({
    id: newId("inb", now),
    account_id: inboundOwner(store, m),
    connector_id: m.connectorId,
    from_addr: m.from,
    to_addr: m.to,
    body: m.text,
    encoding: m.encoding,
    parts: m.parts,
    external_id: m.externalId,
    sent_at: m.sentAt,
    received_at: m.receivedAt,
    created_at: now,
  })
}

export const DEFAULT_INBOUND_PAGE = 50
export const MAX_INBOUND_PAGE = 1000

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  const seq = /^i:(\d+)$/.exec(text)?.[1]
  if (seq === undefined || !Number.isSafeInteger(Number(seq))) {
    throw new AppError("validation_failed", "since is not a cursor this server issued", {
      extra: { errors: [{ path: "/since", message: "invalid cursor" }] },
    })
  }
  return Number(seq)
}

export function encodeInboundCursor(seq: number): string {
  return Buffer.from(`i:${seq}`).toString("base64url")
}

/**
 * Oldest first after `since`. `next_cursor` is always set (the last row's, or `since` again when
 * nothing new arrived), so a poller can keep passing it back.
 */
export function listInbound(store: Store, accountId: string, q: { since?: string; limit?: number }) {
  const after = q.since ? decodeCursor(q.since) : 0
  const limit = Math.min(q.limit ?? DEFAULT_INBOUND_PAGE, MAX_INBOUND_PAGE)
  const rows = store.inbound.page(accountId, after, limit)
  const last = rows.at(-1)?.seq ?? after
  return { data: rows.map(inboundView), next_cursor: encodeInboundCursor(last) }
}
