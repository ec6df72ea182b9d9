// A new message's message.queued event, built from the row just written (recordNew,
// recordNewBatch), reports exactly what reading the row back would: over a real SQLite file.
import { describe, expect, test } from "bun:test"
import { newEndpoint, newMessage, withStore } from "../../test/support/store.ts"
import type { Store } from "../store/index.ts"
import { recordNew, recordNewBatch } from "./message-end.ts"
import { MessageNotifier } from "./message-notifier.ts"

const ACCOUNT = "acc_listening"

function listening(store: Store): MessageNotifier {
  store.transaction(() =>
    store.webhooks.insertEndpoint(newEndpoint({ id: "whk_all", account_id: ACCOUNT }, 1)),
  )
  return new MessageNotifier(store)
}

/** The `data` of every event enqueued for `id`, oldest first. */
function eventData(store: Store, id: string): unknown[] {
  return store.webhooks
    .deliveriesOf("whk_all", Number.MAX_SAFE_INTEGER, 100)
    .filter((d) => d.message_id === id)
    .reverse()
    .map((d) => (JSON.parse(d.payload) as { data: unknown }).data)
}

describe("message.queued from the row just written", () => {
  test("recordNew and recordNewBatch report what a read of the row reports", () => {
    withStore((store) => {
      const notifier = listening(store)
      const single = newMessage({
        id: "msg_single",
        account_id: ACCOUNT,
        from_addr: "ACME",
        callback_url: "https://cb.example.com/x",
        created_at: 1_700_000_000_000,
      })
      store.transaction(() => {
        recordNew(store, single, 5, "accepted", notifier)
        recordNewBatch(
          store,
          { ...single, batch_id: "bat_many", mode: "test" },
          [
            { id: "msg_b1", to_number: "+233201234561", reference: 1 },
            { id: "msg_b2", to_number: "+233201234562", reference: 2 },
          ],
          5,
          "accepted",
          notifier,
        )
      })
      for (const id of ["msg_single", "msg_b1", "msg_b2"]) {
        // The same event again, this time reading the row back.
        store.transaction(() =>
          notifier.notify(
            { id, account_id: ACCOUNT, callback_url: single.callback_url },
            "message.queued",
            5,
          ),
        )
        const [fromWrite, fromRead] = eventData(store, id)
        expect(fromRead).toBeDefined()
        expect(fromWrite).toEqual(fromRead)
      }
      expect(eventData(store, "msg_b2")[0]).toMatchObject({
        to: "+233201234562",
        batch_id: "bat_many",
        mode: "test",
        status: "queued",
      })
    })
  })
})
