/**
 * The connector's adaptive send rate (AIMD, as TCP congestion control): the carrier's
 * ESME_RTHROTTLED (0x58) or ESME_RMSGQFUL (0x14) halves the rate, and every quiet second adds a
 * tenth of the ceiling back until the configured tps is reached again.
 *
 * - Decrease: rate = max(1, ⌊rate / 2⌋), and new submits pause for `pauseMs` (Kannel's
 *   throttling-err-time): the SMSC counts differently from us, so hammering it only earns more
 *   rejections. One decrease per reaction: answers to submit_sm sent before the last decrease
 *   were caused by the old rate and do not halve again (a full window of 0x58 would otherwise
 *   take the rate to 1 at once).
 * - Increase: after the pause, each full `quietMs` without a new decrease adds
 *   max(1, ⌈ceiling / 10⌉), so recovery from 1/s to the ceiling takes about ten quiet seconds.
 * - Ceiling: the configured tps. A connector without a cap (tps = 0) takes the rate it actually
 *   sent at over the last second when first throttled as its ceiling, and drops the cap again
 *   once it has recovered to it.
 *
 * Pure over the times it is given (the connector's injected clock); no timers: the rate at any
 * moment is computed from the last decrease.
 */
export interface AdaptiveRateOptions {
  /** Pause after a decrease, ms. */
  pauseMs: number
  /** Quiet time per additive step, ms. */
  quietMs: number
}

export const DEFAULT_ADAPTIVE_RATE: AdaptiveRateOptions = { pauseMs: 1000, quietMs: 1000 }

const INCREASE_FRACTION = 10

export class AdaptiveRate {
  /** Current ceiling: the configured tps, or the discovered rate of an uncapped connector. */
  private ceiling: number
  private reduced = 0
  private step = 1
  private decreasedAt = Number.NEGATIVE_INFINITY
  private active = false

  constructor(
    /** Configured submit_sm per second; 0 = no cap. */
    readonly configured: number,
    private readonly options: AdaptiveRateOptions = DEFAULT_ADAPTIVE_RATE,
  ) {
    this.ceiling = configured
  }

  /** The cap to apply at `now` in sends per second; 0 = no cap. */
  limit(now: number): number {
    if (!this.active) return this.configured
    const sincePause = now - this.decreasedAt - this.options.pauseMs
    if (sincePause < 0) return this.reduced
    const rate = this.reduced + this.step * Math.floor(sincePause / this.options.quietMs)
    if (rate < this.ceiling) return rate
    this.active = false
    return this.configured
  }

  /** The ceiling the limiter must be able to enforce (its ring size); 0 = none needed. */
  capacity(): number {
    return this.active ? this.ceiling : this.configured
  }

  /** Milliseconds until the pause after the last decrease ends; 0 = not paused. */
  pauseDelay(now: number): number {
    return this.active ? Math.max(0, this.decreasedAt + this.options.pauseMs - now) : 0
  }

  /** Inside a slow-down: paused, or not yet back at the ceiling. */
  isThrottled(now: number): boolean {
    this.limit(now)
    return this.active
  }

  /**
   * A throttle answer at `now` to a submit_sm sent at `sentAt`, while the connector was actually
   * sending `observedRate` per second. Returns true if the rate was lowered.
   */
  onThrottle(now: number, sentAt: number, observedRate: number): boolean {
    const current = this.limit(now)
    if (this.active && sentAt < this.decreasedAt) return false
    if (!this.active && this.configured === 0) this.ceiling = Math.max(1, Math.floor(observedRate))
    const from = current === 0 ? this.ceiling : current
    this.reduced = Math.max(1, Math.floor(from / 2))
    this.step = Math.max(1, Math.ceil(this.ceiling / INCREASE_FRACTION))
    this.decreasedAt = now
    this.active = true
    return true
  }
}

/**
 * Sends in the last second, in ten 100 ms buckets: what an uncapped connector was really doing
 * when the carrier first throttled it. O(1) per send, no allocation.
 */
export class RateMeter {
  private readonly buckets = new Float64Array(10)
  private bucket = 0

  record(now: number): void {
    this.advance(now)
    const index = this.bucket % 10
    this.buckets[index] = this.buckets[index]! + 1
  }

  /** Sends in the last ten buckets (about one second). */
  perSecond(now: number): number {
    this.advance(now)
    let sum = 0
    for (const count of this.buckets) sum += count
    return sum
  }

  private advance(now: number): void {
    const bucket = Math.floor(now / 100)
    if (bucket <= this.bucket) return
    const skipped = Math.min(10, bucket - this.bucket)
    for (let i = 1; i <= skipped; i++) this.buckets[(this.bucket + i) % 10] = 0
    this.bucket = bucket
  }
}
