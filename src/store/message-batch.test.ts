// A bulk request's rows written in one statement (insertBatch, addEvents) against a real SQLite
// file: each row and event is what the one-row statements write, in the request's order.
import { describe, expect, test } from "bun:test"
import { newMessage, withStore } from "../../test/support/store.ts"
import type { BatchRecipient, MessageRow, NewBatch } from "./message-repo.ts"

const BATCH: NewBatch = {
  batch_id: "bat_1",
  account_id: "acc_a",
  from_addr: "ACME",
  body: 'Tickets "on sale" – ünïcödé, 🎟️ and \\ backslashes',
  encoding: "ucs2",
  segments: 2,
  priority: 7,
  status: "scheduled",
  scheduled_at: 5000,
  not_before: 5000,
  created_at: 1000,
  expires_at: 90_000,
  callback_url: "https://example.com/cb?a=1&b=2",
  mode: "test",
  conversation_id: null,
  pinned_connector_id: null,
}

/** A row without the columns the database assigns. */
function comparable(row: MessageRow): Partial<MessageRow> {
  const { seq: _seq, id: _id, ...rest } = row
  return rest
}

describe("insertBatch / addEvents", () => {
  test("each row equals the one insertMessage writes, and seq follows the request's order", () => {
    withStore((store) => {
      const recipients: BatchRecipient[] = Array.from({ length: 300 }, (_, i) => ({
        id: `msg_b${String(i).padStart(4, "0")}`,
        // Not in sorted order: the stored order must be the request's, not the numbers'.
        to_number: `+23320${String((i * 7919) % 10_000_000).padStart(7, "0")}`,
        reference: i % 256,
      }))
      store.transaction(() => {
        store.messages.insertBatch(BATCH, recipients)
        store.messages.insertMessage({
          ...BATCH,
          id: "msg_single",
          to_number: "+233201234567",
          reference: 9,
        })
      })
      const single = comparable(store.messages.get("msg_single")!)
      const rows = recipients.map((r) => store.messages.get(r.id)!)
      for (let i = 0; i < rows.length; i++) {
        expect(comparable(rows[i]!)).toEqual({
          ...single,
          to_number: recipients[i]!.to_number,
          reference: recipients[i]!.reference,
        })
        if (i > 0) expect(rows[i]!.seq).toBe(rows[i - 1]!.seq + 1)
      }
      expect(store.messages.get("msg_single")!.seq).toBe(rows[299]!.seq + 1)
    })
  })

  test("the defaults of a row written alone apply to a batch too", () => {
    withStore((store) => {
      const plain = newMessage({ id: "x", account_id: "acc_a" })
      const { id: _id, to_number: _to, reference: _ref, ...batch } = plain
      store.transaction(() => {
        store.messages.insertBatch(batch, [
          { id: "msg_1", to_number: "+233201234567", reference: 1 },
          { id: "msg_2", to_number: "+233201234568", reference: 2 },
        ])
        store.messages.insertMessage(plain)
      })
      const alone = comparable(store.messages.get("x")!)
      expect(comparable(store.messages.get("msg_2")!)).toEqual({
        ...alone,
        to_number: "+233201234568",
        reference: 2,
      })
      expect(store.messages.get("msg_1")!.mode).toBe("live")
    })
  })

  test("batch events are one per message, in order, and keep the timeline's order with single events", () => {
    withStore((store) => {
      const ids = ["msg_1", "msg_2", "msg_3"]
      store.transaction(() => {
        store.messages.addEvent("msg_0", "queued", 10, "accepted")
        store.messages.addEvents(ids, "queued", 11, "accepted")
        store.messages.addEvent("msg_2", "sending", 12, "attempt 1")
      })
      const all = ["msg_0", ...ids].flatMap((id) => store.messages.events(id))
      const seqs = all.map((e) => e.seq)
      expect(new Set(seqs).size).toBe(seqs.length)
      const first = (id: string) => store.messages.events(id)[0]!
      expect(first("msg_0").seq).toBeLessThan(first("msg_1").seq)
      expect(first("msg_1").seq).toBeLessThan(first("msg_2").seq)
      expect(first("msg_2").seq).toBeLessThan(first("msg_3").seq)
      expect(store.messages.events("msg_2").map((e) => [e.status, e.at, e.detail, e.part])).toEqual(
        [
          ["queued", 11, "accepted", null],
          ["sending", 12, "attempt 1", null],
        ],
      )
      // The later single event comes after every batch event.
      expect(store.messages.events("msg_2")[1]!.seq).toBeGreaterThan(first("msg_3").seq)
    })
  })
})
