import { describe, expect, test } from "bun:test"
import { TpsLimiter } from "./tps-limiter.ts"

/** Most sends in any half-open window [t, t + windowMs), by two pointers over sorted times. */
function maxInWindow(times: number[], windowMs: number): number {
  let max = 0
  let start = 0
  for (let end = 0; end < times.length; end++) {
    while (times[end]! - times[start]! >= windowMs) start++
    max = Math.max(max, end - start + 1)
  }
  return max
}

/** A sender that wants to send all the time, polled at random moments of simulated time. */
function greedySends(
  limiter: TpsLimiter,
  durationMs: number,
  seed: number,
  limit = limiter.tps,
): number[] {
  let state = seed
  const random = () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32
    return state / 2 ** 32
  }
  const times: number[] = []
  for (let now = 0; now < durationMs; now += random() * 3) {
    while (limiter.tryAcquire(now, limit)) times.push(now)
  }
  return times
}

describe("TpsLimiter", () => {
  test.each([1, 7, 10, 33, 100, 7000])(
    "never allows more than tps=%i in any sliding one-second window",
    (tps) => {
      const times = greedySends(new TpsLimiter(tps), 10_000, tps)
      expect(times.length).toBeGreaterThanOrEqual(tps * 9)
      expect(maxInWindow(times, 1000)).toBeLessThanOrEqual(tps)
      expect(maxInWindow(times, 100)).toBeLessThanOrEqual(Math.ceil(tps / 10))
    },
  )

  test("does not burst 2·tps after an idle period, as a full token bucket would", () => {
    const limiter = new TpsLimiter(100)
    const times: number[] = []
    // Quiet for a minute, then as much as possible straddling a second boundary.
    for (let now = 60_000; now < 62_000; now += 1) {
      while (limiter.tryAcquire(now)) times.push(now)
    }
    expect(maxInWindow(times, 1000)).toBe(100)
  })

  test("reaches exactly tps per second under continuous demand", () => {
    const limiter = new TpsLimiter(100)
    let sent = 0
    for (let now = 0; now < 10_000; now += 1) {
      while (limiter.tryAcquire(now)) sent++
    }
    expect(sent).toBe(1000)
  })

  test("spreads a second's sends over its 100 ms slices", () => {
    const limiter = new TpsLimiter(50)
    const times: number[] = []
    for (let now = 0; now < 1000; now += 1) {
      while (limiter.tryAcquire(now)) times.push(now)
    }
    expect(times).toHaveLength(50)
    expect(times.filter((t) => t < 100)).toHaveLength(5)
  })

  test("says how long until the next send fits", () => {
    const limiter = new TpsLimiter(2)
    expect(limiter.delayMs(0)).toBe(0)
    expect(limiter.tryAcquire(0)).toBe(true)
    // ⌈2/10⌉ = 1 send per 100 ms.
    expect(limiter.delayMs(40)).toBe(60)
    expect(limiter.tryAcquire(40)).toBe(false)
    expect(limiter.tryAcquire(100)).toBe(true)
    expect(limiter.delayMs(200)).toBe(800)
    expect(limiter.tryAcquire(1000)).toBe(true)
  })

  test("disables the cap for tps 0", () => {
    const limiter = new TpsLimiter(0)
    for (let i = 0; i < 10_000; i++) expect(limiter.tryAcquire(0)).toBe(true)
    expect(limiter.delayMs(0)).toBe(0)
  })

  test("stalls at most one second when the clock steps back", () => {
    const limiter = new TpsLimiter(10)
    for (let now = 0; now < 1000; now += 1) limiter.tryAcquire(1_000_000 + now)
    // The wall clock is set back by 1000 s.
    expect(limiter.delayMs(5000)).toBeLessThanOrEqual(1000)
    expect(limiter.tryAcquire(6000)).toBe(true)
  })

  test.each([1, 3, 50, 99])(
    "holds a lower limit of %i exactly, as the adaptive rate asks, on a tps=100 ring",
    (limit) => {
      const times = greedySends(new TpsLimiter(100), 10_000, limit, limit)
      expect(maxInWindow(times, 1000)).toBe(limit)
      expect(times.length).toBeGreaterThanOrEqual(limit * 9)
    },
  )

  test("keeps every window exact while the limit changes", () => {
    const limiter = new TpsLimiter(20)
    const times: number[] = []
    // 20/s, halved to 10/s at 3 s, back up by 2/s every second from 5 s.
    const limitAt = (t: number) =>
      t < 3000 ? 20 : t < 5000 ? 10 : Math.min(20, 10 + 2 * Math.floor((t - 5000) / 1000))
    for (let now = 0; now < 12_000; now += 1) {
      while (limiter.tryAcquire(now, limitAt(now))) times.push(now)
    }
    expect(maxInWindow(times, 1000)).toBe(20)
    for (let i = 0; i + 10 < times.length; i++) {
      // Any 11 consecutive sends that start after the halving span at least a second while
      // the limit is 10 or less.
      if (times[i]! >= 3000 && times[i + 10]! < 5000)
        expect(times[i + 10]! - times[i]!).toBeGreaterThanOrEqual(1000)
    }
  })

  test("treats a fractional tps below 1 as one send per 1/tps seconds, not as no cap", () => {
    const limiter = new TpsLimiter(0.5)
    expect(limiter.tps).toBe(1)
    expect(limiter.tryAcquire(0)).toBe(true)
    expect(limiter.tryAcquire(1999)).toBe(false)
    expect(limiter.delayMs(1000)).toBe(1000)
    expect(limiter.tryAcquire(2000)).toBe(true)
  })
})
