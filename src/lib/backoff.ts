/**
 * Capped exponential backoff with "full jitter" (AWS architecture blog, 2015): the delay for
 * attempt n is uniform in [base, min(cap, base·2^n)]. Jitter keeps many binds or messages that
 * failed together from retrying in lockstep.
 */
export interface BackoffOptions {
  baseMs: number
  capMs: number
}

export function backoffDelay(attempt: number, opts: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt))
  return Math.round(opts.baseMs + random() * Math.max(0, ceiling - opts.baseMs))
}
