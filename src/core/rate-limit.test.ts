import { describe, expect, test } from "bun:test"
import { RateLimiter } from "./rate-limit.ts"

function limiter(start = 1_000_000) {
  const clock = { t: start, now: () => clock.t }
  return { clock, rl: new RateLimiter(clock) }
}

describe("RateLimiter", () => {
  test("allows a burst up to the per-second limit, then refuses with Retry-After", () => {
    const { rl } = limiter()
    const limits = { perSecond: 3, perHour: null }
    const answers = [1, 2, 3, 4].map(() => rl.take("k", limits))
    expect(answers.map((a) => a.allowed)).toEqual([true, true, true, false])
    expect(answers.map((a) => a.remaining)).toEqual([2, 1, 0, 0])
    expect(answers[0]!.limit).toBe(3)
    expect(answers[3]!.retryAfter).toBe(1)
  })

  test("refills continuously: one request per 1/limit seconds", () => {
    const { clock, rl } = limiter()
    const limits = { perSecond: 2, perHour: null }
    rl.take("k", limits)
    rl.take("k", limits)
    expect(rl.take("k", limits).allowed).toBe(false)
    clock.t += 499
    expect(rl.take("k", limits).allowed).toBe(false)
    clock.t += 1
    expect(rl.take("k", limits).allowed).toBe(true)
    expect(rl.take("k", limits).allowed).toBe(false)
  })

  test("never allows twice the limit across a second boundary (unlike fixed windows)", () => {
    const { clock, rl } = limiter(1_000_990)
    const limits = { perSecond: 10, perHour: null }
    let allowed = 0
    for (let i = 0; i < 10; i++) if (rl.take("k", limits).allowed) allowed++
    clock.t += 20 // now in the next calendar second
    for (let i = 0; i < 10; i++) if (rl.take("k", limits).allowed) allowed++
    expect(allowed).toBe(10)
  })

  test("the hourly window binds when it has fewer left, and reports its own reset", () => {
    const { clock, rl } = limiter(3_600_000)
    const limits = { perSecond: 100, perHour: 2 }
    const first = rl.take("k", limits)
    expect(first).toMatchObject({ allowed: true, limit: 2, remaining: 1 })
    // Full again after 1/2 hour per used token: 1,800 s from now.
    expect(first.reset).toBe(Math.ceil((clock.t + 1_800_000) / 1000))
    rl.take("k", limits)
    const refused = rl.take("k", limits)
    expect(refused).toMatchObject({ allowed: false, limit: 2, remaining: 0 })
    expect(refused.retryAfter).toBe(1800)
  })

  test("a refused request takes nothing from the other window", () => {
    const { clock, rl } = limiter()
    const limits = { perSecond: 1, perHour: 5 }
    expect(rl.take("k", limits).allowed).toBe(true)
    for (let i = 0; i < 10; i++) expect(rl.take("k", limits).allowed).toBe(false)
    clock.t += 1000
    expect(rl.take("k", limits)).toMatchObject({ allowed: true, remaining: 0 })
    // The hour bucket lost 2 tokens (plus a trickle of refill), not 12.
    clock.t += 1000
    const third = rl.take("k", limits)
    expect(third.allowed).toBe(true)
  })

  test("keys have separate buckets", () => {
    const { rl } = limiter()
    const limits = { perSecond: 1, perHour: null }
    expect(rl.take("a", limits).allowed).toBe(true)
    expect(rl.take("b", limits).allowed).toBe(true)
    expect(rl.take("a", limits).allowed).toBe(false)
  })
})
