/** Injected time source, so tests and services agree on "now" without patching Date. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

export function toIso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString()
}
