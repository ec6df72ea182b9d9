// Tenant isolation, through the real server: every endpoint tried with another tenant's ids
// answers 404 (never 403, never the data), lists never show another tenant's rows, and nothing
// of the victim changed. Partners see what is below them, never above or beside.
//
// Accounts: root ─┬─ A (customer)
//                 ├─ B (customer)
//                 └─ P (partner) ── PC (P's customer)
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import {
  balanceOf,
  body,
  createCustomer,
  createKey,
  customerBody,
  type Tenant,
} from "../support/tenants.ts"

type Name = "A" | "B" | "P" | "PC"

interface Fixture {
  tenant: Tenant
  /** An admin key of the account with a high rate limit (the attacker's key). */
  admin: string
  ref: string
  /** A scheduled message: cancellable, if anyone could reach it. */
  messageId: string
  batchId: string
  senderId: string
  keyId: string
  /** The plaintext of keyId, to check it still works afterwards. */
  key: string
  webhookId: string
}

let gw: TestGateway
const fx = {} as Record<Name, Fixture>

async function fixture(name: Name, tenant: Tenant, ref: string): Promise<Fixture> {
  const admin = (
    await createKey(gw, {
      account_id: tenant.id,
      scopes: ["admin"],
      rate_limit: { per_second: 100_000, per_hour: null },
    })
  ).key
  const at = new Date(Date.now() + 3_600_000).toISOString()
  const sent = await body<{ batch_id: string; messages: { id: string }[] }>(
    await gw.api("/v1/messages", {
      method: "POST",
      key: admin,
      json: { to: "+233201234567", message: `secret of ${name}`, scheduled_at: at },
    }),
    202,
  )
  const sender = await body<{ id: string }>(
    await gw.api("/v1/sender-ids", {
      method: "POST",
      key: admin,
      json: { value: `SND${name}`, country_code: "GH", purpose: "x" },
    }),
    201,
  )
  const key = await createKey(gw, { scopes: ["sms.read"] }, admin)
  const webhook = await body<{ id: string }>(
    await gw.api("/v1/webhooks", {
      method: "POST",
      key: admin,
      json: { url: `https://example.com/${name}`, events: ["*"] },
    }),
    201,
  )
  return {
    tenant,
    admin,
    ref,
    messageId: sent.messages[0]!.id,
    batchId: sent.batch_id,
    senderId: sender.id,
    keyId: key.id,
    key: key.key,
    webhookId: webhook.id,
  }
}

beforeAll(async () => {
  gw = await startGateway(`
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 10
`)
  const a = await createCustomer(gw, { external_ref: "ref-A", initial_sms_credits: 50 })
  const b = await createCustomer(gw, { external_ref: "ref-B", initial_sms_credits: 50 })
  const p = await createCustomer(gw, {
    external_ref: "ref-P",
    kind: "partner",
    initial_sms_credits: 100,
  })
  const pc = await createCustomer(gw, { external_ref: "ref-PC", initial_sms_credits: 50 }, p.key)
  fx.A = await fixture("A", a, "ref-A")
  fx.B = await fixture("B", b, "ref-B")
  fx.P = await fixture("P", p, "ref-P")
  fx.PC = await fixture("PC", pc, "ref-PC")
})
afterAll(async () => {
  await gw.stop()
})

type Attempt = { method: string; path: string; json?: unknown; code?: string }

