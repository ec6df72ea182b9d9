// Inbound storage over a real SQLite file: arrival-order cursor, redelivery, ownership.
import { describe, expect, test } from "bun:test"
import { newMessage, withStore } from "../../test/support/store.ts"
import type { InboundMessage, InboundPart, InboundPartOptions } from "../connectors/connector.ts"
import type { Store } from "../store/index.ts"
import type { NewMessage } from "../store/message-repo.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import {
  expireInboundParts,
  listInbound,
  MO_REDELIVERY_WINDOW_MS,
  storeInbound,
  storeInboundPart,
} from "./inbound.ts"

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

/** A message already sent to +233241234567 (the sender of mo()), for ownership lookups. */
function sentMessage(
  over: Partial<NewMessage> & Pick<NewMessage, "id" | "account_id">,
): NewMessage {
  return newMessage({ body: "Reply YES", status: "sent", ...over })
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
        store.messages.insertMessage(
          sentMessage({ id: "msg_1", account_id: "acc_shop", from_addr: "ACME" }),
        )
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
        for (const [account, id, mode] of [
          ["acc_live", "msg_1", "live"],
          ["acc_sandbox", "msg_2", "test"],
        ] as const) {
          store.messages.insertMessage(
            sentMessage({ id, account_id: account, from_addr: "+233200000001", mode }),
          )
        }
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
        store.messages.insertMessage(
          sentMessage({
            id: "msg_1",
            account_id: "acc_other",
            from_addr: "+233200000001",
            body: "hi",
          }),
        )
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

describe("redelivery without an external id", () => {
  test("the same fingerprint within the window is the stored message again; after it, a new one", () => {
    withStore((store) => {
      const at = 1_000_000
      const m = mo({ text: "Yes", fingerprint: "fp-1" } as Partial<InboundMessage>)
      const a = store.transaction(() => storeInbound(store, m, at))
      const b = store.transaction(() => storeInbound(store, m, at + MO_REDELIVERY_WINDOW_MS - 1))
      expect(a.duplicate).toBe(false)
      expect(b).toMatchObject({ duplicate: true, confirmationId: null })
      expect(b.row.id).toBe(a.row.id)
      const c = store.transaction(() => storeInbound(store, m, at + 2 * MO_REDELIVERY_WINDOW_MS))
      expect(c.duplicate).toBe(false)
      expect(listInbound(store, ROOT_ACCOUNT, {}).data.map((r) => r.message)).toEqual([
        "Yes",
        "Yes",
      ])
    })
  })

  test("is kept per connector, and messages without a fingerprint are never matched", () => {
    withStore((store) => {
      const fp = { fingerprint: "fp-1" } as Partial<InboundMessage>
      store.transaction(() => storeInbound(store, mo(fp), 1))
      const other = store.transaction(() =>
        storeInbound(store, mo({ ...fp, connectorId: "carrier-b" }), 2),
      )
      const plain = store.transaction(() => storeInbound(store, mo(), 3))
      const plainAgain = store.transaction(() => storeInbound(store, mo(), 4))
      expect([other.duplicate, plain.duplicate, plainAgain.duplicate]).toEqual([
        false,
        false,
        false,
      ])
    })
  })
})

describe("multipart MO parts held in the store", () => {
  const part = (sequence: number, over: Partial<InboundPart> = {}): InboundPart => ({
    connectorId: "carrier-a",
    setKey: "set-1",
    total: 3,
    sequence,
    from: "+233241234567",
    to: "+233200000001",
    dataCoding: 0,
    encoding: "gsm7",
    octets: new TextEncoder().encode(`<${sequence}>`),
    externalId: null,
    fingerprint: `fp-${over.setKey ?? "set-1"}-${sequence}`,
    receivedAt: 100 + sequence,
    ...over,
  })
  const options: InboundPartOptions = {
    assemble: (parts) =>
      mo({
        text: parts.map((p) => new TextDecoder().decode(p.octets)).join(""),
        parts: parts.length,
      }),
    maxHeldParts: 100,
  }
  const hold = (store: Store, p: InboundPart, o = options, now = 1000) =>
    store.transaction(() => storeInboundPart(store, p, o, now))

  test("each part is committed on its own; the last one stores the message and deletes the set", () => {
    withStore((store) => {
      expect(hold(store, part(3))).toMatchObject({ kind: "held", duplicate: false, heldParts: 1 })
      expect(hold(store, part(1))).toMatchObject({ kind: "held", firstAt: 103, heldParts: 2 })
      const done = hold(store, part(2))
      expect(done).toMatchObject({ kind: "stored", heldParts: 0, duplicate: false })
      expect(listInbound(store, ROOT_ACCOUNT, {}).data).toEqual([
        expect.objectContaining({ message: "<1><2><3>", parts: 3 }),
      ])
      expect(store.moParts.held("carrier-a")).toBe(0)
    })
  })

  test("a part held twice is kept once; a part of a stored message writes nothing", () => {
    withStore((store) => {
      hold(store, part(1))
      expect(hold(store, part(1))).toMatchObject({ kind: "held", duplicate: true, heldParts: 1 })
      hold(store, part(2))
      hold(store, part(3))
      expect(hold(store, part(3))).toMatchObject({ kind: "redelivered", heldParts: 0 })
      expect(hold(store, part(1))).toMatchObject({ kind: "redelivered", heldParts: 0 })
      expect(listInbound(store, ROOT_ACCOUNT, {}).data).toHaveLength(1)
      // After the window the same part starts a set again.
      const later = 1000 + MO_REDELIVERY_WINDOW_MS + 1
      expect(hold(store, part(1), options, later)).toMatchObject({ kind: "held" })
    })
  })

  test("a failing store keeps nothing of the completing part, so its redelivery completes the set", () => {
    withStore((store) => {
      hold(store, part(1))
      hold(store, part(2))
      const failing = {
        ...options,
        assemble: () => {
          throw new Error("disk full")
        },
      }
      expect(() => hold(store, part(3), failing)).toThrow("disk full")
      expect(store.moParts.held("carrier-a")).toBe(2)
      expect(hold(store, part(3))).toMatchObject({ kind: "stored" })
    })
  })

  test("keeps sets of different keys apart and drops the oldest other sets beyond maxHeldParts", () => {
    withStore((store) => {
      const small = { ...options, maxHeldParts: 2 }
      hold(store, part(1, { setKey: "old", receivedAt: 1 }), small)
      hold(store, part(1, { setKey: "mid", receivedAt: 2 }), small)
      const result = hold(store, part(1, { setKey: "new", receivedAt: 3 }), small)
      expect(result).toMatchObject({
        kind: "held",
        heldParts: 2,
        evicted: [{ setKey: "old", received: 1, total: 3 }],
      })
      expect(store.moParts.parts("carrier-a", "mid")).toHaveLength(1)
    })
  })

  test("expires sets from their first part, whenever their parts arrived", () => {
    withStore((store) => {
      hold(store, part(1, { setKey: "a", receivedAt: 10 }))
      hold(store, part(2, { setKey: "a", receivedAt: 50 }))
      hold(store, part(1, { setKey: "b", receivedAt: 40 }))
      hold(store, part(1, { setKey: "x", connectorId: "carrier-b", receivedAt: 1 }))
      const result = store.transaction(() => expireInboundParts(store, "carrier-a", 30))
      expect(result).toEqual({
        expired: [{ setKey: "a", received: 2, total: 3 }],
        heldParts: 1,
        oldestFirstAt: 40,
      })
      expect(store.moParts.held("carrier-b")).toBe(1)
    })
  })

  test("storing a multipart message remembers each part's fingerprint and forgets expired ones", () => {
    withStore((store) => {
      store.transaction(() => store.moParts.remember("carrier-a", "long ago", "inb_old", 0))
      const now = MO_REDELIVERY_WINDOW_MS + 1000
      for (const sequence of [1, 2, 3]) hold(store, part(sequence), options, now)
      expect(store.moParts.seen("carrier-a", "long ago", 0)).toBeNull()
      const stored = listInbound(store, ROOT_ACCOUNT, {}).data[0]?.id
      expect(store.moParts.seen("carrier-a", "fp-set-1-2", now)).toBe(stored!)
    })
  })
})
