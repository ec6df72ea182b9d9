// Opt-out keywords, the accept-time check and keyword handling over a real SQLite file.
import { describe, expect, test } from "bun:test"
import { withStore } from "../../test/support/store.ts"
import type { InboundMessage } from "../connectors/connector.ts"
import { AppError } from "../lib/app-error.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import { storeInbound } from "./inbound.ts"
import {
  assertNotOptedOut,
  OPT_IN_CONFIRMATION,
  OPT_OUT_CONFIRMATION,
  optKeywordOf,
} from "./optout.ts"

function mo(over: Partial<InboundMessage> = {}): InboundMessage {
  return {
    connectorId: "carrier-a",
    from: "+233241234567",
    to: "+233200000001",
    text: "STOP",
    encoding: "gsm7",
    parts: 1,
    sentAt: null,
    receivedAt: 1_700_000_000_000,
    externalId: null,
    ...over,
  }
}

function refusal(fn: () => void): AppError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AppError) return error
    throw error
  }
  throw new Error("expected an AppError")
}

describe("optKeywordOf", () => {
  test.each([
    ["STOP", "out", "STOP"],
    ["stop", "out", "STOP"],
    ["  Stop \n", "out", "STOP"],
    ["stopall", "out", "STOPALL"],
    ["Unsubscribe", "out", "UNSUBSCRIBE"],
    ["cancel", "out", "CANCEL"],
    ["END", "out", "END"],
    ["quit", "out", "QUIT"],
    ["start", "in", "START"],
    ["UNSTOP", "in", "UNSTOP"],
  ])("%p → %p (%p)", (text, action, keyword) => {
    expect(optKeywordOf(text)).toEqual({ action: action as "out" | "in", keyword })
  })

  test.each(["STOP please", "please stop", "STOP!", "S T O P", "", "started"])(
    "%p is not a keyword",
    (text) => {
      expect(optKeywordOf(text)).toBeNull()
    },
  )
})

describe("assertNotOptedOut", () => {
  test("names every opted-out recipient with its index; other accounts' lists do not count", () => {
    withStore((store) => {
      store.transaction(() => {
        store.optOuts.add({
          account_id: "acc_a",
          number: "+233241111111",
          source: "api",
          keyword: null,
          created_at: 1,
        })
        store.optOuts.add({
          account_id: "acc_a",
          number: "+233241111113",
          source: "keyword",
          keyword: "STOP",
          created_at: 2,
        })
      })
      const numbers = ["+233241111110", "+233241111111", "+233241111112", "+233241111113"]
      const error = refusal(() => assertNotOptedOut(store, "acc_a", numbers))
      expect(error.code).toBe("recipient_opted_out")
      expect(error.extra).toEqual({
        opted_out: [
          { index: 1, to: "+233241111111" },
          { index: 3, to: "+233241111113" },
        ],
      })
      expect(error.message).toMatch(/\+233241111111 has opted out .*\(and 1 more\)/)
      expect(() => assertNotOptedOut(store, "acc_b", numbers)).not.toThrow()
    })
  })
})

describe("opt-out keywords in inbound messages", () => {
  test("STOP opts out once with one confirmation pinned to the connector, from our number", () => {
    withStore((store) => {
      const first = store.transaction(() => storeInbound(store, mo({ text: "stop" }), 10))
      expect(store.optOuts.get(ROOT_ACCOUNT, "+233241234567")).toMatchObject({
        source: "keyword",
        keyword: "STOP",
      })
      const confirmation = store.messages.get(first.confirmationId!)!
      expect(confirmation).toMatchObject({
        to_number: "+233241234567",
        from_addr: "+233200000001",
        body: OPT_OUT_CONFIRMATION,
        status: "queued",
        pinned_connector_id: "carrier-a",
        conversation_id: first.row.conversation_id,
        segments: 1,
      })
      const again = store.transaction(() => storeInbound(store, mo({ text: "QUIT" }), 11))
      expect(again.confirmationId).toBeNull()
      expect(again.row.conversation_id).toBe(first.row.conversation_id)
    })
  })

  test("START removes the opt-out and confirms; START when not opted out sends nothing", () => {
    withStore((store) => {
      expect(
        store.transaction(() => storeInbound(store, mo({ text: "START" }), 10)).confirmationId,
      ).toBeNull()
      store.transaction(() => storeInbound(store, mo({ text: "STOP" }), 11))
      const back = store.transaction(() => storeInbound(store, mo({ text: "unstop" }), 12))
      expect(store.optOuts.get(ROOT_ACCOUNT, "+233241234567")).toBeNull()
      expect(store.messages.get(back.confirmationId!)?.body).toBe(OPT_IN_CONFIRMATION)
    })
  })

  test("an alphanumeric sender is opted out but not answered", () => {
    withStore((store) => {
      const r = store.transaction(() =>
        storeInbound(store, mo({ from: "PROMO", text: "STOP" }), 10),
      )
      expect(store.optOuts.get(ROOT_ACCOUNT, "PROMO")).not.toBeNull()
      expect(r.confirmationId).toBeNull()
    })
  })

  test("a redelivered STOP changes nothing the second time", () => {
    withStore((store) => {
      const a = store.transaction(() => storeInbound(store, mo({ externalId: "x1" }), 10))
      store.transaction(() => store.optOuts.remove(ROOT_ACCOUNT, "+233241234567"))
      const b = store.transaction(() => storeInbound(store, mo({ externalId: "x1" }), 11))
      expect(a.confirmationId).not.toBeNull()
      expect(b).toMatchObject({ duplicate: true, confirmationId: null })
      expect(store.optOuts.get(ROOT_ACCOUNT, "+233241234567")).toBeNull()
    })
  })
})
