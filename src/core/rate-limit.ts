/**
 * Per-key request limits: a token bucket per window (per second, per hour). A bucket holds
 * `limit` tokens and refills continuously at `limit` per window, so a key may burst up to its
 * limit and then goes at the steady rate; unlike fixed windows, it never allows 2 × limit
 * across a window boundary. In memory: a restart refills every bucket.
 */
import type { Clock } from "../lib/clock.ts"
import type { RateLimits } from "./auth.ts"

export interface RateLimitDecision {
  allowed: boolean
  /** The window reported in the headers: the one with fewer requests left. */
  limit: number
  remaining: number
  /** Epoch seconds at which that window is full again (X-RateLimit-Reset). */
  reset: number
  /** Whole seconds until a request would be allowed again (Retry-After), when refused. */
  retryAfter: number
}

interface Bucket {
  tokens: number
  at: number
}

const WINDOWS = [
  { name: "perSecond", ms: 1000 },
  { name: "perHour", ms: 3_600_000 },
] as const

/** Math.ceil that ignores floating-point dust (1800.0000000002 s is 1800 s). */
function ceil(x: number): number {
  return Math.ceil(x - 1e-6)
}

/** Keys not seen for this long are forgotten (their buckets would be full anyway). */
const IDLE_MS = 3_600_000

export class RateLimiter {
  private readonly buckets = new Map<string, [Bucket | null, Bucket | null]>()
  private sweptAt = 0

  constructor(private readonly clock: Clock) {}

  /** Takes one request from the key's buckets; refuses (taking nothing) when either is empty. */
  take(keyId: string, limits: RateLimits): RateLimitDecision {
    const now = this.clock.now()
    this.sweep(now)
    let entry = this.buckets.get(keyId)
    if (!entry) {
      entry = [null, null]
      this.buckets.set(keyId, entry)
    }
    const states: { limit: number; tokens: number; ratePerMs: number; bucket: Bucket }[] = []
    for (let w = 0; w < WINDOWS.length; w++) {
      const window = WINDOWS[w]!
      const limit = limits[window.name]
      if (limit === null) continue
      const ratePerMs = limit / window.ms
      const bucket = entry[w] ?? { tokens: limit, at: now }
      entry[w] = bucket
      bucket.tokens = Math.min(limit, bucket.tokens + Math.max(0, now - bucket.at) * ratePerMs)
      bucket.at = now
      states.push({ limit, tokens: bucket.tokens, ratePerMs, bucket })
    }
    if (states.length === 0)
      return { allowed: true, limit: 0, remaining: 0, reset: 0, retryAfter: 0 }
    const allowed = states.every((s) => s.tokens >= 1)
    if (allowed) for (const s of states) s.bucket.tokens -= 1
    let shown = states[0]!
    for (const s of states)
      if (Math.floor(s.bucket.tokens) < Math.floor(shown.bucket.tokens)) shown = s
    let retryAfter = 0
    if (!allowed) {
      for (const s of states) {
        if (s.tokens < 1)
          retryAfter = Math.max(retryAfter, ceil((1 - s.tokens) / s.ratePerMs / 1000))
      }
    }
    return {
      allowed,
      limit: shown.limit,
      remaining: Math.max(0, Math.floor(shown.bucket.tokens)),
      reset: ceil((now + (shown.limit - shown.bucket.tokens) / shown.ratePerMs) / 1000),
      retryAfter: Math.max(allowed ? 0 : 1, retryAfter),
    }
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < IDLE_MS) return
    this.sweptAt = now
    for (const [key, entry] of this.buckets) {
      const last = Math.max(entry[0]?.at ?? 0, entry[1]?.at ?? 0)
      if (now - last > IDLE_MS) this.buckets.delete(key)
    }
  }
}