// Every endpoint that takes an id, aimed at the victim's.
const ENDPOINTS: [string, (v: Fixture) => Attempt][] = [
  ["read a message", (v) => ({ method: "GET", path: `/v1/messages/${v.messageId}` })],
  ["cancel a message", (v) => ({ method: "POST", path: `/v1/messages/${v.messageId}/cancel` })],
  ["read a customer by id", (v) => ({ method: "GET", path: `/v1/customers/${v.tenant.id}` })],
  ["read a customer by external_ref", (v) => ({ method: "GET", path: `/v1/customers/${v.ref}` })],
  [
    "suspend a customer",
    (v) => ({
      method: "PATCH",
      path: `/v1/customers/${v.tenant.id}`,
      json: { status: "suspended" },
    }),
  ],
  [
    "take a customer's credits",
    (v) => ({
      method: "POST",
      path: `/v1/customers/${v.tenant.id}/credits`,
      json: { amount: -10, reason: "theft" },
    }),
  ],
  [
    "give a customer credits",
    (v) => ({
      method: "POST",
      path: `/v1/customers/${v.ref}/credits`,
      json: { amount: 10, reason: "gift" },
    }),
  ],
  ["read a balance", (v) => ({ method: "GET", path: `/v1/balance?account_id=${v.tenant.id}` })],
  ["read a ledger", (v) => ({ method: "GET", path: `/v1/ledger?account_id=${v.tenant.id}` })],
  [
    "list an account's keys",
    (v) => ({ method: "GET", path: `/v1/keys?account_id=${v.tenant.id}` }),
  ],
  [
    "create a key for an account",
    (v) => ({
      method: "POST",
      path: "/v1/keys",
      json: { account_id: v.tenant.id, scopes: ["admin"], mode: "live", label: "backdoor" },
    }),
  ],
  ["revoke a key", (v) => ({ method: "POST", path: `/v1/keys/${v.keyId}/revoke` })],
  ["delete a key", (v) => ({ method: "DELETE", path: `/v1/keys/${v.keyId}` })],
  ["read a sender ID", (v) => ({ method: "GET", path: `/v1/sender-ids/${v.senderId}` })],
  [
    "list an account's sender IDs",
    (v) => ({ method: "GET", path: `/v1/sender-ids?customer_id=${v.tenant.id}` }),
  ],
  [
    "register a sender for an account",
    (v) => ({
      method: "POST",
      path: "/v1/sender-ids",
      json: { value: "HIJACK", country_code: "GH", purpose: "x", customer_id: v.tenant.id },
    }),
  ],
  [
    "read a webhook",
    (v) => ({ method: "GET", path: `/v1/webhooks/${v.webhookId}`, code: "webhook_not_found" }),
  ],
  [
    "change a webhook",
    (v) => ({
      method: "PATCH",
      path: `/v1/webhooks/${v.webhookId}`,
      json: { url: "https://evil.example/x" },
      code: "webhook_not_found",
    }),
  ],
  [
    "ping a webhook",
    (v) => ({
      method: "POST",
      path: `/v1/webhooks/${v.webhookId}/ping`,
      code: "webhook_not_found",
    }),
  ],
  [
    "read a webhook's deliveries",
    (v) => ({
      method: "GET",
      path: `/v1/webhooks/${v.webhookId}/deliveries`,
      code: "webhook_not_found",
    }),
  ],
  [
    "delete a webhook",
    (v) => ({ method: "DELETE", path: `/v1/webhooks/${v.webhookId}`, code: "webhook_not_found" }),
  ],
]

// attacker → victim: siblings, a customer looking up at its partner, a partner looking sideways.
const PAIRS: [Name, Name][] = [
  ["A", "B"],
  ["B", "A"],
  ["PC", "P"],
  ["P", "A"],
  ["A", "PC"],
  ["PC", "B"],
]

const MATRIX = PAIRS.flatMap(([attacker, victim]) =>
  ENDPOINTS.map(([what, make]) => [attacker, victim, what, make] as const),
)

