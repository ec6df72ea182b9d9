// API keys and scopes over a real socket: create (shown once), list, revoke, a 403 naming the
// missing scope on every endpoint, operator-only endpoints, and no plaintext key on disk.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { startGateway, TEST_ADMIN_KEY, type TestGateway } from "../support/gateway.ts"
import { body, createCustomer, createKey, problem, type Tenant } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"

let gw: TestGateway
let shop: Tenant

interface Key {
  id: string
  key?: string
  account_id: string
  prefix: string
  mode: string
  scopes: string[]
  label: string
  rate_limit: { per_second: number | null; per_hour: number | null }
  last_used_at: string | null
  revoked_at: string | null
}

beforeAll(async () => {
  gw = await startGateway(`
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 10
`)
  shop = await createCustomer(gw, { initial_sms_credits: 100 })
})
afterAll(async () => {
  await gw.stop()
})

describe("POST /v1/keys", () => {
  test("answers 201 with the key once; lists show only its prefix", async () => {
    const created = await body<Key>(
      await gw.api("/v1/keys", {
        method: "POST",
        key: shop.key,
        json: { scopes: ["sms.send", "sms.read", "sms.send"], mode: "live", label: "backend" },
      }),
      201,
    )
    expect(created.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/)
    expect(created).toMatchObject({
      account_id: shop.id,
      mode: "live",
      scopes: ["sms.send", "sms.read"],
      label: "backend",
      prefix: created.key!.slice(0, 12),
      rate_limit: { per_second: 100, per_hour: 100_000 },
      revoked_at: null,
    })
    const list: { data: Key[] } = await body(await gw.api("/v1/keys", { key: shop.key }), 200)
    const listed = list.data.find((k) => k.id === created.id)!
    expect(listed).not.toHaveProperty("key")
    expect(JSON.stringify(list)).not.toContain(created.key!)
    expect(list.data.map((k) => k.id)).toContain(shop.customer.api_key!.id)
  })

  test("a test-mode key starts sk_test_", async () => {
    const k = await createKey(gw, { scopes: ["sms.send"], mode: "test" }, shop.key)
    expect(k.key).toMatch(/^sk_test_[0-9A-Za-z]{32}$/)
  })

  test.each([
    [
      "an unknown scope",
      { scopes: ["sms.send", "everything"], mode: "live", label: "x" },
      "/scopes/1",
    ],
    ["no scopes", { scopes: [], mode: "live", label: "x" }, "/scopes"],
    ["no mode", { scopes: ["sms.send"], label: "x" }, "mode"],
    ["no label", { scopes: ["sms.send"], mode: "live" }, "label"],
    ["a bad mode", { scopes: ["sms.send"], mode: "prod", label: "x" }, "mode"],
  ])("refuses %s", async (_what, json, mention) => {
    const p = await problem(
      await gw.api("/v1/keys", { method: "POST", key: shop.key, json }),
      422,
      "validation_failed",
    )
    expect(JSON.stringify(p)).toContain(mention)
  })

  test("a customer cannot grant itself more than the default rate limits; the operator can", async () => {
    await problem(
      await gw.api("/v1/keys", {
        method: "POST",
        key: shop.key,
        json: { scopes: ["sms.send"], mode: "live", label: "x", rate_limit: { per_second: 1000 } },
      }),
      422,
      "validation_failed",
    )
    await problem(
      await gw.api("/v1/keys", {
        method: "POST",
        key: shop.key,
        json: { scopes: ["sms.send"], mode: "live", label: "x", rate_limit: { per_hour: null } },
      }),
      422,
      "validation_failed",
    )
    const lower = await body<Key>(
      await gw.api("/v1/keys", {
        method: "POST",
        key: shop.key,
        json: { scopes: ["sms.send"], mode: "live", label: "x", rate_limit: { per_second: 5 } },
      }),
      201,
    )
    expect(lower.rate_limit).toEqual({ per_second: 5, per_hour: 100_000 })
    const granted = await body<Key>(
      await gw.api("/v1/keys", {
        method: "POST",
        json: {
          account_id: shop.id,
          scopes: ["sms.send"],
          mode: "live",
          label: "x",
          rate_limit: { per_second: 1000, per_hour: null },
        },
      }),
      201,
    )
    expect(granted.rate_limit).toEqual({ per_second: 1000, per_hour: null })
    const operatorOwn = await body<Key>(
      await gw.api("/v1/keys", {
        method: "POST",
        json: { scopes: ["sms.read"], mode: "live", label: "monitoring" },
      }),
      201,
    )
    expect(operatorOwn).toMatchObject({
      account_id: "acc_root",
      rate_limit: { per_second: null, per_hour: null },
    })
  })

  test("managing one's own keys needs admin; a customer's keys need connect.customers", async () => {
    const narrow = await createKey(gw, { scopes: ["sms.send", "sms.read"] }, shop.key)
    const p = await problem(
      await gw.api("/v1/keys", {
        method: "POST",
        key: narrow.key,
        json: { scopes: ["sms.send"], mode: "live", label: "x" },
      }),
      403,
      "forbidden",
    )
    expect(p.detail).toContain("admin")
    await problem(await gw.api("/v1/keys", { key: narrow.key }), 403, "forbidden")
    const partner = await createCustomer(gw, { kind: "partner" })
    const provisioner = await createKey(gw, { scopes: ["connect.customers"] }, partner.key)
    const sub = await createCustomer(gw, {}, partner.key)
    const forSub = await body<Key>(
      await gw.api("/v1/keys", {
        method: "POST",
        key: provisioner.key,
        json: { account_id: sub.id, scopes: ["sms.send"], mode: "live", label: "for sub" },
      }),
      201,
    )
    expect(forSub.account_id).toBe(sub.id)
    // connect.customers is not admin over the partner's own keys.
    await problem(
      await gw.api("/v1/keys", {
        method: "POST",
        key: provisioner.key,
        json: { scopes: ["sms.send"], mode: "live", label: "x" },
      }),
      403,
      "forbidden",
    )
  })
})

