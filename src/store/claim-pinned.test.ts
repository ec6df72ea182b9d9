// claimPinned over a real SQLite file: the queued live replies pinned to one connector, highest
// priority first, then oldest; nothing not yet due, sandbox, or pinned elsewhere.
import { describe, expect, test } from "bun:test"
import { newMessage, withStore } from "../../test/support/store.ts"

describe("claimPinned", () => {
  test("takes the connector's due live replies by priority, then age, up to the limit", () => {
    withStore((store) => {
      const m = store.messages
      const pinned = (
        id: string,
        over: Parameters<typeof newMessage>[0] extends infer T ? Partial<T> : never,
      ) =>
        m.insertMessage(
          newMessage({ id, account_id: "acc_a", pinned_connector_id: "modem-1", ...over }),
        )
      store.transaction(() => {
        pinned("msg_low_old", { priority: 2 })
        pinned("msg_high_new", { priority: 9 })
        pinned("msg_mid", { priority: 5 })
        pinned("msg_later", { priority: 9, not_before: 10_000 })
        pinned("msg_sandbox", { priority: 9, mode: "test" })
        pinned("msg_scheduled", { priority: 9, status: "scheduled", scheduled_at: 5 })
        pinned("msg_other", { priority: 9, pinned_connector_id: "carrier" })
        m.insertMessage(newMessage({ id: "msg_routed", account_id: "acc_a", priority: 9 }))
        pinned("msg_low_new", { priority: 2 })
      })
      const first = store.transaction(() => m.claimPinned("modem-1", 100, 3))
      expect(first.map((r) => r.id)).toEqual(["msg_high_new", "msg_mid", "msg_low_old"])
      expect(first.every((r) => r.attempts === 1)).toBe(true)
      expect(m.get("msg_high_new")!.status).toBe("sending")
      const rest = store.transaction(() => m.claimPinned("modem-1", 100, 10))
      expect(rest.map((r) => r.id)).toEqual(["msg_low_new"])
      // Due later: claimed once it is.
      expect(
        store.transaction(() => m.claimPinned("modem-1", 10_000, 10)).map((r) => r.id),
      ).toEqual(["msg_later"])
      for (const id of ["msg_sandbox", "msg_other", "msg_routed"])
        expect(m.get(id)!.status).toBe("queued")
      expect(m.get("msg_scheduled")!.status).toBe("scheduled")
    })
  })
})
