/**
 * `health().state` of an SMPP connector from the facts the connector tracks. Pure, so the rules
 * are tested as a table; docs/smpp.md repeats them.
 *
 * | state      | when                                                                          |
 * |------------|-------------------------------------------------------------------------------|
 * | stopped    | after stop()                                                                  |
 * | down       | no session bound, ≥ 1 failed attempt since the last bind, and: the last one  |
 * |            | was a bind rejection, or ≥ DOWN_AFTER_FAILURES attempts failed in a row, or   |
 * |            | no session has been bound for `downGraceMs`                                    |
 * | connecting | no session bound, not (yet) down: binding at start, or rebinding after a bind |
 * |            | was lost (peer unbind, dropped connection)                                     |
 * | throttled  | a session bound, inside the adaptive slow-down after 0x58 / 0x14              |
 * | saturated  | a session bound, but every bound window is full or the queue is at its bound  |
 * | bound      | a session bound with room in its window                                       |
 *
 * A failed attempt is a connection that closed before its bind succeeded: refused, timed out,
 * or bind_transceiver_resp with an error. `usable` (the router may hand it messages) is true for
 * bound, throttled and saturated.
 */
import type { ConnectorState } from "../connectors/connector.ts"

/** Consecutive failed attempts that make a connector down even within the grace. */
export const DOWN_AFTER_FAILURES = 2

export interface StateFacts {
  stopped: boolean
  boundSessions: number
  /** Bound sessions with a free window slot. */
  boundWithRoom: number
  queueFull: boolean
  throttled: boolean
  /** Failed connect/bind attempts since the last successful bind (or since start). */
  consecutiveFailures: number
  /** The most recent failed attempt was refused by the SMSC (bind_transceiver_resp error). */
  lastFailureRejected: boolean
  /** How long no session has been bound (since start, or since the last bound session closed). */
  unboundForMs: number
  downGraceMs: number
}

export function connectorState(facts: StateFacts): ConnectorState {
  if (facts.stopped) return "stopped"
  if (facts.boundSessions === 0) {
    const failing = facts.consecutiveFailures > 0
    const down =
      failing &&
      (facts.lastFailureRejected ||
        facts.consecutiveFailures >= DOWN_AFTER_FAILURES ||
        facts.unboundForMs >= facts.downGraceMs)
    return down ? "down" : "connecting"
  }
  if (facts.throttled) return "throttled"
  if (facts.boundWithRoom === 0 || facts.queueFull) return "saturated"
  return "bound"
}

/**
 * The bind facts behind the state, kept from the sessions' transitions: how many are bound,
 * failed attempts in a row, and since when nothing is bound.
 */
export class BindTracker {
  bound = 0
  consecutiveFailures = 0
  lastFailureRejected = false
  /** Since when no session is bound (start, or the last bound session closing). */
  unboundSince: number
  lastBindAt: number | null = null

  constructor(now: number) {
    this.unboundSince = now
  }

  /** A session moved `from` → `to`; `reason` as the session gives it on a close. */
  transition(from: string, to: string, reason: string | null, now: number): void {
    if (to === "bound") {
      this.bound++
      this.consecutiveFailures = 0
      this.lastFailureRejected = false
      this.lastBindAt = now
    } else if (from === "bound") {
      this.bound--
      if (this.bound === 0) this.unboundSince = now
    }
    // An attempt failed: its connection closed before the bind succeeded.
    if (to === "closed" && (from === "connecting" || from === "binding")) {
      this.consecutiveFailures++
      this.lastFailureRejected = reason === "bind_rejected"
    }
  }

  unboundForMs(now: number): number {
    return this.bound === 0 ? now - this.unboundSince : 0
  }
}
