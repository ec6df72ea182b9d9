// [webhooks] private_targets over the real server: by default a customer may not point its
// webhooks or callbacks at this machine or private networks (SSRF into the operator's network,
// with each failed attempt's answer shown back); the operator may; "all" lets everyone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body, createCustomer, problem, type Tenant } from "../support/tenants.ts"

let gw: TestGateway
let shop: Tenant

beforeAll(async () => {
  gw = await startGateway()
  shop = await createCustomer(gw)
})
afterAll(async () => {
  await gw?.stop()
})

const hook = (url: string) => ({ method: "POST", json: { url, events: ["*"] } })

describe("webhook and callback targets (default: operator only)", () => {
  test("a customer's endpoint on loopback, private, link-local or localhost is refused", async () => {
    for (const url of [
      "http://127.0.0.1:8080/v1/keys",
      "http://10.0.0.5/hooks",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]:9000/",
      "http://localhost:8080/",
    ]) {
      const p = await problem(
        await gw.api("/v1/webhooks", { ...hook(url), key: shop.key }),
        422,
        "invalid_webhook_url",
      )
      expect(p.detail).toContain("only the operator's webhooks may")
    }
    // A public address or a name is accepted (names are checked when each request is sent).
    await body(
      await gw.api("/v1/webhooks", { ...hook("https://8.8.8.8/hook"), key: shop.key }),
      201,
    )
    const named = await body<{ id: string }>(
      await gw.api("/v1/webhooks", { ...hook("https://hooks.example.com/in"), key: shop.key }),
      201,
    )
    // Changing it to a private address is refused too.
    await problem(
      await gw.api(`/v1/webhooks/${named.id}`, {
        method: "PATCH",
        json: { url: "http://192.168.1.10/in" },
        key: shop.key,
      }),
      422,
      "invalid_webhook_url",
    )
  })

  test("a customer's callback_url on a private address is refused; nothing is queued", async () => {
    const p = await problem(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: "+233201234567", message: "x", callback_url: "http://10.1.2.3/cb" },
        key: shop.key,
      }),
      422,
      "validation_failed",
    )
    expect(p.detail).toContain("callback_url")
    const list = await body<{ data: unknown[] }>(
      await gw.api("/v1/messages", { key: shop.key }),
      200,
    )
    expect(list.data).toEqual([])
  })

  test("the operator may point its webhooks and callbacks anywhere", async () => {
    await body(await gw.api("/v1/webhooks", hook("http://127.0.0.1:9/operator")), 201)
    await body(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: "+233201234567", message: "x", callback_url: "http://10.1.2.3/cb" },
      }),
      202,
    )
  })
})

describe('private_targets = "all"', () => {
  test("a customer may use a private address", async () => {
    const open = await startGateway(`
[webhooks]
private_targets = "all"
`)
    try {
      const customer = await createCustomer(open)
      await body(
        await open.api("/v1/webhooks", { ...hook("http://10.0.0.5/hooks"), key: customer.key }),
        201,
      )
    } finally {
      await open.stop()
    }
  })
})
