// The ledger over a real SQLite file: every movement is one balance change plus one entry, the
// balances equal the entries' sums, nothing goes below zero, charges settle once.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { newMessage, sentPart, withStore } from "../../test/support/store.ts"
import { silentLogger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"
import { ROOT_ACCOUNT } from "./auth.ts"
import { moveBalance, reserveBatch, settleCharge, transfer } from "./ledger.ts"
import { applyReceipt } from "./receipts.ts"

function account(store: Store, id: string, credits = 0): void {
  store.transaction(() => {
    store.accounts.insert({
      id,
      parent_id: ROOT_ACCOUNT,
      kind: "customer",
      full_name: id,
      phone: null,
      country_code: null,
      email: null,
      external_ref: null,
      label: null,
      status: "active",
      currency: "USD",
      created_at: 1,
    })
    store.ledger.openBalance(id, 1)
    if (credits > 0)
      transfer(store.ledger, {
        from: null,
        to: id,
        unit: "credits",
        amount: credits,
        reason: "seed",
        now: 1,
      })
  })
}

/** A stored message in `status`, so a charge can be settled against it. */
function message(store: Store, id: string, accountId: string, segments = 1): void {
  store.transaction(() =>
    store.messages.insertMessage(
      newMessage({ id, account_id: accountId, to_number: "+233201234567", segments, reference: 1 }),
    ),
  )
}

function setStatus(
  store: Store,
  id: string,
  status: "sent" | "failed" | "canceled" | "sending",
): void {
  store.transaction(() => store.messages.setStatus({ id, status, at: 2 }))
}

/** Balance minus ledger sums: all zeros when the invariant holds. */
function drift(store: Store, id: string) {
  const b = store.ledger.balance(id)!
  const entries = store.ledger.entries(id, null, 10_000)
  const sum = (f: (e: (typeof entries)[number]) => number) => entries.reduce((s, e) => s + f(e), 0)
  return {
    credits: b.sms_credits - sum((e) => (e.unit === "credits" ? e.amount : 0)),
    wallet: b.wallet_balance - sum((e) => (e.unit === "wallet" ? e.amount : 0)),
    reserved: b.reserved - sum((e) => e.reserved_change),
  }
}

const NO_DRIFT = { credits: 0, wallet: 0, reserved: 0 }

describe("reserveBatch", () => {
  test("moves the batch total from available to reserved in one entry, with a charge per priced message", () => {
    withStore((store) => {
      account(store, "acc_a", 10)
      message(store, "msg_1", "acc_a")
      message(store, "msg_2", "acc_a")
      message(store, "msg_3", "acc_a")
      store.transaction(() =>
        reserveBatch(store.ledger, "acc_a", "bat_x", ["msg_1", "msg_2", "msg_3"], [2, 3, 0], 5, 5),
      )
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 5, reserved: 5 })
      const [entry] = store.ledger.entries("acc_a", null, 1)
      expect(entry).toMatchObject({
        kind: "reserve",
        amount: -5,
        reserved_change: 5,
        balance_after: 5,
        reserved_after: 5,
        batch_id: "bat_x",
        message_id: null,
      })
      expect(store.ledger.openCharge("msg_1")?.amount).toBe(2)
      expect(store.ledger.openCharge("msg_3")).toBeNull()
      expect(drift(store, "acc_a")).toEqual(NO_DRIFT)
    })
  })

  test("refuses more than is available and changes nothing", () => {
    withStore((store) => {
      account(store, "acc_a", 4)
      expect(() =>
        store.transaction(() =>
          reserveBatch(store.ledger, "acc_a", "bat_x", ["m1", "m2"], [3, 2], 5, 5),
        ),
      ).toThrow(/has 4 SMS credits available; this needs 5/)
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 4, reserved: 0 })
      expect(store.ledger.entries("acc_a", null, 10).map((e) => e.kind)).toEqual(["topup"])
    })
  })

  test("an account without a balance row is unmetered", () => {
    withStore((store) => {
      expect(
        store.transaction(() =>
          reserveBatch(store.ledger, ROOT_ACCOUNT, "bat_x", ["m1"], [1], 1, 5),
        ),
      ).toBe(false)
      expect(store.ledger.entries(ROOT_ACCOUNT, null, 10)).toEqual([])
    })
  })
})

