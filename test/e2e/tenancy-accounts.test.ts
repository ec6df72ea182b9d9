// Customer and partner accounts over a real socket: provisioning, idempotency on external_ref,
// reading by id or ref, paging, suspension, and who may create what.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import {
  balanceOf,
  body,
  type Customer,
  createCustomer,
  createKey,
  customerBody,
  problem,
} from "../support/tenants.ts"

let gw: TestGateway

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

describe("POST /v1/customers", () => {
  test("answers 201 with the customer, its balance and a first key that works", async () => {
    const res = await gw.api("/v1/customers", {
      method: "POST",
      json: customerBody({
        email: "ama@example.com",
        external_ref: "shop-1",
        label: "gold",
        initial_sms_credits: 25,
        initial_wallet_balance: 1000,
        currency: "ghs",
      }),
    })
    const c = await body<
      Customer & {
        api_key: { key: string; id: string; scopes: string[]; mode: string; prefix: string }
      }
    >(res, 201)
    expect(c.id).toStartWith("acc_")
    expect(c).toMatchObject({
      kind: "customer",
      parent_id: "acc_root",
      phone: "+233201234567",
      country_code: "GH",
      email: "ama@example.com",
      external_ref: "shop-1",
      label: "gold",
      status: "active",
      currency: "GHS",
      balance: {
        sms_credits: 25,
        wallet_balance: 1000,
        reserved: 0,
        currency: "GHS",
        metered: true,
      },
    })
    expect(c.api_key.key).toMatch(/^sk_live_[0-9A-Za-z]{32}$/)
    expect(c.api_key).toMatchObject({
      scopes: ["admin"],
      mode: "live",
      prefix: c.api_key.key.slice(0, 12),
    })
    expect(await balanceOf(gw, c.api_key.key)).toEqual({
      sms_credits: 25,
      wallet_balance: 1000,
      currency: "GHS",
      reserved: 0,
      metered: true,
    })
  })

  test("the same external_ref again answers 200 with the same customer and no key", async () => {
    const first = await createCustomer(gw, { external_ref: "crm-42", initial_sms_credits: 5 })
    const again = await gw.api("/v1/customers", {
      method: "POST",
      json: customerBody({
        external_ref: "crm-42",
        initial_sms_credits: 5,
        full_name: "Someone else",
      }),
    })
    const c = await body<Customer>(again, 200)
    expect(c.id).toBe(first.id)
    expect(c.api_key).toBeNull()
    // The retry moved no credits.
    expect(c.balance.sms_credits).toBe(5)
  })

  test("concurrent creates with one external_ref make one customer", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        gw.api("/v1/customers", { method: "POST", json: customerBody({ external_ref: "race-1" }) }),
      ),
    )
    const statuses = answers.map((r) => r.status).sort()
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 201])
    const ids = new Set(
      await Promise.all(answers.map(async (r) => ((await r.json()) as Customer).id)),
    )
    expect(ids.size).toBe(1)
  })

  test.each([
    ["an invalid phone", { phone: "+12" }, 422, "invalid_phone_number"],
    ["an unknown country", { country_code: "XX" }, 422, "validation_failed"],
    ["a bad email", { email: "not-an-email" }, 422, "validation_failed"],
    ["an unknown field", { plan: "gold" }, 422, "validation_failed"],
    ["negative credits", { initial_sms_credits: -1 }, 422, "validation_failed"],
    ["a bad currency", { currency: "US" }, 422, "validation_failed"],
  ])("refuses %s", async (_what, extra, status, code) => {
    await problem(
      await gw.api("/v1/customers", { method: "POST", json: customerBody(extra) }),
      status,
      code,
    )
  })

  test("reads a national phone number with the country code", async () => {
    const c = await createCustomer(gw, { phone: "020 123 4567", country_code: "gh" })
    expect(c.customer).toMatchObject({ phone: "+233201234567", country_code: "GH" })
  })
})

