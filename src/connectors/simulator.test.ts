// The simulator connector's status(): the state of its health(), from start to stop.
import { expect, test } from "bun:test"
import { systemClock } from "../lib/clock.ts"
import { silentLogger } from "../lib/logger.ts"
import { isUsable } from "./connector.ts"
import { createSimulatorConnector } from "./simulator.ts"

test("status() says what health() says: stopped before start and after stop, bound between", async () => {
  const connector = createSimulatorConnector(
    { id: "sim", type: "simulator", delivery_delay_ms: 0, failure_rate: 0, tps: 100 },
    {
      logger: silentLogger,
      clock: systemClock,
      events: { receipt: async () => {}, inbound: async () => {} },
    },
  )
  const agree = () => {
    const { state, usable } = connector.health()
    expect(connector.status()).toBe(state)
    expect(isUsable(state)).toBe(usable)
    return state
  }
  expect(agree()).toBe("stopped")
  await connector.start()
  expect(agree()).toBe("bound")
  expect(connector.health().usable).toBe(true)
  await connector.stop()
  expect(agree()).toBe("stopped")
  expect(connector.health().usable).toBe(false)
})
