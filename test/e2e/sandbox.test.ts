// Sandbox (sk_test_) keys through the real server, with a real SMPP carrier as the only live
// route: test messages validate and price like live ones, are delivered by the built-in sandbox
// simulator (never the carrier), move no credits, and are invisible to live keys (and back).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { smppCarrier } from "../support/connector-config.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import {
  balanceOf,
  body,
  createCustomer,
  createKey,
  customerBody,
  ledgerOf,
  problem,
  sendAs,
  type Tenant,
} from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { startReceiver } from "../support/webhook-receiver.ts"

let smsc: FakeSmsc
let gw: TestGateway
let shop: Tenant
let live: string
let sandbox: string

interface Sent {
  batch_id: string
  credits: number
  messages: { id: string; to: string; status: string; segments: number; encoding: string }[]
}

interface Detail {
  id: string
  status: string
  connector: string | null
  from: string | null
  events: { status: string; detail: string | null }[]
}

beforeAll(async () => {
  smsc = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
  // The customers' callbacks go to a receiver on this machine.
  gw = await startGateway(`${smppCarrier(smsc.port)}
[webhooks]
private_targets = "all"
`)
  await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, { what: "bind" })
  shop = await createCustomer(gw, { initial_sms_credits: 10 })
  live = shop.key
  sandbox = (await createKey(gw, { scopes: ["admin"], mode: "test" }, shop.key)).key
})
afterAll(async () => {
  await gw?.stop()
  await smsc?.close()
})

async function delivered(key: string, id: string): Promise<Detail> {
  return waitFor(
    async () => {
      const d = await body<Detail>(await gw.api(`/v1/messages/${id}`, { key }), 200)
      return d.status === "delivered" ? d : null
    },
    { what: `${id} delivered` },
  )
}