describe("revoking", () => {
  test("a revoked key answers 401 at once; revoking twice keeps the first time", async () => {
    const k = await createKey(gw, { scopes: ["wallet.read"] }, shop.key)
    expect((await gw.api("/v1/balance", { key: k.key })).status).toBe(200)
    const revoked = await body<Key>(
      await gw.api(`/v1/keys/${k.id}/revoke`, { method: "POST", key: shop.key }),
      200,
    )
    expect(revoked.revoked_at).not.toBeNull()
    const p = await problem(
      await gw.api("/v1/balance", { key: k.key }),
      401,
      "authentication_failed",
    )
    expect(p.detail).toContain("revoked")
    const again = await body<Key>(
      await gw.api(`/v1/keys/${k.id}`, { method: "DELETE", key: shop.key }),
      200,
    )
    expect(again.revoked_at).toBe(revoked.revoked_at)
  })

  test("the configured admin key cannot be revoked through the API and keeps working", async () => {
    await problem(await gw.api("/v1/keys/key_admin/revoke", { method: "POST" }), 404, "not_found")
    expect((await gw.api("/v1/connectors")).status).toBe(200)
  })

  test("a key that does not exist, or is malformed, answers 401", async () => {
    await problem(
      await gw.api("/v1/balance", { key: "sk_live_00000000000000000000000000000000" }),
      401,
      "authentication_failed",
    )
    await problem(
      await gw.api("/v1/balance", { key: null, headers: { authorization: "Basic abc" } }),
      401,
      "authentication_failed",
    )
  })

  test("X-Api-Key works as well as Authorization", async () => {
    const res = await gw.api("/v1/balance", { key: null, headers: { "x-api-key": shop.key } })
    expect(res.status).toBe(200)
  })

  test("a key's last use is recorded", async () => {
    const k = await createKey(gw, { scopes: ["wallet.read"] }, shop.key)
    await gw.api("/v1/balance", { key: k.key })
    const listed = await waitFor(
      async () => {
        const list: { data: Key[] } = await body(await gw.api("/v1/keys", { key: shop.key }), 200)
        const row = list.data.find((r) => r.id === k.id)!
        return row.last_used_at !== null ? row : null
      },
      { what: "last_used_at" },
    )
    expect(Date.parse(listed.last_used_at!)).toBeGreaterThan(0)
  })
})

