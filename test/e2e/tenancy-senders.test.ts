// Sender IDs through the real server: registration (pending), the operator's review, sending
// refused with an unapproved sender, the default sender, and partners registering for customers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { smppCarrier } from "../support/connector-config.ts"
import { conversationWith } from "../support/conversations.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import {
  balanceOf,
  body,
  createCustomer,
  createKey,
  problem,
  sendAs,
  type Tenant,
} from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"

let gw: TestGateway

interface SenderId {
  id: string
  account_id: string
  value: string
  country_code: string
  purpose: string
  status: string
  is_default: boolean
  reason: string | null
  reviewed_at: string | null
}

beforeAll(async () => {
  gw = await startGateway(`
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 10
`)
})
afterAll(async () => {
  await gw.stop()
})

async function register(t: Tenant, json: Record<string, unknown>, status = 201): Promise<SenderId> {
  return body(
    await gw.api("/v1/sender-ids", {
      method: "POST",
      key: t.key,
      json: { country_code: "GH", purpose: "order updates", ...json },
    }),
    status,
  )
}

async function review(
  id: string,
  decision: "approve" | "reject",
  json?: unknown,
): Promise<SenderId> {
  return body(
    await gw.api(`/v1/sender-ids/${id}/${decision}`, { method: "POST", ...(json ? { json } : {}) }),
    200,
  )
}