describe("sandbox keys", () => {
  test("deliver through the sandbox simulator: the carrier gets nothing and no credits move", async () => {
    const submitsBefore = smsc.submits.length
    const ledgerBefore = await ledgerOf(gw, live)
    const sent = await body<Sent>(
      await sendAs(gw, sandbox, {
        to: ["+233201234567", "+2348031234567"],
        message: "x".repeat(200),
      }),
      202,
    )
    expect(sent.credits).toBe(4)
    for (const m of sent.messages) {
      const d = await delivered(sandbox, m.id)
      expect(d.connector).toBe("sandbox")
      expect(d.events.map((e) => e.status)).toEqual(
        expect.arrayContaining(["queued", "sending", "sent", "delivered"]),
      )
      expect(d.events.find((e) => e.status === "sending")?.detail).toContain("sandbox")
    }
    expect(smsc.submits.length).toBe(submitsBefore)
    expect(await balanceOf(gw, live)).toMatchObject({ sms_credits: 10, reserved: 0 })
    expect(await ledgerOf(gw, live)).toEqual(ledgerBefore)
  })

  test("status events say which mode the message was sent in", async () => {
    const receiver = startReceiver()
    try {
      const ids: Record<string, string> = {}
      for (const [mode, key] of [
        ["test", sandbox],
        ["live", live],
      ] as const) {
        const sent = await body<Sent>(
          await sendAs(gw, key, {
            to: "+233201234567",
            message: `as ${mode}`,
            callback_url: receiver.url(`/${mode}`),
          }),
          202,
        )
        ids[mode] = sent.messages[0]!.id
      }
      for (const mode of ["test", "live"]) {
        await waitFor(
          () => receiver.at(`/${mode}`).find((r) => r.payload.type === "message.delivered"),
          { what: `${mode} message.delivered` },
        )
        const events = receiver.at(`/${mode}`).map((r) => r.payload)
        expect(events.map((e) => e.type)).toEqual(
          expect.arrayContaining(["message.queued", "message.sent", "message.delivered"]),
        )
        for (const e of events) expect(e.data).toMatchObject({ id: ids[mode], mode })
      }
    } finally {
      await receiver.stop()
    }
  })

  test("may list webhook endpoints but not change them, ping them or read the callback secret", async () => {
    const create = await gw.api("/v1/webhooks", {
      method: "POST",
      key: sandbox,
      json: { url: "https://example.com/hooks", events: ["message.sent"] },
    })
    expect(create.status).toBe(403)
    expect((await gw.api("/v1/webhooks/callback-secret", { key: sandbox })).status).toBe(403)
    expect((await gw.api("/v1/webhooks", { key: sandbox })).status).toBe(200)
    const made = await body<{ id: string }>(
      await gw.api("/v1/webhooks", {
        method: "POST",
        key: live,
        json: { url: "https://example.com/hooks", events: ["message.sent"] },
      }),
      201,
    )
    for (const [method, path] of [
      ["PATCH", `/v1/webhooks/${made.id}`],
      ["DELETE", `/v1/webhooks/${made.id}`],
      ["POST", `/v1/webhooks/${made.id}/ping`],
    ] as const) {
      const res = await gw.api(path, {
        method,
        key: sandbox,
        ...(method === "PATCH" ? { json: { description: "x" } } : {}),
      })
      expect({ method, status: res.status }).toEqual({ method, status: 403 })
    }
    await gw.api(`/v1/webhooks/${made.id}`, { method: "DELETE", key: live })
  })

  test("answer with the same shapes as live keys, and live ones reach the carrier", async () => {
    const request = { to: "+233201234567", message: "same shape" }
    const test = await body<Sent>(await sendAs(gw, sandbox, request), 202)
    const real = await body<Sent>(await sendAs(gw, live, request), 202)
    const shape = (s: Sent) => ({
      keys: Object.keys(s).sort(),
      message: Object.keys(s.messages[0]!).sort(),
      credits: s.credits,
      status: s.messages[0]!.status,
    })
    expect(shape(test)).toEqual(shape(real))
    const liveDetail = await delivered(live, real.messages[0]!.id)
    expect(liveDetail.connector).toBe("carrier")
    const sandboxDetail = await delivered(sandbox, test.messages[0]!.id)
    expect(Object.keys(sandboxDetail).sort()).toEqual(Object.keys(liveDetail).sort())
    expect(smsc.submits.some((s) => s.text === "same shape")).toBe(true)
    expect(smsc.submits.filter((s) => s.text === "same shape").length).toBe(1)
  })

  test("go through every validation: numbers, length, senders", async () => {
    await problem(
      await sendAs(gw, sandbox, { to: ["+233201234567", "+12"], message: "hi" }),
      422,
      "invalid_phone_number",
    )
    await problem(
      await sendAs(gw, sandbox, { to: "+233201234567", message: "x".repeat(1601) }),
      422,
      "message_too_long",
    )
    await problem(
      await sendAs(gw, sandbox, { to: "+233201234567", message: "hi", from: "NOTMINE" }),
      422,
      "sender_not_approved",
    )
    await problem(
      await sendAs(gw, sandbox, { to: "+233201234567", message: "hi", extra: 1 }),
      422,
      "validation_failed",
    )
  })

  test("cost nothing even beyond the balance", async () => {
    const poor = await createCustomer(gw, { initial_sms_credits: 0 })
    const poorSandbox = (
      await createKey(gw, { scopes: ["sms.send", "sms.read"], mode: "test" }, poor.key)
    ).key
    const sent = await body<Sent>(
      await sendAs(gw, poorSandbox, { to: "+233201234567", message: "free" }),
      202,
    )
    expect(sent.credits).toBe(1)
    await delivered(poorSandbox, sent.messages[0]!.id)
    await problem(
      await sendAs(gw, poor.key, { to: "+233201234567", message: "not free" }),
      402,
      "insufficient_credits",
    )
  })

  test("test messages are invisible to live keys and the other way round", async () => {
    const t = await body<Sent>(
      await sendAs(gw, sandbox, { to: "+233201234567", message: "test only" }),
      202,
    )
    const l = await body<Sent>(
      await sendAs(gw, live, { to: "+233201234567", message: "live only" }),
      202,
    )
    const tid = t.messages[0]!.id
    const lid = l.messages[0]!.id
    await problem(await gw.api(`/v1/messages/${tid}`, { key: live }), 404, "not_found")
    await problem(await gw.api(`/v1/messages/${lid}`, { key: sandbox }), 404, "not_found")
    await problem(
      await gw.api(`/v1/messages/${tid}/cancel`, { method: "POST", key: live }),
      404,
      "not_found",
    )
    await problem(
      await gw.api(`/v1/messages/${lid}/cancel`, { method: "POST", key: sandbox }),
      404,
      "not_found",
    )
    const liveList: { data: { id: string; message: string }[] } = await body(
      await gw.api("/v1/messages?limit=1000", { key: live }),
      200,
    )
    const testList: { data: { id: string; message: string }[] } = await body(
      await gw.api("/v1/messages?limit=1000", { key: sandbox }),
      200,
    )
    expect(liveList.data.map((m) => m.id)).toContain(lid)
    expect(liveList.data.map((m) => m.id)).not.toContain(tid)
    expect(testList.data.map((m) => m.id)).toContain(tid)
    expect(testList.data.map((m) => m.id)).not.toContain(lid)
    expect(testList.data.every((m) => m.message !== "live only")).toBe(true)
    const byBatch: { data: unknown[] } = await body(
      await gw.api(`/v1/messages?batch_id=${l.batch_id}`, { key: sandbox }),
      200,
    )
    expect(byBatch.data).toEqual([])
  })

  test("a sandbox key can cancel its own scheduled message", async () => {
    const before = await balanceOf(gw, live)
    const at = new Date(Date.now() + 3_600_000).toISOString()
    const t = await body<Sent>(
      await sendAs(gw, sandbox, { to: "+233201234567", message: "later", scheduled_at: at }),
      202,
    )
    const canceled = await body<{ status: string }>(
      await gw.api(`/v1/messages/${t.messages[0]!.id}/cancel`, { method: "POST", key: sandbox }),
      200,
    )
    expect(canceled.status).toBe("canceled")
    expect(await balanceOf(gw, live)).toEqual(before)
  })

  test("idempotency keys of sandbox and live requests are separate", async () => {
    const request = { to: "+233201234567", message: "idem" }
    const t = await gw.api("/v1/messages", {
      method: "POST",
      key: sandbox,
      json: request,
      headers: { "idempotency-key": "same-key" },
    })
    const l = await gw.api("/v1/messages", {
      method: "POST",
      key: live,
      json: request,
      headers: { "idempotency-key": "same-key" },
    })
    expect(l.headers.get("idempotent-replayed")).toBeNull()
    const tb = await body<Sent>(t, 202)
    const lb = await body<Sent>(l, 202)
    expect(tb.batch_id).not.toBe(lb.batch_id)
    await problem(
      await gw.api(`/v1/messages/${lb.messages[0]!.id}`, { key: sandbox }),
      404,
      "not_found",
    )
  })

  test("inbound messages are live data: a sandbox key sees none", async () => {
    await smsc.sendMo({ from: "+233249999999", to: "+233200000001", text: "live MO" })
    const rootSandbox = (await createKey(gw, { scopes: ["sms.read"], mode: "test" })).key
    await waitFor(
      async () => {
        const page: { data: { message: string }[] } = await body(await gw.api("/v1/inbound"), 200)
        return page.data.some((m) => m.message === "live MO")
      },
      { what: "MO stored" },
    )
    const page: { data: unknown[]; next_cursor: string } = await body(
      await gw.api("/v1/inbound", { key: rootSandbox }),
      200,
    )
    expect(page.data).toEqual([])
    expect(typeof page.next_cursor).toBe("string")
  })

  test("sandbox keys change nothing but their own messages", async () => {
    const attempts: [string, string, unknown][] = [
      ["POST", "/v1/customers", customerBody()],
      ["PATCH", `/v1/customers/${shop.id}`, { label: "x" }],
      ["POST", "/v1/keys", { scopes: ["sms.send"], mode: "live", label: "escalate" }],
      ["POST", "/v1/sender-ids", { value: "TESTCO", country_code: "GH", purpose: "x" }],
    ]
    for (const [method, path, json] of attempts) {
      const p = await problem(await gw.api(path, { method, key: sandbox, json }), 403, "forbidden")
      expect(p.detail).toContain("sandbox")
    }
    // Reads work.
    expect((await gw.api("/v1/balance", { key: sandbox })).status).toBe(200)
    expect((await gw.api("/v1/keys", { key: sandbox })).status).toBe(200)
  })

  // Sandbox messages queue apart from live ones (migration 0012): a carrier outage, which leaves
  // the routes no room, used to hold the sandbox back with it.
  test("keep being delivered while the only carrier is down; live messages wait for it", async () => {
    smsc.setBehaviour({ rejectBind: true })
    smsc.dropAll()
    await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status !== 200, {
      what: "carrier down",
    })
    try {
      const waiting = await body<Sent>(
        await sendAs(gw, live, { to: "+233201234567", message: "live" }),
        202,
      )
      const sent = await body<Sent>(
        await sendAs(gw, sandbox, { to: "+233201234567", message: "during the outage" }),
        202,
      )
      const d = await delivered(sandbox, sent.messages[0]!.id)
      expect(d.connector).toBe("sandbox")
      const held = await body<Detail>(
        await gw.api(`/v1/messages/${waiting.messages[0]!.id}`, { key: live }),
        200,
      )
      expect(held.status).toBe("queued")
      smsc.setBehaviour({ rejectBind: false })
      await delivered(live, waiting.messages[0]!.id)
    } finally {
      smsc.setBehaviour({ rejectBind: false })
    }
  })
})
