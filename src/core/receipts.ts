import { carrierIdCandidates, normalizeCarrierId } from "../codec/carrier-id.ts"
import type { DeliveryReceipt } from "../connectors/connector.ts"
import type { Logger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"
import { isFinalStatus, type PartRow } from "../store/index.ts"
import { endMessage, recordDelivered } from "./message-end.ts"
import type { MessageNotifier } from "./message-notifier.ts"

function describe(r: Pick<DeliveryReceipt, "stat" | "error">): string {
  return `receipt stat:${r.stat}${r.error ? ` err:${r.error}` : ""}`
}

/**
 * Applies a delivery receipt inside the caller's transaction. Carriers write the id in hex in one
 * PDU and decimal in the other, so every spelling is tried. A receipt for an id we have not stored
 * yet (it overtook its submit_sm_resp) is parked in pending_receipts and applied when the resp is.
 * Returns the message id it changed, if any.
 */
export function applyReceipt(
  store: Store,
  r: DeliveryReceipt,
  now: number,
  log: Logger,
  notifier?: MessageNotifier,
): string | null {
  const repo = store.messages
  const lookup = (candidate: string) => repo.partByCarrierId(r.connectorId, candidate)
  // The id as written first; its other base only when that misses (most carriers use one base).
  const normalized = normalizeCarrierId(r.carrierId)
  let part: PartRow | null = normalized === "" ? null : lookup(normalized)
  if (!part && !r.exactId) {
    for (const candidate of carrierIdCandidates(r.carrierId).slice(1)) {
      part = lookup(candidate)
      if (part) break
    }
  }
  if (!part) {
    repo.putPendingReceipt({
      connector_id: r.connectorId,
      carrier_id: normalized,
      state: r.state,
      stat: r.stat,
      error: r.error,
      done_at: r.doneAt,
      raw: r.raw,
      received_at: now,
    })
    log.debug(
      { connector: r.connectorId, carrier_id: r.carrierId },
      "receipt for unknown id parked",
    )
    return null
  }
  applyToPart(store, part, r, now, notifier)
  return part.message_id
}

/** After a part's carrier id is stored: applies a receipt that arrived before it, if one did. */
export function applyParkedReceipts(
  store: Store,
  part: PartRow,
  now: number,
  notifier?: MessageNotifier,
): void {
  const repo = store.messages
  if (!part.carrier_id || !repo.mayHaveParkedReceipts()) return
  for (const candidate of carrierIdCandidates(part.carrier_id)) {
    const parked = repo.takePendingReceipt(part.connector_id, candidate)
    if (parked) {
      applyToPart(
        store,
        part,
        {
          connectorId: parked.connector_id,
          carrierId: parked.carrier_id,
          state: parked.state as DeliveryReceipt["state"],
          stat: parked.stat,
          error: parked.error,
          doneAt: parked.done_at,
          raw: parked.raw,
        },
        now,
        notifier,
      )
      return
    }
  }
}

/** What a final receipt stores on its part: nothing when delivered. */
function partError(r: Pick<DeliveryReceipt, "state" | "stat" | "error">): string | null {
  return r.state === "delivered" ? null : describe(r)
}

function applyToPart(
  store: Store,
  part: PartRow,
  r: Omit<DeliveryReceipt, "raw"> & { raw?: string },
  at: number,
  notifier?: MessageNotifier,
): void {
  const repo = store.messages
  const message = repo.receiptSubject(part.message_id)
  if (!message) return
  const multipart = message.segments > 1
  const partLabel = `part ${part.part_index + 1}/${message.segments}`
  const isFinal = isFinalStatus(message.status)
  if (multipart || r.state === "pending" || isFinal) {
    // The part's own timeline entry; single-part messages get the message-level one below.
    const eventStatus = r.state === "pending" ? "receipt" : r.state
    repo.addEvent(
      message.id,
      eventStatus,
      at,
      multipart ? `${partLabel}: ${describe(r)}` : describe(r),
      multipart ? part.part_index : undefined,
    )
  }
  if (r.state === "pending") return
  repo.setPartStatus(part.message_id, part.part_index, r.state, partError(r), at)
  if (isFinal) return

  // Roll the message's status up from its parts: failed/expired as soon as one part is, naming
  // it; delivered once every part is.
  if (r.state === "failed" || r.state === "expired") {
    const detail = multipart ? `${partLabel} ${r.state}: ${describe(r)}` : describe(r)
    // A part can fail while later parts still wait for a retry (the message queued or sending,
    // its credits reserved): ending it charges the parts sent and releases the rest.
    endMessage(
      store,
      message,
      { status: r.state, at, errorCode: r.stat, errorDetail: detail },
      notifier,
    )
    return
  }
  const delivered =
    message.segments === 1
      ? 1
      : repo.parts(message.id).filter((p) => p.status === "delivered").length
  if (
    delivered >= message.segments &&
    repo.setStatus({ id: message.id, status: "delivered", at, deliveredAt: at, finalAt: at })
  ) {
    const event = multipart ? `all ${message.segments} parts delivered` : describe(r)
    recordDelivered(store, message, at, event, notifier)
  }
}
