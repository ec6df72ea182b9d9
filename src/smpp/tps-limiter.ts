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
  /** Index of the oldest of the last `capacity` sends (the next slot to overwrite). */
  private head = 0

  constructor(
    readonly capacity: number,
    readonly windowMs: number,
  ) {
    this.sentAt = new Float64Array(capacity).fill(Number.NEGATIVE_INFINITY)
  }

  /**
   * Milliseconds until one more send fits under `limit` (≤ capacity) per window; 0 means now.
   * The ring holds the last `capacity` sends, so the send `limit` places back is always in it:
   * a lower limit (the adaptive rate after ESME_RTHROTTLED) is exact too, with no reallocation.
   */
  delayMs(now: number, limit = this.capacity): number {
    return Math.max(0, this.nthLatest(now, limit) + this.windowMs - now)
  }

  record(now: number): void {
    this.sentAt[this.head] = now
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1
  }

  private nthLatest(now: number, n: number): number {
    const back = this.head - Math.min(this.capacity, Math.max(1, n))
    const at = this.sentAt[back < 0 ? back + this.capacity : back]!
    if (at <= now) return at
    // The wall clock stepped back: sends logged "in the future" count as sent now, so the cap
    // holds and the line stalls at most one window instead of until the clock catches up.
    for (let i = 0; i < this.capacity; i++) if (this.sentAt[i]! > now) this.sentAt[i] = now
    return now
  }
}

export class TpsLimiter {
  /** The configured cap in sends per second (whole sends; 0 = none). */
  readonly tps: number
  private readonly second: SlidingLog | null
  private readonly slice: SlidingLog | null

  /**
   * tps ≤ 0 disables the cap. A fractional tps above 1 is rounded down; below 1 it means one
   * send per 1/tps seconds (tps = 0.5: one every 2 s), never "no cap".
   */
  constructor(tps: number) {
    const capped = Number.isFinite(tps) && tps > 0
    this.tps = capped ? Math.max(1, Math.floor(tps)) : 0
    const windowMs = capped && tps < 1 ? SECOND_MS / tps : SECOND_MS
    this.second = capped ? new SlidingLog(this.tps, windowMs) : null
    this.slice = capped ? new SlidingLog(Math.ceil(this.tps / SLICES_PER_SECOND), SLICE_MS) : null
  }

  /**
   * Milliseconds until a send is allowed under `limit` sends per second (default and maximum:
   * the configured tps); 0 means now.
   */
  delayMs(now: number, limit = this.tps): number {
    if (this.second === null || this.slice === null) return 0
    const perSecond = Math.min(this.tps, Math.max(1, limit))
    return Math.max(
      this.second.delayMs(now, perSecond),
      this.slice.delayMs(now, Math.ceil(perSecond / SLICES_PER_SECOND)),
    )
  }

  /** Records a send at `now` if both windows allow it under `limit`. */
  tryAcquire(now: number, limit = this.tps): boolean {
    if (this.second === null || this.slice === null) return true
    if (this.delayMs(now, limit) > 0) return false
    this.second.record(now)
    this.slice.record(now)
    return true
  }
}