describe("settleCharge", () => {
  test("captures on sent, once", () => {
    withStore((store) => {
      account(store, "acc_a", 10)
      message(store, "msg_1", "acc_a")
      store.transaction(() => reserveBatch(store.ledger, "acc_a", "b", ["msg_1"], [3], 3, 5))
      setStatus(store, "msg_1", "sending")
      store.transaction(() => settleCharge(store.ledger, "msg_1", 6))
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 7, reserved: 3 })
      setStatus(store, "msg_1", "sent")
      store.transaction(() => settleCharge(store.ledger, "msg_1", 7))
      store.transaction(() => settleCharge(store.ledger, "msg_1", 8))
      // A failure after sent (a receipt) keeps the credits charged.
      setStatus(store, "msg_1", "failed")
      store.transaction(() => settleCharge(store.ledger, "msg_1", 9))
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 7, reserved: 0 })
      expect(store.ledger.entries("acc_a", null, 10).map((e) => e.kind)).toEqual([
        "capture",
        "reserve",
        "topup",
      ])
      expect(drift(store, "acc_a")).toEqual(NO_DRIFT)
    })
  })

  test("releases when the message ends unsent", () => {
    withStore((store) => {
      account(store, "acc_a", 10)
      message(store, "msg_1", "acc_a")
      store.transaction(() => reserveBatch(store.ledger, "acc_a", "b", ["msg_1"], [3], 3, 5))
      setStatus(store, "msg_1", "canceled")
      store.transaction(() => settleCharge(store.ledger, "msg_1", 6))
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 10, reserved: 0 })
      expect(store.ledger.entries("acc_a", null, 1)[0]).toMatchObject({
        kind: "release",
        amount: 3,
        reserved_change: -3,
        message_id: "msg_1",
      })
      expect(drift(store, "acc_a")).toEqual(NO_DRIFT)
    })
  })

  test("a multi-part message failed half-way is charged for the parts with a carrier id", () => {
    withStore((store) => {
      account(store, "acc_a", 10)
      message(store, "msg_1", "acc_a", 3)
      store.transaction(() => reserveBatch(store.ledger, "acc_a", "b", ["msg_1"], [6], 6, 5))
      store.transaction(() => {
        store.messages.upsertPart(sentPart("msg_1", 0, "1"))
        store.messages.setStatus({ id: "msg_1", status: "failed", at: 4 })
        settleCharge(store.ledger, "msg_1", 6)
      })
      // 1 of 3 parts sent: 2 credits charged, 4 released.
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 8, reserved: 0 })
      expect(drift(store, "acc_a")).toEqual(NO_DRIFT)
    })
  })
})

describe("a receipt that fails a message before all its parts were sent", () => {
  test("charges the parts sent and releases the rest, so no credit stays reserved", () => {
    withStore((store) => {
      account(store, "acc_a", 10)
      message(store, "msg_1", "acc_a", 2)
      store.transaction(() => reserveBatch(store.ledger, "acc_a", "b", ["msg_1"], [2], 2, 5))
      // Part 1 was accepted, part 2 hit a temporary error: the message waits for a retry.
      store.transaction(() => {
        store.messages.upsertPart(sentPart("msg_1", 0, "abc"))
        store.messages.setStatus({ id: "msg_1", status: "queued", at: 3, notBefore: 60_000 })
      })
      // Then part 1's receipt says UNDELIV.
      store.transaction(() =>
        applyReceipt(
          store,
          {
            connectorId: "c",
            carrierId: "abc",
            state: "failed",
            stat: "UNDELIV",
            error: null,
            doneAt: null,
            raw: "id:abc stat:UNDELIV",
          },
          4,
          silentLogger,
        ),
      )
      expect(store.messages.get("msg_1")?.status).toBe("failed")
      // 1 of 2 parts sent: 1 credit charged, 1 released, nothing left reserved.
      expect(store.ledger.balance("acc_a")).toMatchObject({ sms_credits: 9, reserved: 0 })
      expect(store.ledger.openCharge("msg_1")).toBeNull()
      expect(drift(store, "acc_a")).toEqual(NO_DRIFT)
    })
  })
})

describe("moveBalance and transfer", () => {
  test("never go below zero; a failed transfer moves nothing on either side", () => {
    withStore((store) => {
      account(store, "acc_p", 5)
      account(store, "acc_c")
      expect(() =>
        store.transaction(() =>
          transfer(store.ledger, {
            from: "acc_p",
            to: "acc_c",
            unit: "credits",
            amount: 6,
            reason: "x",
            now: 2,
          }),
        ),
      ).toThrow(/insufficient|available/)
      expect(store.ledger.balance("acc_p")!.sms_credits).toBe(5)
      expect(store.ledger.balance("acc_c")!.sms_credits).toBe(0)
      store.transaction(() =>
        transfer(store.ledger, {
          from: "acc_p",
          to: "acc_c",
          unit: "credits",
          amount: 5,
          reason: "x",
          now: 2,
        }),
      )
      expect(() =>
        store.transaction(() =>
          transfer(store.ledger, {
            from: "acc_p",
            to: "acc_c",
            unit: "credits",
            amount: -6,
            reason: "back",
            now: 3,
          }),
        ),
      ).toThrow()
      store.transaction(() =>
        transfer(store.ledger, {
          from: "acc_p",
          to: "acc_c",
          unit: "credits",
          amount: -2,
          reason: "back",
          now: 3,
        }),
      )
      expect(store.ledger.balance("acc_p")!.sms_credits).toBe(2)
      expect(store.ledger.balance("acc_c")!.sms_credits).toBe(3)
      store.transaction(() =>
        moveBalance(store.ledger, {
          accountId: "acc_c",
          unit: "wallet",
          amount: 250,
          kind: "adjust",
          reason: "w",
          now: 4,
        }),
      )
      for (const id of ["acc_p", "acc_c"]) expect(drift(store, id)).toEqual(NO_DRIFT)
    })
  })

  test("the database itself refuses a negative balance", () => {
    withStore((store, path) => {
      account(store, "acc_a", 1)
      expect(store.ledger.apply("acc_a", -2, 0, 0, 2)).toBeNull()
      // Even an UPDATE that skipped the guard is stopped by the CHECK constraint.
      const raw = new Database(path)
      try {
        expect(() =>
          raw.run("UPDATE balances SET sms_credits = -1 WHERE account_id = 'acc_a'"),
        ).toThrow(/CHECK constraint failed/)
      } finally {
        raw.close()
      }
      expect(store.ledger.balance("acc_a")!.sms_credits).toBe(1)
    })
  })
})