describe("sender IDs", () => {
  test("a registered sender is pending; sending with it is refused until the operator approves", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const s = await register(shop, { value: "ACMESHOP" })
    expect(s).toMatchObject({
      account_id: shop.id,
      value: "ACMESHOP",
      country_code: "GH",
      status: "pending",
      is_default: false,
      reviewed_at: null,
    })
    expect(s.id).toStartWith("snd_")
    const refused = await problem(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "hi", from: "ACMESHOP" }),
      422,
      "sender_not_approved",
    )
    expect(refused.detail).toContain("ACMESHOP")
    const approved = await review(s.id, "approve")
    expect(approved.status).toBe("approved")
    expect(approved.reviewed_at).not.toBeNull()
    const sent = await body<{ messages: { id: string }[] }>(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "hi", from: "ACMESHOP" }),
      202,
    )
    const m = await body<{ from: string }>(
      await gw.api(`/v1/messages/${sent.messages[0]!.id}`, { key: shop.key }),
      200,
    )
    expect(m.from).toBe("ACMESHOP")
    // Another account's approval does not count.
    const other = await createCustomer(gw, { initial_sms_credits: 10 })
    await problem(
      await sendAs(gw, other.key, { to: "+233201234567", message: "hi", from: "ACMESHOP" }),
      422,
      "sender_not_approved",
    )
  })

  test("a rejected sender is refused, with the operator's reason; registering it again reopens it", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const s = await register(shop, { value: "BANK" })
    const rejected = await review(s.id, "reject", { reason: "impersonates a bank" })
    expect(rejected).toMatchObject({ status: "rejected", reason: "impersonates a bank" })
    await problem(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "hi", from: "BANK" }),
      422,
      "sender_not_approved",
    )
    const again = await register(shop, { value: "BANK", purpose: "we are the bank" }, 200)
    expect(again).toMatchObject({
      id: s.id,
      status: "pending",
      reason: null,
      purpose: "we are the bank",
    })
    // An approved sender can be withdrawn.
    await review(s.id, "approve")
    await review(s.id, "reject")
    await problem(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "hi", from: "BANK" }),
      422,
      "sender_not_approved",
    )
  })

  test("without from, the account's approved default sender is used", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const s = await register(shop, { value: "DEFAULTCO", set_default: true })
    expect(s.is_default).toBe(true)
    // Not approved yet: the message goes without a sender.
    const before = await body<{ messages: { id: string }[] }>(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "a" }),
      202,
    )
    expect(
      (
        await body<{ from: string | null }>(
          await gw.api(`/v1/messages/${before.messages[0]!.id}`, { key: shop.key }),
          200,
        )
      ).from,
    ).toBeNull()
    await review(s.id, "approve")
    const after = await body<{ messages: { id: string }[] }>(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "b" }),
      202,
    )
    expect(
      (
        await body<{ from: string | null }>(
          await gw.api(`/v1/messages/${after.messages[0]!.id}`, { key: shop.key }),
          200,
        )
      ).from,
    ).toBe("DEFAULTCO")
    // A new default replaces the old one when it is approved, not before.
    const second = await register(shop, { value: "NEWCO", set_default: true })
    const meanwhile = await body<{ messages: { id: string }[] }>(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "c" }),
      202,
    )
    expect(
      (
        await body<{ from: string | null }>(
          await gw.api(`/v1/messages/${meanwhile.messages[0]!.id}`, { key: shop.key }),
          200,
        )
      ).from,
    ).toBe("DEFAULTCO")
    await review(second.id, "approve")
    const list: { data: SenderId[] } = await body(
      await gw.api("/v1/sender-ids", { key: shop.key }),
      200,
    )
    expect(list.data.filter((x) => x.is_default).map((x) => x.value)).toEqual(["NEWCO"])
  })

  test.each([
    ["12 characters", "TWELVECHARSX"],
    ["punctuation", "AC!ME"],
    ["a 16-digit number", "1234567890123456"],
  ])("refuses a sender with %s", async (_what, value) => {
    const shop = await createCustomer(gw)
    const p = await problem(
      await gw.api("/v1/sender-ids", {
        method: "POST",
        key: shop.key,
        json: { value, country_code: "GH", purpose: "x" },
      }),
      422,
      "validation_failed",
    )
    expect(JSON.stringify(p)).toContain("/value")
  })

  test.each(["ZZ", "G1", "GHA"])("refuses the country code %p", async (country_code) => {
    const shop = await createCustomer(gw)
    const p = await problem(
      await gw.api("/v1/sender-ids", {
        method: "POST",
        key: shop.key,
        json: { value: "ACME", country_code, purpose: "x" },
      }),
      422,
      "validation_failed",
    )
    expect(JSON.stringify(p)).toContain("/country_code")
  })

  test("a message `from` longer than 11 characters is refused before any approval check", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    await problem(
      await sendAs(gw, shop.key, { to: "+233201234567", message: "hi", from: "TWELVECHARSX" }),
      422,
      "validation_failed",
    )
  })

  test("the operator may send with any sender", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "hi", from: "OPERATOR" },
    })
    expect(res.status).toBe(202)
  })

  test("a partner registers senders for its customer by id or external_ref, and lists them", async () => {
    const partner = await createCustomer(gw, { kind: "partner", initial_sms_credits: 50 })
    const sub = await createCustomer(
      gw,
      { external_ref: "wp-shop-9", initial_sms_credits: 10 },
      partner.key,
    )
    const byRef = await register(partner, { value: "WPSHOP", customer_id: "wp-shop-9" })
    expect(byRef.account_id).toBe(sub.id)
    const byId = await register(partner, { value: "WPSHOP2", customer_id: sub.id })
    expect(byId.account_id).toBe(sub.id)
    const own = await register(partner, { value: "PARTNER" })
    expect(own.account_id).toBe(partner.id)
    const all: { data: SenderId[] } = await body(
      await gw.api("/v1/sender-ids", { key: partner.key }),
      200,
    )
    expect(all.data.map((s) => s.value).sort()).toEqual(["PARTNER", "WPSHOP", "WPSHOP2"])
    const subs: { data: SenderId[] } = await body(
      await gw.api("/v1/sender-ids?customer_id=wp-shop-9", { key: partner.key }),
      200,
    )
    expect(subs.data.map((s) => s.value).sort()).toEqual(["WPSHOP", "WPSHOP2"])
    // The customer sees its own only.
    const mine: { data: SenderId[] } = await body(
      await gw.api("/v1/sender-ids", { key: sub.key }),
      200,
    )
    expect(mine.data.map((s) => s.value).sort()).toEqual(["WPSHOP", "WPSHOP2"])
    // The operator's review queue spans every account.
    const pending: { data: SenderId[] } = await body(
      await gw.api("/v1/sender-ids?status=pending&limit=100"),
      200,
    )
    expect(pending.data.map((s) => s.id)).toEqual(
      expect.arrayContaining([byRef.id, byId.id, own.id]),
    )
    await review(byRef.id, "approve")
    const sent = await body<{ messages: { id: string }[] }>(
      await sendAs(gw, sub.key, { to: "+233201234567", message: "hi", from: "WPSHOP" }),
      202,
    )
    await waitFor(
      async () =>
        (
          await body<{ status: string }>(
            await gw.api(`/v1/messages/${sent.messages[0]!.id}`, { key: sub.key }),
            200,
          )
        ).status === "delivered",
    )
    // Approval is per account: the partner itself may not use its customer's sender.
    await problem(
      await sendAs(gw, partner.key, { to: "+233201234567", message: "hi", from: "WPSHOP" }),
      422,
      "sender_not_approved",
    )
  })

  test("GET /v1/sender-ids/{id} reads one; reviewing an unknown id is 404", async () => {
    const shop = await createCustomer(gw)
    const s = await register(shop, { value: "README" })
    expect(
      (await body<SenderId>(await gw.api(`/v1/sender-ids/${s.id}`, { key: shop.key }), 200)).value,
    ).toBe("README")
    await problem(
      await gw.api("/v1/sender-ids/snd_missing/approve", { method: "POST" }),
      404,
      "not_found",
    )
  })
})

