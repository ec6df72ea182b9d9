// Receipts applied to a real SQLite store: the message's status rolls up from its parts, and a
// receipt for a message that already ended is recorded without changing it.
import { describe, expect, test } from "bun:test"
import { newMessage, sentPart, withStore } from "../../test/support/store.ts"
import type { DeliveryReceipt } from "../connectors/connector.ts"
import { silentLogger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import { applyParkedReceipts, applyReceipt } from "./receipts.ts"

/** A message in `sent` with one stored part per segment, carrier ids "a0", "a1", … in hex. */
function sentMessage(store: Store, id: string, segments = 1, idPrefix = "a"): void {
  store.transaction(() => {
    store.messages.insertMessage(
      newMessage({ id, account_id: ROOT_ACCOUNT, to_number: "+233201234567", segments }),
    )
    for (let i = 0; i < segments; i++) {
      store.messages.upsertPart(sentPart(id, i, `${idPrefix}${i}`))
    }
    store.messages.setStatus({ id, status: "sent", at: 2, sentAt: 2 })
  })
}

function receipt(carrierId: string, stat: string, state: DeliveryReceipt["state"]) {
  return (store: Store, at: number) =>
    store.transaction(() =>
      applyReceipt(
        store,
        {
          connectorId: "c",
          carrierId,
          state,
          stat,
          error: null,
          doneAt: null,
          raw: `id:${carrierId}`,
        },
        at,
        silentLogger,
      ),
    )
}

const delivered = (id: string) => receipt(id, "DELIVRD", "delivered")
const undelivered = (id: string) => receipt(id, "UNDELIV", "failed")
const enroute = (id: string) => receipt(id, "ENROUTE", "pending")

describe("applyReceipt", () => {
  test("a one-part message: delivered, with its part and one timeline entry", () => {
    withStore((store) => {
      sentMessage(store, "msg_1")
      expect(delivered("a0")(store, 5)).toBe("msg_1")
      const m = store.messages.get("msg_1")!
      expect(m).toMatchObject({
        status: "delivered",
        delivered_at: 5,
        final_at: 5,
        error_code: null,
      })
      expect(store.messages.parts("msg_1")[0]).toMatchObject({ status: "delivered", receipt_at: 5 })
      const events = store.messages.events("msg_1").filter((e) => e.status === "delivered")
      expect(events).toEqual([
        expect.objectContaining({ at: 5, part: null, detail: "receipt stat:DELIVRD" }),
      ])
    })
  })

  test("the id in decimal finds the part stored in hex", () => {
    withStore((store) => {
      sentMessage(store, "msg_1")
      // "a0" in hex is 160 in decimal.
      expect(delivered("160")(store, 5)).toBe("msg_1")
      expect(store.messages.get("msg_1")?.status).toBe("delivered")
    })
  })

  test("an id stored twice (a modem's TP-MR wraps): the newest part's message is delivered", () => {
    withStore((store) => {
      store.transaction(() => {
        for (const id of ["msg_old", "msg_new", "msg_other"]) {
          store.messages.insertMessage(newMessage({ id, account_id: ROOT_ACCOUNT }))
          store.messages.setStatus({ id, status: "sent", at: 2, sentAt: 2 })
        }
        store.messages.upsertPart({ ...sentPart("msg_old", 0, "17"), submitted_at: 3 })
        store.messages.upsertPart({ ...sentPart("msg_new", 0, "17"), submitted_at: 7 })
        store.messages.upsertPart({
          ...sentPart("msg_other", 0, "17"),
          connector_id: "d",
          submitted_at: 9,
        })
      })
      expect(delivered("17")(store, 20)).toBe("msg_new")
      expect(store.messages.get("msg_new")).toMatchObject({ status: "delivered", delivered_at: 20 })
      expect(store.messages.parts("msg_new")[0]).toMatchObject({
        status: "delivered",
        error: null,
        receipt_at: 20,
      })
      for (const id of ["msg_old", "msg_other"]) {
        expect(store.messages.get(id)!.status).toBe("sent")
        expect(store.messages.parts(id)[0]).toMatchObject({ status: "sent", receipt_at: null })
      }
    })
  })

  test("a second receipt after the end is recorded on the timeline and changes nothing else", () => {
    withStore((store) => {
      sentMessage(store, "msg_1")
      delivered("a0")(store, 5)
      delivered("a0")(store, 6)
      undelivered("a0")(store, 7)
      const m = store.messages.get("msg_1")!
      expect(m).toMatchObject({ status: "delivered", delivered_at: 5, final_at: 5 })
      const after = store.messages.events("msg_1").filter((e) => e.at >= 6)
      expect(after.map((e) => [e.status, e.at])).toEqual([
        ["delivered", 6],
        ["failed", 7],
      ])
    })
  })

  test("an intermediate receipt is recorded and leaves the part and the message as they were", () => {
    withStore((store) => {
      sentMessage(store, "msg_1")
      expect(enroute("a0")(store, 5)).toBe("msg_1")
      expect(store.messages.get("msg_1")?.status).toBe("sent")
      expect(store.messages.parts("msg_1")[0]?.status).toBe("sent")
      expect(store.messages.events("msg_1").at(-1)).toMatchObject({
        status: "receipt",
        detail: "receipt stat:ENROUTE",
      })
    })
  })

  test("three parts: delivered only when the last part is, failed as soon as one fails", () => {
    withStore((store) => {
      sentMessage(store, "msg_3", 3)
      delivered("a0")(store, 5)
      delivered("a2")(store, 6)
      expect(store.messages.get("msg_3")?.status).toBe("sent")
      delivered("a1")(store, 7)
      expect(store.messages.get("msg_3")).toMatchObject({ status: "delivered", delivered_at: 7 })

      sentMessage(store, "msg_f", 3, "b")
      undelivered("b1")(store, 8)
      const failed = store.messages.get("msg_f")!
      expect(failed.status).toBe("failed")
      expect(failed.error_detail).toContain("part 2/3 failed")
      expect(store.messages.get("msg_3")?.status).toBe("delivered")
    })
  })

  // The first receipt parked after a start used to leave the "may have parked" hint at 0, so
  // the part it was waiting for never looked for it.
  test("a receipt for an id not stored yet is parked, and applied once the part is stored", () => {
    withStore((store) => {
      sentMessage(store, "msg_1")
      expect(delivered("ffff0")(store, 5)).toBeNull()
      expect(store.messages.get("msg_1")?.status).toBe("sent")
      expect(store.messages.mayHaveParkedReceipts()).toBe(true)
      // Its submit_sm_resp is recorded now: the part is stored, then parked receipts are looked up.
      sentMessage(store, "msg_2", 1, "ffff")
      const part = store.messages.parts("msg_2")[0]!
      store.transaction(() => applyParkedReceipts(store, part, 6))
      expect(store.messages.get("msg_2")).toMatchObject({ status: "delivered", delivered_at: 6 })
      expect(store.transaction(() => store.messages.takePendingReceipt("c", "ffff0"))).toBeNull()
    })
  })
})
