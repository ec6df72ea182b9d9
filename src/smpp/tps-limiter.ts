/**
 * The connector's `tps` cap: never more than tps submit_sm in any sliding one-second window.
 *
 * A classic token bucket (capacity tps, refill tps/s) lets a full bucket burst tps sends and then
 * keep sending at the refill rate, so some one-second windows see up to 2·tps — and the carrier
 * answers the excess with ESME_RTHROTTLED. A sliding log is exact instead: it remembers the times
 * of the last `limit` sends in a ring and allows a send at t only if the send `limit` places back
 * happened at or before t − window. Two sends `limit` apart are then ≥ window apart, so no window
 * [a, a + window) holds more than `limit`; each decision is O(1) and allocates nothing.
 *
 * One log alone still allows all tps sends in the first milliseconds of a second and silence
 * for the rest, which carriers that police on shorter intervals also reject. So a second log
 * caps every 100 ms window at ⌈tps/10⌉: the rate stays smooth (Kannel and jasmin space sends
 * evenly), the one-second log keeps the total exact, and full tps is still reachable.
 */
const SECOND_MS = 1000
const SLICE_MS = 100
const SLICES_PER_SECOND = SECOND_MS / SLICE_MS

export class SlidingLog {
  private readonly sentAt: Float64Array
  /** Index of the oldest of the last `limit` sends (the next slot to overwrite). */
  private head = 0

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    this.sentAt = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY)
  }

  /** Milliseconds until one more send fits; 0 means now. */
  delayMs(now: number): number {
    return Math.max(0, this.oldest(now) + this.windowMs - now)
  }

  record(now: number): void {
    this.sentAt[this.head] = now
    this.head = this.head + 1 === this.limit ? 0 : this.head + 1
  }

  private oldest(now: number): number {
    const oldest = this.sentAt[this.head]!
    if (oldest <= now) return oldest
    // The wall clock stepped back: sends logged "in the future" count as sent now, so the cap
    // holds and the line stalls at most one window instead of until the clock catches up.
    for (let i = 0; i < this.limit; i++) if (this.sentAt[i]! > now) this.sentAt[i] = now
    return now
  }
}

export class TpsLimiter {
  readonly tps: number
  private readonly second: SlidingLog | null
  private readonly slice: SlidingLog | null

  /** tps ≤ 0 disables the cap. */
  constructor(tps: number) {
    this.tps = tps > 0 ? Math.floor(tps) : 0
    this.second = this.tps > 0 ? new SlidingLog(this.tps, SECOND_MS) : null
    this.slice =
      this.tps > 0 ? new SlidingLog(Math.ceil(this.tps / SLICES_PER_SECOND), SLICE_MS) : null
  }

  /** Milliseconds until a send is allowed; 0 means now. */
  delayMs(now: number): number {
    if (this.second === null || this.slice === null) return 0
    return Math.max(this.second.delayMs(now), this.slice.delayMs(now))
  }

  /** Records a send at `now` if both windows allow it. */
  tryAcquire(now: number): boolean {
    if (this.second === null || this.slice === null) return true
    if (this.delayMs(now) > 0) return false
    this.second.record(now)
    this.slice.record(now)
    return true
  }
}
