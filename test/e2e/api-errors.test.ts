// Bad input gets a precise problem+json answer and the server keeps serving (brief, rule 4).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"

let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway()
})
afterAll(async () => {
  await gw.stop()
})

async function problem(res: Response) {
  expect(res.headers.get("content-type")).toContain("application/problem+json")
  return (await res.json()) as {
    code: string
    status: number
    detail: string
    type: string
    errors?: unknown[]
  }
}

describe("POST /v1/messages", () => {
  test("answers 400 invalid_json for a malformed body", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      body: '{"to": "+233201234567", ',
      headers: { "content-type": "application/json" },
    })
    expect(res.status).toBe(400)
    const p = await problem(res)
    expect(p.code).toBe("invalid_json")
    expect(p.type).toBe("/docs/errors#invalid_json")
  })

  test("answers 422 validation_failed for a wrong type and names the field", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: 233201234567, message: "hi" },
    })
    expect(res.status).toBe(422)
    const p = await problem(res)
    expect(p.code).toBe("validation_failed")
    expect(p.detail).toContain("/to")
  })

  test("answers 422 validation_failed for an unknown field and names it", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "hi", sender: "X" },
    })
    expect(res.status).toBe(422)
    const p = await problem(res)
    expect(p.code).toBe("validation_failed")
    expect(p.detail).toContain('"sender"')
  })

  test("answers 422 invalid_phone_number naming the bad number", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: ["+233201234567", "+12"], message: "hi" },
    })
    expect(res.status).toBe(422)
    const p = await problem(res)
    expect(p.code).toBe("invalid_phone_number")
    expect(p.detail).toContain('"+12"')
  })

  test("answers 422 validation_failed for an empty message", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "" },
    })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe("validation_failed")
  })

  test("answers 422 message_too_long over 1,600 characters", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "a".repeat(1601) },
    })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe("message_too_long")
  })

  test("answers 422 validation_failed for a sender longer than 11 characters", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "x", from: "TOOLONGSENDER" },
    })
    expect(res.status).toBe(422)
    const p = await problem(res)
    expect(p.code).toBe("validation_failed")
    expect(p.detail).toContain("TOOLONGSENDER")
  })

  test("answers 422 validation_failed for a scheduled_at without a time zone", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "x", scheduled_at: "2030-01-01 09:00" },
    })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe("validation_failed")
  })

  test("answers 422 for a priority out of range", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "x", priority: 11 },
    })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe("validation_failed")
  })

  // Elysia's own t.Integer also takes a numeric string; the API takes JSON numbers only.
  for (const [field, value] of [
    ["priority", "5"],
    ["validity", "3600"],
  ] as const) {
    test(`answers 422 for ${field} as a string of digits (${JSON.stringify(value)})`, async () => {
      const res = await gw.api("/v1/messages", {
        method: "POST",
        json: { to: "+233201234567", message: "x", [field]: value },
      })
      expect(res.status).toBe(422)
      const p = await problem(res)
      expect(p.code).toBe("validation_failed")
      expect(p.detail).toContain(field)
    })
  }

  test("answers 422 for more than 1,000 recipients", async () => {
    const to = Array.from({ length: 1001 }, () => "+233201234567")
    const res = await gw.api("/v1/messages", { method: "POST", json: { to, message: "x" } })
    expect(res.status).toBe(422)
    expect((await problem(res)).code).toBe("validation_failed")
  })

  test("answers 413 payload_too_large over max_body_bytes", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "x".repeat(2_000_000) },
    })
    expect(res.status).toBe(413)
    expect((await problem(res)).code).toBe("payload_too_large")
  })

  test("answers 401 authentication_failed without a key", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      key: null,
      json: { to: "+233201234567", message: "x" },
    })
    expect(res.status).toBe(401)
    expect((await problem(res)).code).toBe("authentication_failed")
  })

  test("answers 401 authentication_failed for a wrong key, by either header", async () => {
    const bearer = await gw.api("/v1/messages", {
      method: "POST",
      key: "sk_live_wrong",
      json: { to: "+233201234567", message: "x" },
    })
    expect(bearer.status).toBe(401)
    const header = await gw.api("/v1/messages", {
      method: "POST",
      key: null,
      headers: { "x-api-key": "sk_live_wrong" },
      json: { to: "+233201234567", message: "x" },
    })
    expect(header.status).toBe(401)
    expect((await problem(header)).code).toBe("authentication_failed")
  })

  test("accepts the X-Api-Key header", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      key: null,
      headers: { "x-api-key": gw.key },
      json: { to: "+233201234567", message: "x" },
    })
    expect(res.status).toBe(202)
  })

  test("keeps serving after a burst of bad requests", async () => {
    const bad = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        gw.api("/v1/messages", {
          method: "POST",
          body: i % 2 ? "{" : "[]",
          headers: { "content-type": "application/json" },
        }),
      ),
    )
    expect(bad.every((r) => r.status === 400 || r.status === 422)).toBe(true)
    const health = await fetch(`${gw.url}/healthz`)
    expect(health.status).toBe(200)
  })
})

