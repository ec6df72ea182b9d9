// The receipt path of the message repo over a real SQLite file: receiptOnPart finds the newest
// part with a carrier id (a modem's TP-MR repeats) through the index alone, and
// deliverSinglePart writes only a one-part message that has not ended.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { newMessage, sentPart, withStore } from "../../test/support/store.ts"
import { PART_BY_CARRIER } from "./message-repo.ts"

describe("receiptOnPart", () => {
  test("updates and returns the newest part with the id, leaving the older one alone", () => {
    withStore((store) => {
      const m = store.messages
      store.transaction(() => {
        for (const id of ["msg_old", "msg_new", "msg_other"])
          m.insertMessage(newMessage({ id, account_id: "acc_a" }))
        m.upsertPart({ ...sentPart("msg_old", 0, "17"), submitted_at: 3 })
        m.upsertPart({ ...sentPart("msg_new", 0, "17"), submitted_at: 7 })
        m.upsertPart({ ...sentPart("msg_other", 0, "17"), connector_id: "d", submitted_at: 9 })
      })
      const part = store.transaction(() => m.receiptOnPart("c", "17", "delivered", null, 20))
      expect(part).toMatchObject({
        message_id: "msg_new",
        part_index: 0,
        status: "delivered",
        error: null,
        receipt_at: 20,
      })
      expect(m.parts("msg_new")[0]).toMatchObject({ status: "delivered", receipt_at: 20 })
      expect(m.parts("msg_old")[0]).toMatchObject({ status: "sent", receipt_at: null })
      expect(m.parts("msg_other")[0]).toMatchObject({ status: "sent", receipt_at: null })
      expect(store.transaction(() => m.receiptOnPart("c", "18", "failed", "x", 20))).toBeNull()
    })
  })

  test("the lookup is an index search with no sort (migration 0016)", () => {
    withStore((store, path) => {
      store.close()
      const db = new Database(path, { readonly: true })
      try {
        const plan = db
          .query<{ detail: string }, [string, string]>(`EXPLAIN QUERY PLAN ${PART_BY_CARRIER}`)
          .all("c", "17")
          .map((r) => r.detail)
          .join(" | ")
        expect(plan).toContain("USING INDEX message_parts_carrier")
        expect(plan).not.toContain("TEMP B-TREE")
      } finally {
        db.close()
      }
    })
  })
})

describe("deliverSinglePart", () => {
  test("delivers a one-part message that has not ended and says whom to tell", () => {
    withStore((store) => {
      const m = store.messages
      store.transaction(() => {
        m.insertMessage(
          newMessage({ id: "msg_one", account_id: "acc_a", callback_url: "https://x.test/cb" }),
        )
        m.setStatus({ id: "msg_one", status: "sent", at: 3 })
      })
      expect(store.transaction(() => m.deliverSinglePart("msg_one", 9))).toMatchObject({
        id: "msg_one",
        account_id: "acc_a",
        callback_url: "https://x.test/cb",
      })
      expect(m.get("msg_one")).toMatchObject({
        status: "delivered",
        delivered_at: 9,
        final_at: 9,
        updated_at: 9,
      })
      // Ended now: a second receipt changes nothing.
      expect(store.transaction(() => m.deliverSinglePart("msg_one", 12))).toBeNull()
      expect(m.get("msg_one")).toMatchObject({ delivered_at: 9, updated_at: 9 })
    })
  })

  test("leaves multipart, ended and unknown messages untouched", () => {
    withStore((store) => {
      const m = store.messages
      store.transaction(() => {
        m.insertMessage(newMessage({ id: "msg_two", account_id: "acc_a", segments: 2 }))
        m.insertMessage(newMessage({ id: "msg_failed", account_id: "acc_a" }))
        m.setStatus({ id: "msg_failed", status: "failed", at: 4, finalAt: 4 })
      })
      for (const id of ["msg_two", "msg_failed", "msg_missing"])
        expect(store.transaction(() => m.deliverSinglePart(id, 9))).toBeNull()
      expect(m.get("msg_two")).toMatchObject({ status: "queued", delivered_at: null })
      expect(m.get("msg_failed")).toMatchObject({ status: "failed", delivered_at: null })
    })
  })
})
