import { describe, expect, test } from "bun:test"
import { DEFAULT_BACKOFF, DEFAULT_MAX_AGE_MS, retryDelay } from "./retry-policy.ts"

describe("retryDelay", () => {
  const backoff = { baseMs: 100, maxMs: 1_000 }

  test.each([
    [1, 80, 100],
    [2, 160, 200],
    [3, 320, 400],
    [4, 640, 800],
    [5, 800, 1_000],
    [9, 800, 1_000],
  ])("retry %i waits between %i and %i ms", (n, low, high) => {
    expect(retryDelay(n, backoff, () => 0)).toBe(low)
    expect(retryDelay(n, backoff, () => 0.999999)).toBe(high)
  })

  test("every gap is longer than the one before until the cap, whatever the jitter draws", () => {
    const random = () => Math.random()
    for (let round = 0; round < 200; round++) {
      let previous = 0
      for (let n = 1; n <= 4; n++) {
        const delay = retryDelay(n, backoff, random)
        expect(delay).toBeGreaterThan(previous)
        previous = delay
      }
    }
  })

  test("the default schedule retries for the whole 24 h window in about 33 attempts", () => {
    let elapsed = 0
    let attempts = 1
    while (elapsed < DEFAULT_MAX_AGE_MS) {
      elapsed += retryDelay(attempts, DEFAULT_BACKOFF, () => 1)
      attempts++
    }
    expect(attempts).toBeGreaterThanOrEqual(30)
    expect(attempts).toBeLessThanOrEqual(36)
  })
})
