import { describe, expect, test } from "bun:test"
import { ROOT_ACCOUNT } from "../auth.ts"
import { type Resolve, targetPolicy } from "./target-policy.ts"

const CUSTOMER = "acc_customer"

/** A resolver from a table, counting its calls. */
function table(answers: Record<string, string[]>): Resolve & { calls: number } {
  const fn = (async (host: string) => {
    fn.calls++
    const a = answers[host]
    if (!a) throw new Error(`getaddrinfo ENOTFOUND ${host}`)
    return a
  }) as Resolve & { calls: number }
  fn.calls = 0
  return fn
}

describe("targetPolicy", () => {
  test('"operator": a customer may not name a loopback, private or link-local address or localhost', () => {
    const policy = targetPolicy("operator", { resolve: table({}) })
    for (const url of [
      "http://127.0.0.1:8080/v1/messages",
      "http://10.1.2.3/hook",
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]:9000/",
      "http://[::ffff:192.168.0.1]/",
      "http://localhost:8080/",
      "http://api.localhost/",
      "http://localhost./",
      "http://[::7f00:1]/",
    ])
      expect([url, policy.urlProblem(CUSTOMER, url)]).toEqual([url, expect.any(String)])
    expect(policy.urlProblem(CUSTOMER, "http://127.0.0.1/")).toContain("non-public address")
    expect(policy.urlProblem(CUSTOMER, "https://8.8.8.8/hook")).toBeNull()
    expect(policy.urlProblem(CUSTOMER, "https://hooks.example.com/x")).toBeNull()
  })

  test('the operator, and everyone with "all", may name any address', async () => {
    const resolve = table({})
    for (const [policy, account] of [
      [targetPolicy("operator", { resolve }), ROOT_ACCOUNT],
      [targetPolicy("all", { resolve }), CUSTOMER],
    ] as const) {
      expect(policy.urlProblem(account, "http://127.0.0.1:8080/")).toBeNull()
      expect(await policy.sendProblem(account, "http://intranet.corp/")).toBeNull()
    }
    expect(resolve.calls).toBe(0)
  })

  test("before sending, a customer's host name must resolve to public addresses only", async () => {
    const resolve = table({
      "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
      "rebind.example.net": ["93.184.215.14", "10.0.0.7"],
    })
    const policy = targetPolicy("operator", { resolve })
    expect(await policy.sendProblem(CUSTOMER, "https://hooks.example.com/a")).toBeNull()
    // The same words whether the name leads inside or nowhere: nothing of the operator's names.
    const inside = await policy.sendProblem(CUSTOMER, "https://rebind.example.net/a")
    expect(inside).toBe(
      "did not resolve to public addresses only; only the operator's webhooks may reach others",
    )
    expect(inside).not.toContain("10.0.0.7")
    expect(await policy.sendProblem(CUSTOMER, "https://nowhere.invalid/a")).toBe(inside)
    // A literal needs no lookup, and answers are kept for a while.
    expect(await policy.sendProblem(CUSTOMER, "https://8.8.8.8/a")).toBeNull()
    const calls = resolve.calls
    expect(await policy.sendProblem(CUSTOMER, "https://hooks.example.com/b")).toBeNull()
    expect(resolve.calls).toBe(calls)
  })

  test("an answer is kept for 30 s of the monotonic clock, then asked again", async () => {
    const answers: Record<string, string[]> = { "hooks.example.com": ["93.184.215.14"] }
    const resolve = table(answers)
    let now = 1_000
    const policy = targetPolicy("operator", { resolve, now: () => now })
    expect(await policy.sendProblem(CUSTOMER, "https://hooks.example.com/a")).toBeNull()
    // The name now leads inside; the kept answer still says public until it expires.
    answers["hooks.example.com"] = ["10.0.0.7"]
    now += 29_999
    expect(await policy.sendProblem(CUSTOMER, "https://hooks.example.com/a")).toBeNull()
    expect(resolve.calls).toBe(1)
    now += 1
    expect(await policy.sendProblem(CUSTOMER, "https://hooks.example.com/a")).toContain(
      "did not resolve to public addresses only",
    )
    expect(resolve.calls).toBe(2)
  })

  test("attempts to the same name while its lookup is under way share that lookup", async () => {
    let answer: (addresses: string[]) => void = () => {}
    let calls = 0
    const resolve: Resolve = () => {
      calls++
      return new Promise((r) => {
        answer = r
      })
    }
    const policy = targetPolicy("operator", { resolve })
    const first = policy.sendProblem(CUSTOMER, "https://hooks.example.com/a")
    const second = policy.sendProblem(CUSTOMER, "https://hooks.example.com/b")
    answer(["10.0.0.7"])
    expect(await first).toContain("did not resolve to public addresses only")
    expect(await second).toBe(await first)
    expect(calls).toBe(1)
  })
})
