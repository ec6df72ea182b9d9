import { describe, expect, test } from "bun:test"
import { Webhook } from "standardwebhooks"
import { generateSecret, secretKey, sign, signatureHeaders, verifySignature } from "./signature.ts"

// The vector the Svix / Standard Webhooks reference libraries sign in their own tests (e.g.
// svix-php `testSignFunctionWorks`); the `standardwebhooks` npm package reproduces it.
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
}

describe("sign", () => {
  test("reproduces the Standard Webhooks test vector", () => {
    expect(sign(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature)
  })

  test("agrees with the standardwebhooks package for a generated secret", () => {
    const secret = generateSecret()
    const body = JSON.stringify({
      type: "message.delivered",
      timestamp: "2026-01-01T00:00:00.000Z",
      data: { id: "msg_1", text: "é€😀" },
    })
    const expected = new Webhook(secret).sign("whd_1", new Date(1_767_225_600_000), body)
    expect(sign(secret, "whd_1", 1_767_225_600, body)).toBe(expected)
  })
})

describe("generateSecret", () => {
  test("is whsec_ followed by base64 of 32 random bytes, different each time", () => {
    const a = generateSecret()
    const b = generateSecret()
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/)
    expect(secretKey(a).length).toBe(32)
    expect(a).not.toBe(b)
  })
})

describe("signatureHeaders", () => {
  test("carries the id, the attempt time in seconds and a signature standardwebhooks verifies", () => {
    const secret = generateSecret()
    const body = '{"type":"webhook.ping","timestamp":"2026-01-01T00:00:00.000Z","data":{}}'
    const now = Date.now()
    const headers = signatureHeaders(secret, "whd_abc", now, body)
    expect(headers["webhook-id"]).toBe("whd_abc")
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(now / 1000)))
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body))
  })
})

describe("verifySignature", () => {
  const secret = generateSecret()
  const body = '{"a":1}'
  const now = Date.now()
  const h = signatureHeaders(secret, "whd_x", now, body)
  const headers = {
    id: h["webhook-id"]!,
    timestamp: h["webhook-timestamp"]!,
    signature: h["webhook-signature"]!,
  }

  test("accepts the signature it made", () => {
    expect(verifySignature(secret, headers, body, now)).toBe(true)
  })

  test("accepts a list where one of several signatures matches (secret rotation)", () => {
    const other = sign(generateSecret(), "whd_x", Number(headers.timestamp), body)
    expect(
      verifySignature(
        secret,
        { ...headers, signature: `${other} ${headers.signature}` },
        body,
        now,
      ),
    ).toBe(true)
  })

  test.each([
    ["a changed body", secret, headers, '{"a":2}', now],
    ["another secret", generateSecret(), headers, body, now],
    ["another id", secret, { ...headers, id: "whd_y" }, body, now],
    ["a timestamp older than 5 minutes", secret, headers, body, now + 301_000],
    [
      "a version other than v1",
      secret,
      { ...headers, signature: headers.signature.replace("v1,", "v2,") },
      body,
      now,
    ],
  ])("rejects %s", (_what, s, hdrs, b, at) => {
    expect(verifySignature(s, hdrs, b, at)).toBe(false)
  })
})
