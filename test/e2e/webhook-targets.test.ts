// [webhooks] private_targets over the real server: by default a customer may not point its
// webhooks or callbacks at this machine or private networks (SSRF into the operator's network,
// with each failed attempt's answer shown back); the operator may; "all" lets everyone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body, createCustomer, problem, type Tenant } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { startReceiver } from "../support/webhook-receiver.ts"

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

  test("a customer's endpoint whose name resolves to no public address is not requested; its log says only that", async () => {
    // .invalid never resolves (RFC 6761): the URL passes when given, the attempt is refused.
    const e = await body<{ id: string }>(
      await gw.api("/v1/webhooks", { ...hook("http://hooks.invalid/in"), key: shop.key }),
      201,
    )
    await body(await gw.api(`/v1/webhooks/${e.id}/ping`, { method: "POST", key: shop.key }), 202)
    const delivery = await waitFor(
      async () => {
        const list = await body<{ data: { last_error: string | null }[] }>(
          await gw.api(`/v1/webhooks/${e.id}/deliveries`, { key: shop.key }),
          200,
        )
        return list.data[0]?.last_error ? list.data[0] : null
      },
      { what: "the ping's first attempt" },
    )
    // Not getaddrinfo's words: the resolver's answer would map the operator's network.
    expect(delivery.last_error).toBe(
      "not sent: the URL did not resolve to public addresses only; only the operator's webhooks may reach others",
    )
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
  test("a customer may use a private address, and its requests go there", async () => {
    const open = await startGateway(`
[webhooks]
private_targets = "all"
`)
    await using receiver = startReceiver()
    try {
      const customer = await createCustomer(open)
      await body(
        await open.api("/v1/webhooks", { ...hook("http://10.0.0.5/hooks"), key: customer.key }),
        201,
      )
      // A receiver on 127.0.0.1: the ping arrives, signed with the endpoint's secret.
      const e = await receiver.subscribe({ url: open.url, key: customer.key }, "/local", ["*"])
      await body(
        await open.api(`/v1/webhooks/${e.id}/ping`, { method: "POST", key: customer.key }),
        202,
      )
      await waitFor(() => receiver.at("/local").some((r) => r.answered === 200), {
        what: "the ping on 127.0.0.1",
      })
    } finally {
      await open.stop()
    }
  })
})
