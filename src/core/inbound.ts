/**
 * Inbound (MO) messages: stored once per arrival, owned by an account, listed in arrival order
 * with a cursor that never skips or repeats. Parts of multipart MOs are held durably until their
 * set completes (docs/smpp.md#reassembly); redeliveries are recognised by the peer's id or, for
 * SMPP PDUs without one, by a fingerprint (docs/two-way.md#redelivery).
 */
import type {
  ConnectorEvents,
  InboundMessage,
  InboundPart,
  InboundPartEvents,
  InboundPartOptions,
} from "../connectors/connector.ts"
import { type Clock, toIso } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { Logger } from "../lib/logger.ts"
import type { DroppedMoSet, InboundRow, MoPartRow, Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import { decodeSeqCursor, encodeCursor } from "./cursor.ts"
import type { MessageNotifier } from "./message-notifier.ts"
import { bestAssignment } from "./numbers.ts"
import { applyOptKeyword } from "./optout.ts"
import { enqueueEvent } from "./webhooks/events.ts"

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
  /** The conversation it was threaded into (docs/two-way.md). */
  conversation_id: string | null
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
    conversation_id: r.conversation_id,
  }
}

export interface InboundOwnership {
  accountId: string
  /** Our number it was sent to: the connector's `to`, else the number assigned to the connector. */
  ourNumber: string | null
}

/**
 * Who owns an MO (docs/two-way.md#ownership), in order: the account assigned its number and
 * first word (a keyword), or its whole number (`POST /v1/numbers`); else the account that last
 * sent a message to this sender (from that number, when known); else the root account. When the
 * connector cannot tell which number it was sent to (a modem without +CNUM), the assignments
 * narrowed to that connector stand in for it. One or two index lookups per message.
 */
export function inboundOwner(
  store: Store,
  m: Pick<InboundMessage, "from" | "to" | "connectorId" | "text">,
): InboundOwnership {
  const rows =
    m.to !== null ? store.numbers.byNumber(m.to) : store.numbers.byConnector(m.connectorId)
  const ourNumber = m.to ?? rows[0]?.number ?? null
  const assigned = bestAssignment(rows, m.connectorId, m.text)
  const accountId =
    assigned?.account_id ?? store.messages.lastAccountMessaging(m.from, ourNumber) ?? ROOT_ACCOUNT
  return { accountId, ourNumber }
}

export interface StoredInbound {
  row: InboundRow
  duplicate: boolean
  /** The opt-out/opt-in confirmation queued in the same transaction, if any: wake the outbox. */
  confirmationId: string | null
}

/**
 * How long a fingerprinted MO (an SMPP PDU without an SMSC id) is remembered: the same PDU again
 * within it is a redelivery (the deliver_sm_resp was lost after the commit) and is not stored.
 * 10 minutes covers an SMSC that redelivers on rebind or after its first retry interval; the
 * price is that one person's identical single-part text sent twice within it is kept once
 * (docs/two-way.md#redelivery).
 */
export const MO_REDELIVERY_WINDOW_MS = 10 * 60 * 1000

/**
 * Stores an MO inside the caller's transaction: threads it into its conversation, emits
 * `message.received`, and applies an opt-out/opt-in keyword. A redelivery (the same connector
 * and external id; without an external id, the same fingerprint within MO_REDELIVERY_WINDOW_MS)
 * returns the stored row and does nothing else (the peer is answered OK again, nothing is
 * duplicated).
 */
export function storeInbound(
  store: Store,
  m: InboundMessage,
  now: number,
  deps: { notifier?: MessageNotifier } = {},
): StoredInbound {
  const fingerprint = m.externalId === null ? (m.fingerprint ?? null) : null
  if (m.externalId !== null) {
    const earlier = store.inbound.byExternalId(m.connectorId, m.externalId)
    if (earlier) return { row: earlier, duplicate: true, confirmationId: null }
  } else if (fingerprint !== null) {
    const id = store.moParts.seen(m.connectorId, fingerprint, now - MO_REDELIVERY_WINDOW_MS)
    const earlier = id === null ? null : store.inbound.get(id)
    if (earlier) return { row: earlier, duplicate: true, confirmationId: null }
  }
  const { accountId, ourNumber } = inboundOwner(store, m)
  const conversation = store.conversations.touch({
    id: newId("cnv", now),
    account_id: accountId,
    our_number: ourNumber,
    their_number: m.from,
    connector_id: m.connectorId,
    last_message_at: now,
  })
  const row = store.inbound.insert({
    id: newId("inb", now),
    account_id: accountId,
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
    conversation_id: conversation.id,
  })
  if (fingerprint !== null) {
    store.moParts.remember(m.connectorId, fingerprint, row.id, now)
    store.moParts.forgetFingerprints(now - MO_REDELIVERY_WINDOW_MS)
  }
  enqueueEvent(store, { accountId, type: "message.received", data: inboundView(row), at: now })
  const confirmationId = applyOptKeyword(
    store,
    { accountId, from: m.from, text: m.text, conversation },
    now,
    deps.notifier,
  )
  return { row, duplicate: false, confirmationId }
}

export type StoredInboundPart =
  | {
      kind: "held"
      duplicate: boolean
      firstAt: number
      heldParts: number
      evicted: DroppedMoSet[]
    }
  | ({ kind: "stored"; heldParts: number } & StoredInbound)
  | { kind: "redelivered"; heldParts: number; inboundId: string }

/**
 * Holds one part of a multipart MO inside the caller's transaction. The part that completes its
 * set (whichever run of the gateway stored the others) has the message assembled, stored through
 * storeInbound, the parts' fingerprints remembered and the parts deleted, all in that
 * transaction. A part already held is kept once; a part of a message stored within
 * MO_REDELIVERY_WINDOW_MS (its deliver_sm_resp was lost) writes nothing.
 */