describe("GET /v1/messages/:id", () => {
  test("answers 404 not_found for an unknown id", async () => {
    const res = await gw.api("/v1/messages/msg_doesnotexist")
    expect(res.status).toBe(404)
    expect((await problem(res)).code).toBe("not_found")
  })

  test("answers 422 for a forged cursor", async () => {
    const res = await gw.api("/v1/messages?cursor=bm9wZQ")
    expect(res.status).toBe(422)
  })
})

describe("unknown routes", () => {
  test("answer 404 problem+json", async () => {
    const res = await fetch(`${gw.url}/v2/nothing`)
    expect(res.status).toBe(404)
    expect((await problem(res)).code).toBe("not_found")
  })
})

describe("authentication comes before the body and the query are read", () => {
  test("a missing or wrong key is 401 whatever the body or query", async () => {
    const cases: [string, RequestInit & { key?: string | null; json?: unknown }][] = [
      ["/v1/messages", { method: "POST", key: null, json: { to: "+233201234567" } }],
      [
        "/v1/messages",
        {
          method: "POST",
          key: null,
          body: '{"to": ',
          headers: { "content-type": "application/json" },
        },
      ],
      ["/v1/keys", { method: "POST", key: "sk_live_not_a_key", json: { scopes: "x" } }],
      ["/v1/ledger?limit=0", { key: null }],
    ]
    for (const [path, init] of cases) {
      const res = await gw.api(path, init)
      expect({ path, status: res.status, code: (await problem(res)).code }).toEqual({
        path,
        status: 401,
        code: "authentication_failed",
      })
    }
  })
})

describe("list routes", () => {
  test("a fractional or out-of-range limit is 422, never a 500", async () => {
    for (const path of [
      "/v1/messages",
      "/v1/customers",
      "/v1/keys",
      "/v1/sender-ids",
      "/v1/ledger",
      "/v1/inbound",
      "/v1/opt-outs",
      "/v1/conversations",
      "/v1/numbers",
      "/v1/webhooks",
    ]) {
      for (const limit of ["1.5", "0", "100000", "abc"]) {
        const res = await gw.api(`${path}?limit=${limit}`)
        expect({ path, limit, status: res.status }).toEqual({ path, limit, status: 422 })
        expect((await problem(res)).code).toBe("validation_failed")
      }
      expect((await gw.api(`${path}?limit=2`)).status).toBe(200)
    }
  })
})

describe("numbers beyond any sensible amount", () => {
  test("opening balances and rate limits of 1e20 are 422, never a 500", async () => {
    const customer = await gw.api("/v1/customers", {
      method: "POST",
      json: {
        full_name: "X",
        phone: "+233201234567",
        country_code: "GH",
        initial_sms_credits: 1e20,
      },
    })
    expect(customer.status).toBe(422)
    expect((await problem(customer)).code).toBe("validation_failed")
    const key = await gw.api("/v1/keys", {
      method: "POST",
      json: { scopes: ["sms.send"], mode: "live", label: "x", rate_limit: { per_second: 1e20 } },
    })
    expect(key.status).toBe(422)
    expect((await problem(key)).code).toBe("validation_failed")
  })
})
