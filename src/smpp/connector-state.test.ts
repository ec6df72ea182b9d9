import { describe, expect, test } from "bun:test"
import { isUsable } from "../connectors/connector.ts"
import { BindTracker, connectorState, type StateFacts } from "./connector-state.ts"

const BOUND: StateFacts = {
  stopped: false,
  boundSessions: 2,
  boundWithRoom: 2,
  queueFull: false,
  throttled: false,
  consecutiveFailures: 0,
  lastFailureRejected: false,
  unboundForMs: 0,
  downGraceMs: 10_000,
}
const UNBOUND: StateFacts = { ...BOUND, boundSessions: 0, boundWithRoom: 0 }

describe("connectorState", () => {
  test.each([
    ["bound", "a bound session with room", BOUND],
    ["stopped", "stop() was called, even while bound", { ...BOUND, stopped: true }],
    ["throttled", "inside the slow-down", { ...BOUND, throttled: true }],
    ["throttled", "throttled with full windows", { ...BOUND, throttled: true, boundWithRoom: 0 }],
    ["saturated", "every bound window full", { ...BOUND, boundWithRoom: 0 }],
    ["saturated", "the queue at its bound", { ...BOUND, queueFull: true }],
    [
      "bound",
      "bound while another session keeps failing",
      { ...BOUND, boundSessions: 1, consecutiveFailures: 5 },
    ],
    ["connecting", "nothing bound, nothing failed yet", { ...UNBOUND, unboundForMs: 60_000 }],
    [
      "connecting",
      "one refused connection within the grace",
      { ...UNBOUND, consecutiveFailures: 1, unboundForMs: 200 },
    ],
    [
      "down",
      "one refused connection after the grace",
      { ...UNBOUND, consecutiveFailures: 1, unboundForMs: 10_000 },
    ],
    [
      "down",
      "two failed attempts in a row",
      { ...UNBOUND, consecutiveFailures: 2, unboundForMs: 100 },
    ],
    [
      "down",
      "one rejected bind",
      { ...UNBOUND, consecutiveFailures: 1, lastFailureRejected: true },
    ],
    ["stopped", "stop() while down", { ...UNBOUND, stopped: true, consecutiveFailures: 3 }],
  ] as const)("is %s when %s", (expected, _, facts) => {
    expect(connectorState(facts)).toBe(expected)
  })
})

describe("isUsable", () => {
  test.each([
    ["bound", true],
    ["throttled", true],
    ["saturated", true],
    ["connecting", false],
    ["down", false],
    ["stopped", false],
  ] as const)("%s → %p", (state, usable) => {
    expect(isUsable(state)).toBe(usable)
  })
})

describe("BindTracker", () => {
  test("counts failed attempts in a row until a bind succeeds, and remembers a rejection", () => {
    const binds = new BindTracker(0)
    binds.transition("closed", "connecting", null, 0)
    binds.transition("connecting", "closed", "connection_lost", 10)
    binds.transition("closed", "connecting", null, 50)
    binds.transition("connecting", "binding", null, 51)
    binds.transition("binding", "closed", "bind_rejected", 52)
    expect(binds).toMatchObject({ bound: 0, consecutiveFailures: 2, lastFailureRejected: true })
    expect(binds.unboundForMs(100)).toBe(100)

    binds.transition("closed", "connecting", null, 200)
    binds.transition("connecting", "binding", null, 201)
    binds.transition("binding", "bound", null, 202)
    expect(binds).toMatchObject({
      bound: 1,
      consecutiveFailures: 0,
      lastFailureRejected: false,
      lastBindAt: 202,
    })
    expect(binds.unboundForMs(300)).toBe(0)
  })

  test("does not count a bound session that closes as a failed attempt", () => {
    const binds = new BindTracker(0)
    binds.transition("binding", "bound", null, 10)
    binds.transition("bound", "unbinding", "unbind from SMSC", 500)
    binds.transition("unbinding", "closed", "unbound", 501)
    expect(binds).toMatchObject({ bound: 0, consecutiveFailures: 0, unboundSince: 500 })
  })
})
