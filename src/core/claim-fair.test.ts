// Fair queueing over a real SQLite file: priority first, then an equal share per account.
import { describe, expect, test } from "bun:test"
import { newMessage, withStore } from "../../test/support/store.ts"
import type { Store } from "../store/index.ts"
import { claimFair } from "./claim-fair.ts"

function seed(store: Store, account: string, count: number, priority: number, start: number): void {
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      store.messages.insertMessage(
        newMessage({
          id: `msg_${account}_${start + i}`,
          batch_id: `bat_${account}_${start}`,
          account_id: account,
          priority,
        }),
      )
    }
  })
}

describe("claimFair", () => {
  test("a small account is not starved by another's bulk backlog at the same priority", () => {
    withStore((store) => {
      seed(store, "acc_bulk", 5000, 5, 0)
      seed(store, "acc_small", 10, 5, 0)
      const rows = store.transaction(() => claimFair(store.messages, 2, 100))
      expect(rows.length).toBe(100)
      expect(rows.filter((r) => r.account_id === "acc_small").length).toBe(10)
      // Interleaved, not one account after the other.
      expect(
        rows
          .slice(0, 2)
          .map((r) => r.account_id)
          .sort(),
      ).toEqual(["acc_bulk", "acc_small"])
    })
  })

  test("equal shares while both have work; higher priority drains first", () => {
    withStore((store) => {
      seed(store, "acc_a", 300, 5, 0)
      seed(store, "acc_b", 300, 5, 0)
      seed(store, "acc_c", 7, 9, 0)
      const rows = store.transaction(() => claimFair(store.messages, 2, 101))
      expect(rows.slice(0, 7).every((r) => r.priority === 9)).toBe(true)
      const a = rows.filter((r) => r.account_id === "acc_a").length
      const b = rows.filter((r) => r.account_id === "acc_b").length
      expect(a + b).toBe(94)
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1)
      // Within an account, oldest first.
      const seqs = rows.filter((r) => r.account_id === "acc_a").map((r) => r.seq)
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    })
  })

  test("rows waiting for a retry (not_before in the future) are left alone", () => {
    withStore((store) => {
      seed(store, "acc_a", 5, 5, 0)
      store.transaction(() => store.messages.unclaim("msg_acc_a_0", 0, 10_000, 2))
      const rows = store.transaction(() => claimFair(store.messages, 2, 100))
      expect(rows.map((r) => r.id)).not.toContain("msg_acc_a_0")
      expect(rows.length).toBe(4)
    })
  })
})