describe("GET /v1/customers", () => {
  test("reads a customer by id and by external_ref", async () => {
    const c = await createCustomer(gw, { external_ref: "by-ref" })
    const byId = await body<Customer>(await gw.api(`/v1/customers/${c.id}`), 200)
    const byRef = await body<Customer>(await gw.api("/v1/customers/by-ref"), 200)
    expect(byId.id).toBe(c.id)
    expect(byRef.id).toBe(c.id)
    expect(byId).not.toHaveProperty("api_key")
    await problem(await gw.api("/v1/customers/acc_nope"), 404, "not_found")
    await problem(await gw.api("/v1/customers/no-such-ref"), 404, "not_found")
  })

  test("lists newest first with a cursor that neither skips nor repeats", async () => {
    const made = []
    for (let i = 0; i < 5; i++) made.push((await createCustomer(gw)).id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { data: Customer[]; next_cursor: string | null } = await body(
        await gw.api(`/v1/customers?limit=2${cursor ? `&cursor=${cursor}` : ""}`),
        200,
      )
      expect(page.data.length).toBeLessThanOrEqual(2)
      seen.push(...page.data.map((c) => c.id))
      cursor = page.next_cursor
    } while (cursor)
    expect(new Set(seen).size).toBe(seen.length)
    const newest = seen.slice(0, 5)
    expect(newest).toEqual([...made].reverse())
    await problem(await gw.api("/v1/customers?cursor=bogus"), 422, "validation_failed")
  })
})

describe("PATCH /v1/customers/{id}", () => {
  test("suspending a customer makes its keys answer 401; resuming restores them", async () => {
    const c = await createCustomer(gw, { initial_sms_credits: 1 })
    expect((await gw.api("/v1/balance", { key: c.key })).status).toBe(200)
    const suspended = await body<Customer>(
      await gw.api(`/v1/customers/${c.id}`, { method: "PATCH", json: { status: "suspended" } }),
      200,
    )
    expect(suspended.status).toBe("suspended")
    const refused = await problem(
      await gw.api("/v1/balance", { key: c.key }),
      401,
      "authentication_failed",
    )
    expect(refused.detail).toContain("suspended")
    await body(
      await gw.api(`/v1/customers/${c.id}`, {
        method: "PATCH",
        json: { status: "active", label: "back" },
      }),
      200,
    )
    expect((await gw.api("/v1/balance", { key: c.key })).status).toBe(200)
  })

  test("suspending a partner shuts out its customers too", async () => {
    const partner = await createCustomer(gw, { kind: "partner", initial_sms_credits: 10 })
    const sub = await createCustomer(gw, {}, partner.key)
    expect(sub.customer.parent_id).toBe(partner.id)
    await body(
      await gw.api(`/v1/customers/${partner.id}`, {
        method: "PATCH",
        json: { status: "suspended" },
      }),
      200,
    )
    await problem(await gw.api("/v1/balance", { key: sub.key }), 401, "authentication_failed")
    await body(
      await gw.api(`/v1/customers/${partner.id}`, { method: "PATCH", json: { status: "active" } }),
      200,
    )
    expect((await gw.api("/v1/balance", { key: sub.key })).status).toBe(200)
  })

  test("only the suspender, or an account above it, lifts a suspension", async () => {
    const partner = await createCustomer(gw, { kind: "partner" })
    const sub = await createCustomer(gw, {}, partner.key)
    const patch = (key: string | undefined, status: string) =>
      gw.api(`/v1/customers/${sub.id}`, {
        method: "PATCH",
        json: { status },
        ...(key ? { key } : {}),
      })
    // The operator suspends the partner's customer: the partner cannot undo it.
    await body(await patch(undefined, "suspended"), 200)
    const refused = await problem(await patch(partner.key, "active"), 403, "forbidden")
    expect(refused.detail).toContain("suspended by an account above yours")
    await body(await patch(undefined, "active"), 200)
    // The partner's own suspension it lifts itself, and the operator can too.
    await body(await patch(partner.key, "suspended"), 200)
    await body(await patch(partner.key, "active"), 200)
    await body(await patch(partner.key, "suspended"), 200)
    await body(await patch(undefined, "active"), 200)
    expect((await gw.api("/v1/balance", { key: sub.key })).status).toBe(200)
  })

  test("refuses an empty patch and an unknown status", async () => {
    const c = await createCustomer(gw)
    await problem(
      await gw.api(`/v1/customers/${c.id}`, { method: "PATCH", json: {} }),
      422,
      "validation_failed",
    )
    await problem(
      await gw.api(`/v1/customers/${c.id}`, { method: "PATCH", json: { status: "deleted" } }),
      422,
      "validation_failed",
    )
  })
})

