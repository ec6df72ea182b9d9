import { describe, expect, test } from "bun:test"
import { AdaptiveRate, RateMeter } from "./adaptive-rate.ts"

const T0 = 1_000_000

describe("AdaptiveRate", () => {
  test("keeps the configured rate until the carrier throttles", () => {
    const rate = new AdaptiveRate(100)
    expect(rate.limit(T0)).toBe(100)
    expect(rate.isThrottled(T0)).toBe(false)
    expect(rate.pauseDelay(T0)).toBe(0)
  })

  test("halves the rate and pauses one second on a throttle answer", () => {
    const rate = new AdaptiveRate(100)
    expect(rate.onThrottle(T0, T0 - 5, 100)).toBe(true)
    expect(rate.limit(T0)).toBe(50)
    expect(rate.pauseDelay(T0)).toBe(1000)
    expect(rate.pauseDelay(T0 + 400)).toBe(600)
    expect(rate.isThrottled(T0)).toBe(true)
  })

  test("halves once per reaction: answers to submits sent before the decrease do not count", () => {
    const rate = new AdaptiveRate(100)
    rate.onThrottle(T0, T0 - 50, 100)
    // The rest of a full window answered 0x58 too; they were all sent at the old rate.
    for (let i = 0; i < 20; i++) expect(rate.onThrottle(T0 + i, T0 - 10, 100)).toBe(false)
    expect(rate.limit(T0 + 20)).toBe(50)
    // A submit sent after the decrease that is throttled again halves again.
    expect(rate.onThrottle(T0 + 1500, T0 + 1200, 50)).toBe(true)
    expect(rate.limit(T0 + 1500)).toBe(25)
  })

  test("never goes below 1 per second", () => {
    const rate = new AdaptiveRate(4)
    let now = T0
    for (let i = 0; i < 5; i++) {
      rate.onThrottle(now, now, 4)
      now += 10
    }
    expect(rate.limit(now)).toBe(1)
  })

  test("adds a tenth of the ceiling per quiet second after the pause, back to the configured rate", () => {
    const rate = new AdaptiveRate(100)
    rate.onThrottle(T0, T0, 100)
    // Pause 1 s at 50, then +10 per full quiet second: 50, 60, 70, 80, 90, then 100 (recovered).
    const seen = [1000, 2000, 3000, 4000, 5000, 6000].map((dt) => rate.limit(T0 + dt))
    expect(seen).toEqual([50, 60, 70, 80, 90, 100])
    expect(rate.isThrottled(T0 + 6000)).toBe(false)
    expect(rate.limit(T0 + 60_000)).toBe(100)
  })

  test("lowers from the partly recovered rate when throttled again", () => {
    const rate = new AdaptiveRate(100)
    rate.onThrottle(T0, T0, 100)
    expect(rate.limit(T0 + 3000)).toBe(70)
    rate.onThrottle(T0 + 3000, T0 + 2900, 70)
    expect(rate.limit(T0 + 3000)).toBe(35)
  })

  test("gives an uncapped connector the rate it was sending at as ceiling, then uncaps it", () => {
    const rate = new AdaptiveRate(0)
    expect(rate.limit(T0)).toBe(0)
    rate.onThrottle(T0, T0, 800)
    expect(rate.capacity()).toBe(800)
    expect(rate.limit(T0)).toBe(400)
    expect(rate.isThrottled(T0)).toBe(true)
    // +80 per quiet second after the pause: 400 … 720, then the cap goes away.
    expect(rate.limit(T0 + 5000)).toBe(720)
    expect(rate.limit(T0 + 6000)).toBe(0)
    expect(rate.isThrottled(T0 + 6000)).toBe(false)
  })

  test("still pauses a connector whose rate cannot go lower", () => {
    const rate = new AdaptiveRate(1)
    rate.onThrottle(T0, T0, 1)
    expect(rate.limit(T0)).toBe(1)
    expect(rate.pauseDelay(T0)).toBe(1000)
    expect(rate.isThrottled(T0 + 999)).toBe(true)
    expect(rate.isThrottled(T0 + 1000)).toBe(false)
  })
})

describe("RateMeter", () => {
  test("counts the sends of about the last second", () => {
    const meter = new RateMeter()
    for (let i = 0; i < 50; i++) meter.record(T0 + i * 20)
    expect(meter.perSecond(T0 + 999)).toBe(50)
    // At +1500 the ten 100 ms buckets cover [+600, +1500): the 20 sends from +600 to +980.
    expect(meter.perSecond(T0 + 1500)).toBe(20)
    expect(meter.perSecond(T0 + 10_000)).toBe(0)
  })
})
