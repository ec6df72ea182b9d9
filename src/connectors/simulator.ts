import {
  type Connector,
  type ConnectorDeps,
  type ConnectorHealth,
  type ConnectorState,
  isUsable,
  type OutboundMessage,
  refusedOutcome,
  type SubmitOutcome,
} from "./connector.ts"

export interface SimulatorOptions {
  id: string
  type: "simulator"
  /** Time from submit to the receipt. */
  delivery_delay_ms: number
  /** Fraction 0..1 of messages whose receipt says UNDELIV. */
  failure_rate: number
  /** Parts per second it accepts; extra submits wait their turn. */
  tps: number
}

/** Most submits held at once; beyond this the dispatcher leaves messages in the SQLite queue. */
const SIMULATOR_QUEUE = 2000

/**
 * A connector that never touches a network: it accepts every part at once with a fresh carrier
 * id and, after `delivery_delay_ms`, reports a DELIVRD (or, at `failure_rate`, UNDELIV) receipt.
 * It is the default route on a fresh install and the route for sandbox keys.
 */
export function createSimulatorConnector(
  options: SimulatorOptions,
  deps: ConnectorDeps,
): Connector {
  let pending = 0
  let running = false
  let counter = 0
  const counters = { sent: 0, failed: 0, throttled: 0, receipts: 0, inbound: 0 }
  let nextFreeAt = 0
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const waiters = new Set<() => void>()
  const spacingMs = 1000 / Math.max(1, options.tps)
  const status = (): ConnectorState => (running ? "bound" : "stopped")

  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t)
      fn()
    }, ms)
    timers.add(t)
  }

  function stoppedOutcome(message: OutboundMessage): SubmitOutcome {
    const error = { code: "stopped", temporary: true, message: "simulator is stopped" }
    return refusedOutcome(message, error, deps.clock.now())
  }

  async function submit(message: OutboundMessage): Promise<SubmitOutcome> {
    if (!running) return stoppedOutcome(message)
    pending++
    try {
      // Paces parts at `tps` without a timer per part when there is no backlog.
      const now = deps.clock.now()
      const start = Math.max(now, nextFreeAt)
      nextFreeAt = start + spacingMs * message.parts.length
      if (start > now + 1) {
        await new Promise<void>((resolve) => {
          waiters.add(resolve)
          later(start - now, () => {
            waiters.delete(resolve)
            resolve()
          })
        })
        if (!running) return stoppedOutcome(message)
      }
      const results: SubmitOutcome["parts"] = []
      for (const part of message.parts) {
        counter = (counter + 1) % 0xffffffff
        const carrierId = `sim${Date.now().toString(16)}${counter.toString(16).padStart(8, "0")}`
        const at = deps.clock.now()
        results.push({ index: part.index, ok: true, carrierId, at })
        counters.sent++
        if (message.requestReceipt) {
          const fail = Math.random() < options.failure_rate
          later(options.delivery_delay_ms, () => {
            const stat = fail ? "UNDELIV" : "DELIVRD"
            counters.receipts++
            // Nothing to answer: a failed store is logged, and the simulated receipt is gone.
            void deps.events
              .receipt({
                connectorId: options.id,
                carrierId,
                state: fail ? "failed" : "delivered",
                stat,
                error: fail ? "001" : null,
                doneAt: deps.clock.now(),
                raw: `id:${carrierId} sub:001 dlvrd:${fail ? "000" : "001"} stat:${stat} err:${fail ? "001" : "000"} (simulated)`,
              })
              .catch((error: unknown) =>
                deps.logger.error({ err: error, carrierId }, "storing a simulated receipt failed"),
              )
          })
        }
      }
      return { parts: results }
    } finally {
      pending--
    }
  }

  return {
    id: options.id,
    type: "simulator",
    async start() {
      running = true
    },
    async stop() {
      running = false
      for (const t of timers) clearTimeout(t)
      timers.clear()
      for (const resolve of waiters) resolve()
      waiters.clear()
    },
    submit,
    capacity: () => (running ? Math.max(0, SIMULATOR_QUEUE - pending) : 0),
    status,
    health(): ConnectorHealth {
      const state = status()
      return {
        id: options.id,
        type: "simulator",
        state,
        usable: isUsable(state),
        sessions: { configured: 1, bound: running ? 1 : 0 },
        window: { size: SIMULATOR_QUEUE, used: pending },
        tps: options.tps,
        pending,
        lastError: null,
        counters: { ...counters },
        details: {
          delivery_delay_ms: options.delivery_delay_ms,
          failure_rate: options.failure_rate,
        },
      }
    },
  }
}
