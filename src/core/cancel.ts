import { AppError } from "../lib/app-error.ts"
import type { Clock } from "../lib/clock.ts"
import type { Store } from "../store/index.ts"
import { recordEnd } from "./message-end.ts"
import type { MessageNotifier } from "./message-notifier.ts"
import { getMessage, type MessageDetail, visibleTo } from "./message-query.ts"

/**
 * Cancels a message that has not been handed to a connector (`queued` or `scheduled`). The check
 * and the change are one UPDATE, so a dispatcher claiming it at the same moment cannot race it.
 */
export async function cancelMessage(
  store: Store,
  clock: Clock,
  accountId: string,
  id: string,
  notifier?: MessageNotifier,
  mode: "live" | "test" = "live",
): Promise<MessageDetail> {
  const outcome = await store.batcher.run(
    () => {
      const now = clock.now()
      const canceled = store.messages.cancel(id, accountId, mode, now)
      if (canceled) {
        const why = "canceled through the API"
        recordEnd(store, canceled, "canceled", now, why, notifier, canceled)
        return null
      }
      // Not canceled: say why, to whoever may see it (visibleTo).
      const m = store.messages.get(id)
      return visibleTo(m, accountId, mode) ? m!.status : "missing"
    },
    // A client is waiting: committed ahead of the dispatch work of the same turn (batcher.ts).
    { urgent: true },
  )
  if (outcome === "missing") throw new AppError("not_found", `no message with id ${id}`)
  if (outcome !== null) {
    throw new AppError(
      "message_not_cancellable",
      `message ${id} is ${outcome}; only queued or scheduled messages can be canceled`,
      {
        extra: { message_status: outcome },
      },
    )
  }
  return getMessage(store, accountId, id, mode)
}
