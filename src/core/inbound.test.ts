// Inbound storage over a real SQLite file: arrival-order cursor, redelivery, ownership.
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { tempDir } from "../../test/support/temp-dir.ts"
import type { InboundMessage } from "../connectors/connector.ts"
import { openStore, type Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import { listInbound, storeInbound } from "./inbound.ts"

function mo(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    connectorId: "carrier-a",
    from: "+233241234567",
    to: "+233200000001",
    text: "YES",
    encoding: "gsm7",
    parts: 1,
    sentAt: null,
    receivedAt: 1_700_000_000_000,
    externalId: null,
    ...over,
  }
}

function withStore(fn: (store: Store) => void): void {
  using dir = tempDir()
  const store = openStore(join(dir.path, "in.db"))
  try {
    fn(store)
  } finally {
    store.close()
  }
}

describe("inbound messages", () => {
  test("pages in arrival order; the cursor never skips or repeats, even when more arrive between polls", () => {
    withStore((store) => {
      for (let i = 0; i < 5; i++)
        store.transaction(() => storeInbound(store, mo({ text: `m${i}` }), 1))
      const first = listInbound(store, ROOT_ACCOUNT, { limit: 2 })
      expect(first.data.map((m) => m.message)).toEqual(["m0", "m1"])
      for (let i = 5; i < 7; i++)
        store.transaction(() => storeInbound(store, mo({ text: `m${i}` }), 1))
      const second = listInbound(store, ROOT_ACCOUNT, { since: first.next_cursor, limit: 100 })
      expect(second.data.map((m) => m.message)).toEqual(["m2", "m3", "m4", "m5", "m6"])
      const empty = listInbound(store, ROOT_ACCOUNT, { since: second.next_cursor })
      expect(empty.data).toEqual([])
      expect(empty.next_cursor).toBe(second.next_cursor)
    })
  })

  test("a redelivery with the same external id is stored once", () => {
    withStore((store) => {
      const a = store.transaction(() => storeInbound(store, mo({ externalId: "smsc-1" }), 1))
      const b = store.transaction(() => storeInbound(store, mo({ externalId: "smsc-1" }), 2))
      expect(a.duplicate).toBe(false)
      expect(b.duplicate).toBe(true)
      expect(b.row.id).toBe(a.row.id)
      expect(listInbound(store, ROOT_ACCOUNT, {}).data.length).toBe(1)
    })
  })

  test("belongs to the account that last messaged the sender, else to the root account", () => {
    withStore((store) => {
      store.transaction(() => {
        store.messages.insertBatch("bat_1", "acc_shop", 1, 1)
        store.messages.insertMessage({
          id: "msg_1",
          batch_id: "bat_1",
          account_id: "acc_shop",
          to_number: "+233241234567",
          from_addr: "ACME",
          body: "Reply YES",
          encoding: "gsm7",
          segments: 1,
          reference: 0,
          priority: 5,
          status: "sent",
          scheduled_at: null,
          not_before: 1,
          created_at: 1,
          expires_at: null,
          callback_url: null,
        })
      })
      const reply = store.transaction(() => storeInbound(store, mo({ to: null }), 2))
      const stranger = store.transaction(() =>
        storeInbound(store, mo({ from: "+233549999999" }), 3),
      )
      expect(reply.row.account_id).toBe("acc_shop")
      expect(stranger.row.account_id).toBe(ROOT_ACCOUNT)
      expect(listInbound(store, "acc_shop", {}).data.map((m) => m.from)).toEqual(["+233241234567"])
    })
  })

  test("a sandbox message does not make its account the owner of the replies", () => {
    withStore((store) => {
      store.transaction(() => {
        for (const [batch, account, id] of [
          ["bat_1", "acc_live", "msg_1"],
          ["bat_2", "acc_sandbox", "msg_2"],
        ] as const) {
          store.messages.insertBatch(batch, account, 1, 1)
          store.messages.insertMessage({
            id,
            batch_id: batch,
            account_id: account,
            to_number: "+233241234567",
            from_addr: "+233200000001",
            body: "Reply YES",
            encoding: "gsm7",
            segments: 1,
            reference: 0,
            priority: 5,
            status: "sent",
            scheduled_at: null,
            not_before: 1,
            created_at: 1,
            expires_at: null,
            callback_url: null,
          })
        }
        store.messages.markBatchTest("bat_2")
      })
      const reply = store.transaction(() => storeInbound(store, mo(), 2))
      expect(reply.row.account_id).toBe("acc_live")
    })
  })

  test("refuses a cursor it did not issue", () => {
    withStore((store) => {
      expect(() => listInbound(store, ROOT_ACCOUNT, { since: "bogus" })).toThrow(/not a cursor/)
    })
  })
})

