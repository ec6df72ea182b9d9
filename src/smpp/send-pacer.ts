/**
 * When the connector may send its next submit_sm: the exact `tps` cap (TpsLimiter, a sliding log
 * over all sessions, so reconnects and session counts never reset it) at the adaptive rate
 * (AdaptiveRate: halved by ESME_RTHROTTLED / ESME_RMSGQFUL, restored step by step).
 */
import { AdaptiveRate, RateMeter } from "./adaptive-rate.ts"
import { TpsLimiter } from "./tps-limiter.ts"

export class SendPacer {
  /** null while neither tps nor a throttle asks for a cap. */
  private limiter: TpsLimiter | null
  private readonly rate: AdaptiveRate
  private readonly meter = new RateMeter()

  /** tps ≤ 0: no cap until the carrier throttles. */
  constructor(tps: number) {
    const limiter = new TpsLimiter(tps)
    this.limiter = limiter.tps > 0 ? limiter : null
    this.rate = new AdaptiveRate(limiter.tps)
  }

  /** Milliseconds until the next submit_sm may go; 0 = now. */
  delayMs(now: number): number {
    const pause = this.rate.pauseDelay(now)
    const limit = this.rate.limit(now)
    if (limit === 0) return pause
    return Math.max(pause, this.limiterFor(this.rate.capacity()).delayMs(now, limit))
  }

  /** A submit_sm went out at `now` (after delayMs(now) said 0). */
  record(now: number): void {
    const limit = this.rate.limit(now)
    if (limit !== 0) this.limiterFor(this.rate.capacity()).tryAcquire(now, limit)
    this.meter.record(now)
  }

  /** A throttle answer to a submit_sm sent at `sentAt`; true if the rate was lowered. */
  throttled(now: number, sentAt: number): boolean {
    return this.rate.onThrottle(now, sentAt, this.meter.perSecond(now))
  }

  /** The cap in force, submit_sm per second; 0 = none. */
  effectiveTps(now: number): number {
    return this.rate.limit(now)
  }

  isThrottled(now: number): boolean {
    return this.rate.isThrottled(now)
  }

  /** Grows the ring when an uncapped connector is throttled above its size. */
  private limiterFor(capacity: number): TpsLimiter {
    if (this.limiter === null || this.limiter.tps < capacity)
      this.limiter = new TpsLimiter(capacity)
    return this.limiter
  }
}
