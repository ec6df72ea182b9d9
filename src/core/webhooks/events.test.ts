import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { newEndpoint } from "../../../test/support/store.ts"
import { tempDir } from "../../../test/support/temp-dir.ts"
import { openStore, type Store } from "../../store/index.ts"
import { enqueueEvent, type WebhookEventType } from "./events.ts"

let dir: ReturnType<typeof tempDir>
let store: Store

beforeEach(() => {
  dir = tempDir("signalbox-wh-events-")
  store = openStore(join(dir.path, "db.sqlite"))
})
afterEach(() => {
  store.close()
  dir[Symbol.dispose]()
})

function endpoint(
  id: string,
  events: string[],
  opts: { account?: string; status?: "active" | "suspended" | "disabled" } = {},
) {
  store.webhooks.insertEndpoint(
    newEndpoint(
      {
        id,
        account_id: opts.account ?? "acc_root",
        events: JSON.stringify(events),
        status: opts.status ?? "active",
      },
      1,
    ),
  )
}

function enqueue(
  type: WebhookEventType,
  extra: { messageId?: string; callbackUrl?: string; account?: string } = {},
) {
  return store.transaction(() =>
    enqueueEvent(store, {
      accountId: extra.account ?? "acc_root",
      type,
      messageId: extra.messageId ?? null,
      callbackUrl: extra.callbackUrl ?? null,
      data: { id: extra.messageId ?? "x" },
      at: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    }),
  )
}

describe("enqueueEvent", () => {
  test("stores one delivery per active subscribed endpoint of the account, with the Standard Webhooks envelope", () => {
    endpoint("whk_a", ["message.delivered"])
    endpoint("whk_b", ["*"])
    endpoint("whk_c", ["message.failed"])
    endpoint("whk_d", ["message.delivered"], { status: "suspended" })
    endpoint("whk_e", ["message.delivered"], { account: "acc_other" })
    const ids = enqueue("message.delivered", { messageId: "msg_1" })
    expect(ids).toHaveLength(2)
    const rows = ids.map((id) => store.webhooks.delivery(id)!)
    expect(rows.map((r) => r.endpoint_id).sort()).toEqual(["whk_a", "whk_b"])
    for (const r of rows) {
      expect(r.id).toStartWith("whd_")
      expect(r.status).toBe("pending")
      expect(r.order_key).toBe(`msg_1 ${r.endpoint_id}`)
      expect(JSON.parse(r.payload)).toEqual({
        type: "message.delivered",
        timestamp: "2026-01-02T03:04:05.678Z",
        data: { id: "msg_1" },
      })
    }
  })

  test("adds a callback_url delivery signed with the account's callback secret, created once", () => {
    const [first] = enqueue("message.sent", {
      messageId: "msg_2",
      callbackUrl: "https://cb.example/hook",
    })
    const row = store.webhooks.delivery(first!)!
    expect(row.endpoint_id).toBeNull()
    expect(row.callback_url).toBe("https://cb.example/hook")
    const secret = store.webhooks.accountSecret("acc_root")
    expect(secret).toStartWith("whsec_")
    enqueue("message.delivered", { messageId: "msg_2", callbackUrl: "https://cb.example/hook" })
    expect(store.webhooks.accountSecret("acc_root")).toBe(secret)
  })

  test("stores nothing when no endpoint subscribes and there is no callback", () => {
    endpoint("whk_a", ["message.failed"])
    expect(enqueue("message.delivered")).toEqual([])
  })

  test("follows a changed subscription at once", () => {
    endpoint("whk_a", ["message.failed"])
    expect(enqueue("message.sent")).toHaveLength(0)
    const row = store.webhooks.endpoint("whk_a")!
    store.webhooks.saveEndpoint({
      ...row,
      events: JSON.stringify(["message.sent"]),
      updated_at: row.updated_at + 1,
    })
    expect(enqueue("message.sent")).toHaveLength(1)
  })

  test("rolls back with the transaction that called it", () => {
    endpoint("whk_a", ["*"])
    let ids: string[] = []
    expect(() =>
      store.transaction(() => {
        ids = enqueueEvent(store, { accountId: "acc_root", type: "message.sent", data: {}, at: 1 })
        throw new Error("the message change failed")
      }),
    ).toThrow("the message change failed")
    expect(ids).toHaveLength(1)
    expect(store.webhooks.delivery(ids[0]!)).toBeNull()
  })

  test("refuses an event type that does not exist", () => {
    expect(() => enqueue("message.bogus" as WebhookEventType)).toThrow(
      'unknown webhook event type "message.bogus"',
    )
  })
})