describe("ownership by numbers and keywords, and threading", () => {
  const assign = (
    store: Store,
    id: string,
    account: string,
    number: string,
    keyword: string | null,
    connector: string | null,
  ) =>
    store.transaction(() =>
      store.numbers.insert({
        id,
        account_id: account,
        number,
        keyword,
        connector_id: connector,
        created_at: 1,
      }),
    )

  test("the number's owner wins over the last sender; a keyword on it wins over the whole number", () => {
    withStore((store) => {
      store.transaction(() => {
        store.messages.insertBatch("bat_1", "acc_other", 1, 1)
        store.messages.insertMessage({
          id: "msg_1",
          batch_id: "bat_1",
          account_id: "acc_other",
          to_number: "+233241234567",
          from_addr: "+233200000001",
          body: "hi",
          encoding: "gsm7",
          segments: 1,
          reference: 0,
          priority: 5,
          status: "sent",
          scheduled_at: null,
          not_before: 1,
          created_at: 1,
          expires_at: null,
          callback_url: null,
        })
      })
      expect(
        store.transaction(() => storeInbound(store, mo({ text: "hello" }), 2)).row.account_id,
      ).toBe("acc_other")
      assign(store, "num_1", "acc_owner", "+233200000001", null, null)
      assign(store, "num_2", "acc_pizza", "+233200000001", "PIZZA", null)
      expect(
        store.transaction(() => storeInbound(store, mo({ text: "hello" }), 3)).row.account_id,
      ).toBe("acc_owner")
      expect(
        store.transaction(() => storeInbound(store, mo({ text: "pizza!" }), 4)).row.account_id,
      ).toBe("acc_pizza")
    })
  })

  test("one conversation per (account, our number, their number), both numbers as the MO carried them", () => {
    withStore((store) => {
      const a = store.transaction(() => storeInbound(store, mo({ text: "one" }), 10))
      const b = store.transaction(() =>
        storeInbound(store, mo({ text: "two", connectorId: "carrier-b" }), 20),
      )
      const other = store.transaction(() =>
        storeInbound(store, mo({ text: "three", to: "+233200000002" }), 30),
      )
      expect(b.row.conversation_id).toBe(a.row.conversation_id)
      expect(other.row.conversation_id).not.toBe(a.row.conversation_id)
      const c = store.conversations.get(a.row.conversation_id!)!
      // Replies follow the connector of the last inbound message.
      expect(c).toMatchObject({
        our_number: "+233200000001",
        their_number: "+233241234567",
        connector_id: "carrier-b",
        last_message_at: 20,
      })
    })
  })

  test("a modem that cannot tell its number: the number assigned to its connector stands in", () => {
    withStore((store) => {
      const unknown = store.transaction(() =>
        storeInbound(store, mo({ to: null, connectorId: "modem-1" }), 10),
      )
      expect(store.conversations.get(unknown.row.conversation_id!)?.our_number).toBeNull()
      assign(store, "num_1", "acc_sim", "+4917600000001", null, "modem-1")
      const known = store.transaction(() =>
        storeInbound(store, mo({ to: null, connectorId: "modem-1", text: "x" }), 11),
      )
      expect(known.row.account_id).toBe("acc_sim")
      expect(store.conversations.get(known.row.conversation_id!)).toMatchObject({
        our_number: "+4917600000001",
        connector_id: "modem-1",
      })
    })
  })
})