describe("another tenant's ids", () => {
  test.each(MATRIX)("%s cannot %s of %s: 404", async (attacker, victim, _what, make) => {
    const a = make(fx[victim])
    const res = await gw.api(a.path, {
      method: a.method,
      key: fx[attacker].admin,
      ...(a.json ? { json: a.json } : {}),
    })
    const text = await res.text()
    expect(res.status, text).toBe(404)
    expect(JSON.parse(text).code).toBe(a.code ?? "not_found")
    // Nothing of the victim leaks into the answer.
    const asked = a.path + JSON.stringify(a.json ?? null)
    for (const secret of [
      fx[victim].tenant.id,
      fx[victim].messageId,
      `secret of ${victim}`,
      `SND${victim}`,
    ]) {
      if (!asked.includes(secret)) expect(text).not.toContain(secret)
    }
  })

  test.each(PAIRS)("%s's lists never show %s's rows", async (attacker, victim) => {
    const key = fx[attacker].admin
    const v = fx[victim]
    const lists = [
      "/v1/messages?limit=1000",
      `/v1/messages?batch_id=${v.batchId}`,
      "/v1/customers?limit=100",
      "/v1/keys?limit=100",
      "/v1/sender-ids?limit=100",
      "/v1/webhooks?limit=100",
      "/v1/ledger?limit=100",
      "/v1/inbound",
    ]
    for (const path of lists) {
      const text = await (await gw.api(path, { key })).text()
      for (const id of [v.tenant.id, v.messageId, v.senderId, v.keyId, v.webhookId, v.batchId]) {
        expect(text, `${path} shows ${id}`).not.toContain(id)
      }
    }
  })

  test("every victim is untouched", async () => {
    for (const name of ["A", "B", "P", "PC"] as Name[]) {
      const f = fx[name]
      const m = await body<{ status: string }>(
        await gw.api(`/v1/messages/${f.messageId}`, { key: f.admin }),
        200,
      )
      expect(m.status).toBe("scheduled")
      expect((await gw.api("/v1/messages", { key: f.key })).status).toBe(200)
      const s = await body<{ status: string; value: string }>(
        await gw.api(`/v1/sender-ids/${f.senderId}`, { key: f.admin }),
        200,
      )
      expect(s).toMatchObject({ status: "pending", value: `SND${name}` })
      const w = await body<{ url: string }>(
        await gw.api(`/v1/webhooks/${f.webhookId}`, { key: f.admin }),
        200,
      )
      expect(w.url).toBe(`https://example.com/${name}`)
      const keys = await body<{ data: { label: string }[] }>(
        await gw.api("/v1/keys?limit=100", { key: f.admin }),
        200,
      )
      expect(keys.data.map((k) => k.label)).not.toContain("backdoor")
      const senders = await body<{ data: { value: string }[] }>(
        await gw.api("/v1/sender-ids?limit=100", { key: f.admin }),
        200,
      )
      expect(senders.data.map((x) => x.value)).not.toContain("HIJACK")
    }
    // Credits: A, B and PC still hold what they were given minus their scheduled message (1).
    for (const name of ["A", "B", "PC"] as Name[]) {
      expect(await balanceOf(gw, fx[name].admin)).toMatchObject({ sms_credits: 49, reserved: 1 })
    }
  })
})

describe("partners see below themselves", () => {
  test("P reads and manages its customer PC", async () => {
    const p = fx.P.admin
    const pc = fx.PC
    expect(
      (await body<{ id: string }>(await gw.api(`/v1/customers/${pc.tenant.id}`, { key: p }), 200))
        .id,
    ).toBe(pc.tenant.id)
    expect(
      (await body<{ id: string }>(await gw.api("/v1/customers/ref-PC", { key: p }), 200)).id,
    ).toBe(pc.tenant.id)
    expect((await gw.api(`/v1/sender-ids/${pc.senderId}`, { key: p })).status).toBe(200)
    expect((await gw.api(`/v1/keys?account_id=${pc.tenant.id}`, { key: p })).status).toBe(200)
    expect((await gw.api(`/v1/ledger?account_id=ref-PC`, { key: p })).status).toBe(200)
    expect(
      (
        await body<{ sms_credits: number }>(
          await gw.api(`/v1/balance?account_id=${pc.tenant.id}`, { key: p }),
          200,
        )
      ).sms_credits,
    ).toBe(49)
  })

  test("messages stay their sender's: a partner does not read its customer's messages", async () => {
    const res = await gw.api(`/v1/messages/${fx.PC.messageId}`, { key: fx.P.admin })
    expect(res.status).toBe(404)
  })

  test("the operator sees every account below the root", async () => {
    for (const name of ["A", "B", "P", "PC"] as Name[]) {
      expect((await gw.api(`/v1/customers/${fx[name].tenant.id}`)).status).toBe(200)
      expect((await gw.api(`/v1/sender-ids/${fx[name].senderId}`)).status).toBe(200)
    }
    // …but a customer's external_ref is its parent's namespace: PC's ref is P's, not the root's.
    expect((await gw.api("/v1/customers/ref-PC")).status).toBe(404)
  })

  test("a customer cannot reach the root account's resources", async () => {
    const res = await gw.api("/v1/customers/acc_root", { key: fx.A.admin })
    expect(res.status).toBe(404)
    const keys = await gw.api("/v1/keys?account_id=acc_root", { key: fx.A.admin })
    expect(keys.status).toBe(404)
    // A customer's create lands under itself only if it were a partner: here it is refused.
    expect(
      (await gw.api("/v1/customers", { method: "POST", key: fx.A.admin, json: customerBody() }))
        .status,
    ).toBe(403)
  })
})
