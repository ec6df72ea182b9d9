// The tps cap and its adaptive back-off as the SMSC sees them: arrival stamps taken by the fake
// SMSC on the connector's own injected clock, which the test advances in 100 ms steps. Times
// below are simulated milliseconds; the real time a step takes does not matter.
import { afterEach, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../../test/fakes/smsc.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import type { SmppConnectorOptions } from "./options.ts"
import { type ConnectorHarness, connectorFor, outbound, smppOptions } from "./test-harness.ts"

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const T0 = 1_000_000

/** Most stamps in any half-open window [t, t + 1000). */
function maxPerSecond(stamps: number[]): number {
  const sorted = [...stamps].sort((a, b) => a - b)
  let max = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 1000) start++
    max = Math.max(max, end - start + 1)
  }
  return max
}

interface SimHarness extends ConnectorHarness {
  smsc: FakeSmsc
  clock: { now: number }
  /** SMSC-side arrival stamps, relative to T0. */
  arrivals(): number[]
}

async function setup(overrides: Partial<SmppConnectorOptions>): Promise<SimHarness> {
  // Bind a simulated second before T0, so that an enquire_link is due at the first step.
  const clock = { now: T0 - 1000 }
  const smsc = await startFakeSmsc({ clock: () => clock.now })
  cleanups.push(() => smsc.close())
  // Deadlines also run on the simulated clock: keep them far beyond the simulated run. An
  // enquire_link every simulated 20 ms makes the sweep (which also dispatches) run every 10 ms
  // of real time, and each step's enquire_link proves the sweep ran at the new time.
  const harness = connectorFor(
    smppOptions(smsc.port, { response_timeout_s: 300, enquire_link_s: 0.02, ...overrides }),
    { now: () => clock.now },
  )
  cleanups.push(() => harness.connector.stop())
  await harness.connector.start()
  const sessions = overrides.sessions ?? 1
  await waitFor(() => harness.connector.health().sessions.bound === sessions, { what: "binds" })
  return Object.assign(harness, {
    smsc,
    clock,
    arrivals: () => smsc.submits.map((s) => s.at - T0),
  })
}

/** Everything sent has arrived and been answered. */
function settled(h: SimHarness): boolean {
  const { submitted } = h.connector.stats()
  return h.smsc.counters.submits === submitted && h.connector.health().window.used === 0
}

/** Moves the clock to T0 + at and waits until the connector has dispatched at that time. */
async function stepTo(h: SimHarness, at: number, extra: () => boolean = () => true): Promise<void> {
  const links = h.smsc.counters.enquireLinks
  h.clock.now = T0 + at
  await waitFor(() => h.smsc.counters.enquireLinks > links && settled(h) && extra(), {
    what: `t=${at}`,
    intervalMs: 2,
  })
}

describe("SmppConnector tps as the SMSC sees it", () => {
  test("never delivers more than tps submit_sm in any second, across 3 sessions and a reconnect of all", async () => {
    const h = await setup({ tps: 10, sessions: 3, window: 5 })
    h.clock.now = T0
    const outcomes = Array.from({ length: 30 }, (_, i) => h.connector.submit(outbound([`m${i}`])))
    // ⌈10/10⌉ = 1 send per 100 ms and 10 per second: 1, 2, …, 10, 11, … at steps 0, 1, …
    const expected = (step: number) =>
      Math.min(30, 10 * Math.floor(step / 10) + Math.min(10, (step % 10) + 1))
    for (let step = 0; step <= 30; step++) {
      await stepTo(h, step * 100, () => h.connector.stats().submitted === expected(step))
      if (step === 14) {
        // Every session drops at once; the limiter must not forget what it sent.
        h.smsc.dropAll()
        await waitFor(
          () =>
            h.connector.stats().connectionsLost === 3 && h.connector.health().sessions.bound === 3,
          { what: "all three rebound" },
        )
      }
    }
    expect((await Promise.all(outcomes)).every((o) => o.parts[0]?.ok)).toBe(true)
    expect(h.smsc.binds.accepted).toBe(6)
    expect(new Set(h.smsc.submits.map((s) => s.system_id)).size).toBe(1)
    expect(h.arrivals()).toHaveLength(30)
    expect(maxPerSecond(h.arrivals())).toBe(10)
  })

  test("halves the rate after ESME_RTHROTTLED, pauses a second, then climbs back one step per quiet second", async () => {
    const h = await setup({ tps: 10, window: 50 })
    h.clock.now = T0
    const outcomes = Array.from({ length: 60 }, (_, i) => h.connector.submit(outbound([`m${i}`])))
    const step = (at: number) => stepTo(h, at)
    for (let at = 0; at < 1000; at += 100) await step(at)
    expect(h.connector.stats().submitted).toBe(10)

    h.smsc.setBehaviour({ errorOnSubmit: { status: 0x58 } })
    await step(1000)
    h.smsc.setBehaviour({ errorOnSubmit: null })
    expect(h.connector.health()).toMatchObject({
      state: "throttled",
      usable: true,
      counters: { throttled: 1 },
      details: { effective_tps: 5 },
    })
    for (let at = 1100; at < 2000; at += 100) await step(at)
    expect(h.connector.stats().submitted).toBe(11)

    for (let at = 2000; at < 8000; at += 100) await step(at)
    const perSecond = (from: number) =>
      h.arrivals().filter((t) => t >= from && t < from + 1000).length
    expect([2000, 3000, 4000, 5000, 6000, 7000].map(perSecond)).toEqual([5, 6, 7, 8, 9, 10])
    expect(h.connector.health()).toMatchObject({ state: "bound", details: { effective_tps: 10 } })
    expect(maxPerSecond(h.arrivals())).toBe(10)

    for (let at = 8000; h.connector.health().pending > 0; at += 100) await step(at)
    const results = (await Promise.all(outcomes)).map((o) => o.parts[0]?.ok)
    expect(results.filter((ok) => !ok)).toHaveLength(1)
  })

  test("gives an uncapped connector a cap at half its recent rate when throttled", async () => {
    const h = await setup({ tps: 0, window: 50 })
    h.clock.now = T0
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.connector.submit(outbound([`m${i}`]))))
    expect(h.connector.health().details.effective_tps).toBe(0)

    h.smsc.setBehaviour({ errorOnSubmit: { status: 0x58 } })
    await h.connector.submit(outbound(["one too many"]))
    expect(h.connector.health()).toMatchObject({
      state: "throttled",
      details: { configured_tps: 0, effective_tps: 10 },
    })
    // Recovered after the pause and ten quiet seconds: the cap is gone again.
    h.clock.now = T0 + 12_000
    expect(h.connector.health()).toMatchObject({ state: "bound", details: { effective_tps: 0 } })
  })
})