describe("conversation replies", () => {
  let smsc: FakeSmsc
  let carrierGw: TestGateway
  beforeAll(async () => {
    smsc = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
    carrierGw = await startGateway(smppCarrier(smsc.port))
    await waitFor(async () => (await fetch(`${carrierGw.url}/readyz`)).status === 200, {
      what: "bind",
    })
  })
  afterAll(async () => {
    await carrierGw?.stop()
    await smsc?.close()
  })

  test("a customer replies from the number its contact wrote to without registering it, and pays for it", async () => {
    const shop = await createCustomer(carrierGw, { initial_sms_credits: 10 })
    const contact = "+233241000077"
    await body(
      await carrierGw.api("/v1/messages", {
        method: "POST",
        key: shop.key,
        json: { to: contact, message: "Your order shipped" },
      }),
      202,
    )
    expect(
      await smsc.sendMo({
        from: contact,
        to: "+233200000099",
        text: "Thanks! When will it arrive?",
      }),
    ).toEqual([0])
    const conversation = await conversationWith(carrierGw, contact, shop.key)
    const reply = await body<{ from: string }>(
      await carrierGw.api(`/v1/conversations/${conversation.id}/messages`, {
        method: "POST",
        key: shop.key,
        json: { message: "Tomorrow" },
      }),
      202,
    )
    expect(reply.from).toBe("+233200000099")
    expect((await balanceOf(carrierGw, shop.key)).sms_credits).toBe(8)
    // The number is not a sender of its own for anything else.
    await problem(
      await carrierGw.api("/v1/messages", {
        method: "POST",
        key: shop.key,
        json: { to: contact, message: "x", from: "+233200000099" },
      }),
      422,
      "sender_not_approved",
    )
  })

  // Isolation for two-way data (issue #5's matrix, for what issue #6 added): an MO belongs to the
  // account that messaged its sender; another account gets 404 for its conversation and opt-outs
  // and sees none of it in its lists, and nothing of the owner's changes.
  test("another customer cannot reach a customer's conversation, inbound or opt-outs", async () => {
    const owner = await createCustomer(carrierGw, { initial_sms_credits: 10 })
    const other = await createCustomer(carrierGw, { initial_sms_credits: 10 })
    const contact = "+233241000078"
    const stopped = "%2B233241000079"
    await body(await sendAs(carrierGw, owner.key, { to: contact, message: "Hello" }), 202)
    expect(
      await smsc.sendMo({ from: contact, to: "+233200000098", text: "For the owner only" }),
    ).toEqual([0])
    const conversation = await conversationWith(carrierGw, contact, owner.key)
    await body(
      await carrierGw.api("/v1/opt-outs", {
        method: "POST",
        key: owner.key,
        json: { number: "+233241000079" },
      }),
      201,
    )
    type List = { data: { message?: string }[] }
    const inbound = await body<List>(await carrierGw.api("/v1/inbound", { key: owner.key }), 200)
    expect(inbound.data.map((m) => m.message)).toContain("For the owner only")

    for (const [method, path, json] of [
      ["GET", `/v1/conversations/${conversation.id}`, undefined],
      ["GET", `/v1/conversations/${conversation.id}/messages`, undefined],
      ["POST", `/v1/conversations/${conversation.id}/messages`, { message: "hijack" }],
      ["GET", `/v1/opt-outs/${stopped}`, undefined],
      ["DELETE", `/v1/opt-outs/${stopped}`, undefined],
    ] as const) {
      await problem(
        await carrierGw.api(path, { method, key: other.key, ...(json ? { json } : {}) }),
        404,
        "not_found",
      )
    }
    for (const path of ["/v1/conversations", "/v1/opt-outs", "/v1/inbound"]) {
      expect((await body<List>(await carrierGw.api(path, { key: other.key }), 200)).data).toEqual(
        [],
      )
    }
    // The owner's opt-out is still there, and no "hijack" reached the carrier.
    await body(await carrierGw.api(`/v1/opt-outs/${stopped}`, { key: owner.key }), 200)
    expect(smsc.submits.some((x) => x.text === "hijack")).toBe(false)
  })

  // Sandbox traffic is not live data (issue #5): a test message does not make its account the
  // one a reply belongs to (issue #6), so the reply goes to the operator, not to the customer.
  test("a reply to a number only a sandbox key wrote to does not belong to that customer", async () => {
    const shop = await createCustomer(carrierGw, { initial_sms_credits: 5 })
    const sandbox = (await createKey(carrierGw, { scopes: ["admin"], mode: "test" }, shop.key)).key
    const contact = "+233241000081"
    await body(await sendAs(carrierGw, sandbox, { to: contact, message: "test only" }), 202)
    expect(await smsc.sendMo({ from: contact, to: "+233200000097", text: "who is this?" })).toEqual(
      [0],
    )
    type List = { data: { from: string; message: string }[] }
    const operator = await waitFor(
      async () => {
        const list = await body<List>(await carrierGw.api("/v1/inbound"), 200)
        return list.data.find((m) => m.message === "who is this?") ?? null
      },
      { what: "the reply at the operator" },
    )
    expect(operator.from).toBe(contact)
    expect(
      (await body<List>(await carrierGw.api("/v1/inbound", { key: shop.key }), 200)).data,
    ).toEqual([])
  })
})