describe("scopes", () => {
  // Each endpoint with the scope it needs; a key holding every other scope (but not admin) gets 403.
  const senderBody = { value: "SCOPED", country_code: "GH", purpose: "alerts" }
  // Every row has 4 members: with fewer, bun passes a `done` callback in the last parameter.
  const cases: [string, string, string, unknown][] = [
    ["sms.send", "POST", "/v1/messages", { to: "+233201234567", message: "hi" }],
    ["sms.send", "POST", "/v1/messages/msg_x/cancel", null],
    ["sms.read", "GET", "/v1/messages", null],
    ["sms.read", "GET", "/v1/messages/msg_x", null],
    ["sms.read", "GET", "/v1/inbound", null],
    ["wallet.read", "GET", "/v1/balance", null],
    ["wallet.read", "GET", "/v1/ledger", null],
    ["wallet.read", "GET", "/v1/prices", null],
    ["sender_ids.read", "GET", "/v1/sender-ids", null],
    ["sender_ids.read", "GET", "/v1/sender-ids/snd_x", null],
    ["sender_ids.write", "POST", "/v1/sender-ids", senderBody],
    ["webhooks.write", "GET", "/v1/webhooks", null],
    ["connect.customers", "GET", "/v1/customers", null],
    [
      "connect.customers",
      "POST",
      "/v1/customers",
      { full_name: "x", phone: "+233201234567", country_code: "GH" },
    ],
    ["connect.customers", "POST", "/v1/customers/acc_x/credits", { amount: 1, reason: "x" }],
    ["sms.read", "GET", "/v1/conversations", null],
    ["sms.read", "GET", "/v1/conversations/cnv_x", null],
    ["sms.read", "GET", "/v1/conversations/cnv_x/messages", null],
    ["sms.send", "POST", "/v1/conversations/cnv_x/messages", { message: "hi" }],
    ["sms.read", "GET", "/v1/opt-outs", null],
    ["sms.read", "GET", "/v1/opt-outs/%2B233201234599", null],
    ["sms.send", "POST", "/v1/opt-outs", { number: "+233201234599" }],
    ["sms.send", "DELETE", "/v1/opt-outs/%2B233201234599", null],
  ]

  // A partner: it may hold every scope (a customer cannot have customers at all).
  let partner: Tenant
  beforeAll(async () => {
    partner = await createCustomer(gw, { kind: "partner", initial_sms_credits: 100 })
  })

  test.each(cases)("%s is needed for %s %s", async (scope, method, path, json) => {
    const others = [
      "sms.send",
      "sms.read",
      "wallet.read",
      "sender_ids.read",
      "sender_ids.write",
      "webhooks.write",
      "connect.customers",
    ].filter((s) => s !== scope)
    const without = await createKey(gw, { scopes: others }, partner.key)
    const p = await problem(
      await gw.api(path, { method, key: without.key, ...(json ? { json } : {}) }),
      403,
      "forbidden",
    )
    expect(p.detail).toContain(scope)
    const withIt = await createKey(gw, { scopes: [scope] }, partner.key)
    const res = await gw.api(path, { method, key: withIt.key, ...(json ? { json } : {}) })
    expect(res.status).not.toBe(403)
    expect(res.status).not.toBe(401)
  })

  test("admin implies every scope of the account", async () => {
    for (const path of [
      "/v1/messages",
      "/v1/inbound",
      "/v1/balance",
      "/v1/ledger",
      "/v1/prices",
      "/v1/sender-ids",
      "/v1/webhooks",
      "/v1/keys",
    ]) {
      expect((await gw.api(path, { key: shop.key })).status).toBe(200)
    }
  })

  test.each([
    ["GET", "/v1/connectors", null],
    ["GET", "/v1/routes", null],
    ["POST", "/v1/routes/test", { to: "+233201234567" }],
    ["GET", "/metrics", null],
    ["PUT", "/v1/prices", { default: 0, countries: {} }],
    ["POST", "/v1/sender-ids/snd_x/approve", null],
    ["POST", "/v1/sender-ids/snd_x/reject", null],
    // Assigning a number decides whose inbound messages it receives.
    ["POST", "/v1/numbers", { number: "+233200000005" }],
    ["DELETE", "/v1/numbers/num_x", null],
  ] as [string, string, unknown][])(
    "%s %s is the operator's: a customer's admin key gets 403",
    async (method, path, json) => {
      const p = await problem(
        await gw.api(path, { method, key: shop.key, ...(json ? { json } : {}) }),
        403,
        "forbidden",
      )
      expect(p.detail).toContain("operator")
    },
  )
})

describe("storage", () => {
  test("no plaintext key is in the database file or its WAL", async () => {
    const keys = [shop.key]
    for (let i = 0; i < 5; i++)
      keys.push(
        (await createKey(gw, { scopes: ["sms.send"], mode: i % 2 ? "test" : "live" }, shop.key))
          .key,
      )
    keys.push((await createCustomer(gw)).key)
    keys.push(TEST_ADMIN_KEY)
    const files = [gw.dbPath, `${gw.dbPath}-wal`].filter((f) => existsSync(f))
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      const bytes = readFileSync(file).toString("latin1")
      for (const key of keys) {
        expect(bytes.includes(key)).toBe(false)
        // Not even the secret part without its prefix.
        expect(bytes.includes(key.slice(8))).toBe(false)
      }
    }
    // What is stored is the SHA-256, which is there.
    const digest = new Bun.CryptoHasher("sha256").update(shop.key).digest("hex")
    expect(files.some((f) => readFileSync(f).toString("latin1").includes(digest))).toBe(true)
  })
})