describe("partners", () => {
  test("a partner's customers are its own: created under it, funded from its credits", async () => {
    const partner = await createCustomer(gw, { kind: "partner", initial_sms_credits: 100 })
    expect(partner.customer.kind).toBe("partner")
    const sub = await createCustomer(
      gw,
      { initial_sms_credits: 30, external_ref: "p-1" },
      partner.key,
    )
    expect(sub.customer.balance.sms_credits).toBe(30)
    expect((await balanceOf(gw, partner.key)).sms_credits).toBe(70)
    // Its external_ref namespace is its own: the operator's "p-1" is another customer.
    const rootOwn = await createCustomer(gw, { external_ref: "p-1" })
    expect(rootOwn.id).not.toBe(sub.id)
    expect(
      (await body<Customer>(await gw.api("/v1/customers/p-1", { key: partner.key }), 200)).id,
    ).toBe(sub.id)
    // The operator sees the partner's customer by id (it is below the root).
    expect((await body<Customer>(await gw.api(`/v1/customers/${sub.id}`), 200)).parent_id).toBe(
      partner.id,
    )
  })

  test("a partner without enough credits gets 402 and no customer is created", async () => {
    const partner = await createCustomer(gw, { kind: "partner", initial_sms_credits: 5 })
    const p = await problem(
      await gw.api("/v1/customers", {
        method: "POST",
        json: customerBody({ external_ref: "too-rich", initial_sms_credits: 6 }),
        key: partner.key,
      }),
      402,
      "insufficient_credits",
    )
    expect(p).toMatchObject({ available: 5, required: 6 })
    await problem(await gw.api("/v1/customers/too-rich", { key: partner.key }), 404, "not_found")
    const list: { data: Customer[] } = await body(
      await gw.api("/v1/customers", { key: partner.key }),
      200,
    )
    expect(list.data).toEqual([])
    expect((await balanceOf(gw, partner.key)).sms_credits).toBe(5)
  })

  test("only the operator creates partners; a customer creates no customers", async () => {
    const partner = await createCustomer(gw, { kind: "partner" })
    await problem(
      await gw.api("/v1/customers", {
        method: "POST",
        json: customerBody({ kind: "partner" }),
        key: partner.key,
      }),
      403,
      "forbidden",
    )
    const c = await createCustomer(gw)
    const p = await problem(
      await gw.api("/v1/customers", { method: "POST", json: customerBody(), key: c.key }),
      403,
      "forbidden",
    )
    expect(p.detail).toContain("customer account cannot have customers")
  })

  test("creating customers needs connect.customers", async () => {
    const partner = await createCustomer(gw, { kind: "partner" })
    const narrow = await createKey(gw, { scopes: ["sms.send"] }, partner.key)
    const p = await problem(
      await gw.api("/v1/customers", { method: "POST", json: customerBody(), key: narrow.key }),
      403,
      "forbidden",
    )
    expect(p.detail).toContain("connect.customers")
    expect(p.required_scope).toBe("connect.customers")
  })
})

describe("OpenAPI", () => {
  test("/openapi.json documents every tenancy route with a summary", async () => {
    const doc = (await (await gw.api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[] }>>
    }
    const expected: [string, string][] = [
      ["/v1/customers", "post"],
      ["/v1/customers", "get"],
      ["/v1/customers/{id}", "get"],
      ["/v1/customers/{id}", "patch"],
      ["/v1/customers/{id}/credits", "post"],
      ["/v1/keys", "post"],
      ["/v1/keys", "get"],
      ["/v1/keys/{id}/revoke", "post"],
      ["/v1/keys/{id}", "delete"],
      ["/v1/balance", "get"],
      ["/v1/ledger", "get"],
      ["/v1/prices", "get"],
      ["/v1/prices", "put"],
      ["/v1/sender-ids", "post"],
      ["/v1/sender-ids", "get"],
      ["/v1/sender-ids/{id}", "get"],
      ["/v1/sender-ids/{id}/approve", "post"],
      ["/v1/sender-ids/{id}/reject", "post"],
    ]
    for (const [path, method] of expected) {
      // Elysia spells a prefix's root route with a trailing slash.
      const item = doc.paths[path] ?? doc.paths[`${path}/`]
      expect(item?.[method]?.summary, `${method} ${path}`).toBeTruthy()
    }
  })
})