export function storeInboundPart(
  store: Store,
  part: InboundPart,
  options: InboundPartOptions,
  now: number,
  deps: { notifier?: MessageNotifier } = {},
): StoredInboundPart {
  const parts = store.moParts
  const { connectorId, setKey } = part
  const since = now - MO_REDELIVERY_WINDOW_MS
  const stored = parts.seen(connectorId, part.fingerprint, since)
  if (stored !== null)
    return { kind: "redelivered", heldParts: parts.held(connectorId), inboundId: stored }

  const set = parts.heldSet(connectorId, setKey)
  const firstAt = set.firstAt ?? part.receivedAt
  const fresh = parts.hold(partRow(part, firstAt))
  if (set.received + (fresh ? 1 : 0) < part.total) {
    const evicted: DroppedMoSet[] = []
    let held = parts.held(connectorId)
    while (held > options.maxHeldParts) {
      const dropped = parts.evictOldest(connectorId, setKey)
      if (dropped === null) break
      evicted.push(dropped)
      held -= dropped.received
    }
    return { kind: "held", duplicate: !fresh, firstAt, heldParts: held, evicted }
  }

  const rows = parts.parts(connectorId, setKey)
  const result = storeInbound(store, options.assemble(rows.map(inboundPartOf)), now, deps)
  for (const row of rows) parts.remember(connectorId, row.fingerprint, result.row.id, now)
  parts.forgetFingerprints(since)
  parts.deleteSet(connectorId, setKey)
  return { kind: "stored", heldParts: parts.held(connectorId), ...result }
}

/**
 * Deletes the connector's incomplete sets whose first part arrived at or before `before` (the
 * connector's reassembly timeout): what arrived of them is dropped, as docs/smpp.md describes.
 */
export function expireInboundParts(store: Store, connectorId: string, before: number) {
  return {
    expired: store.moParts.expire(connectorId, before),
    heldParts: store.moParts.held(connectorId),
    oldestFirstAt: store.moParts.oldestFirstAt(connectorId),
  }
}

/**
 * The connector events that store MO: whole messages (`inbound`) and the parts of multipart
 * ones, held until their set completes (`inboundPart`, `expireInboundParts`). Each resolves
 * only after its commit, so a connector acknowledges nothing that is not stored.
 */
export function inboundEvents(deps: {
  store: Store
  clock: Clock
  logger: Logger
  notifier?: MessageNotifier
  /** An opt-out/opt-in confirmation was queued: wake the outbox. */
  onConfirmation?: () => void
}): Required<Pick<ConnectorEvents, "inbound">> & InboundPartEvents {
  const { store, clock, logger } = deps
  const stored = (
    row: InboundRow,
    connectorId: string,
    duplicate: boolean,
    confirmation: unknown,
  ) => {
    if (confirmation) deps.onConfirmation?.()
    logger.info(
      { inbound_id: row.id, connector: connectorId, parts: row.parts, duplicate },
      duplicate ? "inbound message redelivered; kept the stored copy" : "inbound message stored",
    )
  }
  return {
    async inbound(message: InboundMessage): Promise<void> {
      const { row, duplicate, confirmationId } = await store.batcher.run(() =>
        storeInbound(store, message, clock.now(), { notifier: deps.notifier }),
      )
      stored(row, message.connectorId, duplicate, confirmationId)
    },
    async inboundPart(part: InboundPart, options: InboundPartOptions): Promise<StoredInboundPart> {
      const result = await store.batcher.run(() =>
        storeInboundPart(store, part, options, clock.now(), { notifier: deps.notifier }),
      )
      if (result.kind === "stored")
        stored(result.row, part.connectorId, result.duplicate, result.confirmationId)
      return result
    },
    expireInboundParts(connectorId: string, before: number) {
      return store.batcher.run(() => expireInboundParts(store, connectorId, before))
    },
  }
}

function partRow(p: InboundPart, firstAt: number): MoPartRow {
  return {
    connector_id: p.connectorId,
    set_key: p.setKey,
    sequence: p.sequence,
    total: p.total,
    from_addr: p.from,
    to_addr: p.to,
    data_coding: p.dataCoding,
    encoding: p.encoding,
    octets: p.octets,
    external_id: p.externalId,
    fingerprint: p.fingerprint,
    first_at: firstAt,
    received_at: p.receivedAt,
  }
}

function inboundPartOf(r: MoPartRow): InboundPart {
  return {
    connectorId: r.connector_id,
    setKey: r.set_key,
    total: r.total,
    sequence: r.sequence,
    from: r.from_addr,
    to: r.to_addr,
    dataCoding: r.data_coding,
    encoding: r.encoding,
    octets: r.octets,
    externalId: r.external_id,
    fingerprint: r.fingerprint,
    receivedAt: r.received_at,
  }
}

export const DEFAULT_INBOUND_PAGE = 50
export const MAX_INBOUND_PAGE = 1000

export function encodeInboundCursor(seq: number): string {
  return encodeCursor("i", seq)
}

/**
 * Oldest first after `since`. `next_cursor` is always set (the last row's, or `since` again when
 * nothing new arrived), so a poller can keep passing it back.
 */
export function listInbound(
  store: Store,
  accountId: string,
  q: { since?: string; limit?: number },
) {
  const after = q.since ? decodeSeqCursor("i", q.since, { param: "since", min: 0 }) : 0
  const limit = Math.min(q.limit ?? DEFAULT_INBOUND_PAGE, MAX_INBOUND_PAGE)
  const rows = store.inbound.page(accountId, after, limit)
  const last = rows.at(-1)?.seq ?? after
  return { data: rows.map(inboundView), next_cursor: encodeInboundCursor(last) }
}
