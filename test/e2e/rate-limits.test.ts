// Per-key rate limits through the real server: headers on every answer (success and error),
// 429 rate_limit_exceeded with Retry-After, separate buckets per key, unlimited operator keys.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { createCustomer, createKey, problem, type Tenant } from "../support/tenants.ts"

let gw: TestGateway
let shop: Tenant

beforeAll(async () => {
  gw = await startGateway()
  shop = await createCustomer(gw, { initial_sms_credits: 10 })
})
afterAll(async () => {
  await gw.stop()
})

function limitHeaders(res: Response) {
  return {
    limit: res.headers.get("x-ratelimit-limit"),
    remaining: res.headers.get("x-ratelimit-remaining"),
    reset: res.headers.get("x-ratelimit-reset"),
  }
}

describe("rate limits", () => {
  test("every answer to a limited key carries X-RateLimit-*, errors included", async () => {
    const ok = await gw.api("/v1/balance", { key: shop.key })
    expect(ok.status).toBe(200)
    const h = limitHeaders(ok)
    expect(h.limit).toBe("100")
    expect(Number(h.remaining)).toBeGreaterThanOrEqual(90)
    expect(Number(h.remaining)).toBeLessThan(100)
    expect(Number(h.reset)).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000))
    const missing = await gw.api("/v1/messages/msg_nope", { key: shop.key })
    expect(missing.status).toBe(404)
    expect(limitHeaders(missing).limit).toBe("100")
    const invalid = await gw.api("/v1/messages", {
      method: "POST",
      key: shop.key,
      json: { to: "+12", message: "x" },
    })
    expect(invalid.status).toBe(422)
    expect(limitHeaders(invalid).limit).toBe("100")
    // Schema failures, malformed JSON and bad queries too: they are counted before they are
    // answered. An hourly limit, so the per-second bucket's refill does not blur the count.
    const hourly = await createKey(
      gw,
      { scopes: ["sms.send", "wallet.read"], rate_limit: { per_hour: 50 } },
      shop.key,
    )
    const wrongShape = await gw.api("/v1/messages", {
      method: "POST",
      key: hourly.key,
      json: { to: "+233201234567" },
    })
    const malformed = await gw.api("/v1/messages", {
      method: "POST",
      key: hourly.key,
      body: '{"to": ',
      headers: { "content-type": "application/json" },
    })
    const badQuery = await gw.api("/v1/ledger?limit=0", { key: hourly.key })
    expect([wrongShape.status, malformed.status, badQuery.status]).toEqual([422, 400, 422])
    expect([wrongShape, malformed, badQuery].map((r) => limitHeaders(r).remaining)).toEqual([
      "49",
      "48",
      "47",
    ])
  })

  test("over the hourly limit: 429 rate_limit_exceeded with Retry-After; other keys go on", async () => {
    const limited = await createKey(
      gw,
      { scopes: ["wallet.read"], rate_limit: { per_hour: 3 } },
      shop.key,
    )
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await gw.api("/v1/balance", { key: limited.key }))
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429])
    expect(answers.map((r) => r.headers.get("x-ratelimit-remaining"))).toEqual(["2", "1", "0", "0"])
    expect(answers.every((r) => r.headers.get("x-ratelimit-limit") === "3")).toBe(true)
    const refused = answers[3]!
    // One request per 20 minutes refills at 3 per hour.
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(1100)
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(1200)
    const p = await problem(refused, 429, "rate_limit_exceeded")
    expect(p.retry_after).toBe(Number(refused.headers.get("retry-after")))
    // The account's other keys have their own buckets.
    expect((await gw.api("/v1/balance", { key: shop.key })).status).toBe(200)
  })

  test("over the per-second limit: a burst beyond it is refused", async () => {
    const limited = await createKey(
      gw,
      { scopes: ["wallet.read"], rate_limit: { per_second: 2 } },
      shop.key,
    )
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => gw.api("/v1/balance", { key: limited.key })),
    )
    const statuses = answers.map((r) => r.status)
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(2)
    expect(answers.find((r) => r.status === 429)?.headers.get("retry-after")).toBe("1")
  })

  test("the operator's keys are unlimited and carry no rate-limit headers", async () => {
    const res = await gw.api("/v1/balance")
    expect(res.status).toBe(200)
    expect(res.headers.get("x-ratelimit-limit")).toBeNull()
  })

  test("unauthenticated requests are refused before any limit is counted", async () => {
    const res = await gw.api("/v1/balance", { key: "sk_live_wrong" })
    expect(res.status).toBe(401)
    expect(res.headers.get("x-ratelimit-limit")).toBeNull()
  })
})
