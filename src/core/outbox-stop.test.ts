// Outbox.stop() over a real store and the real simulator connector: it resolves only once the
// claim under way and every submit in flight have their outcomes committed, so the gateway may
// close the store right after it.
import { expect, test } from "bun:test"
import { join } from "node:path"
import { newMessage } from "../../test/support/store.ts"
import { tempDir } from "../../test/support/temp-dir.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import type { Connector } from "../connectors/connector.ts"
import { createSimulatorConnector } from "../connectors/simulator.ts"
import { systemClock } from "../lib/clock.ts"
import { silentLogger } from "../lib/logger.ts"
import { openStore } from "../store/index.ts"
import { Outbox } from "./outbox.ts"
import { Router } from "./router.ts"

/**
 * A store in `dir`, the simulator at `tps` parts/s (no receipts within a test), an outbox to it.
 * `fault(n)` says how the n-th submit (from 0) fails as a buggy connector's would: it throws,
 * or its promise rejects; undefined: it goes to the simulator.
 */
type Fault = "throw" | "reject"

function rig(dir: string, tps: number, fault: (n: number) => Fault | undefined = () => undefined) {
  const store = openStore(join(dir, "s.db"))
  const simulatorDeps = {
    logger: silentLogger,
    clock: systemClock,
    events: { receipt: async () => {}, inbound: async () => {} },
  }
  const sim = createSimulatorConnector(
    { id: "sim", type: "simulator", delivery_delay_ms: 60_000, failure_rate: 0, tps },
    simulatorDeps,
  )
  let submits = 0
  const connector: Connector = {
    ...sim,
    submit(message) {
      const kind = fault(submits++)
      if (kind === undefined) return sim.submit(message)
      if (kind === "throw") throw new Error("connector bug (thrown)")
      return Promise.reject(new Error("connector bug (rejected)"))
    },
  }
  const sandbox = createSimulatorConnector(
    { id: "sandbox", type: "simulator", delivery_delay_ms: 0, failure_rate: 0, tps: 1000 },
    simulatorDeps,
  )
  const outbox = new Outbox({
    store,
    clock: systemClock,
    logger: silentLogger,
    router: new Router([{ prefix: "*", connectors: ["sim"] }], new Map([["sim", connector]])),
    connectors: [connector],
    sandbox,
    retry: { max_attempts: 5, retry_base_ms: 10, retry_cap_ms: 10 },
  })
  const queue = (ids: string[]) =>
    store.transaction(() => {
      for (const id of ids) store.messages.insertMessage(newMessage({ id, account_id: "acc_a" }))
    })
  /** Queues `ids` and starts the simulator and the outbox. */
  const start = async (ids: string[]) => {
    queue(ids)
    await sim.start()
    await outbox.start()
  }
  return {
    store,
    sim,
    outbox,
    start,
    async [Symbol.asyncDispose]() {
      await sim.stop()
      store.close()
    },
  }
}

test("stop() waits until the outcome of every submit in flight is committed", async () => {
  using dir = tempDir()
  await using r = rig(dir.path, 2)
  const { store, outbox } = r
  const ids = ["msg_stop_1", "msg_stop_2", "msg_stop_3"]
  await r.start(ids)
  await waitFor(() => store.messages.get("msg_stop_1")!.status === "sent", { what: "first sent" })
  // The last one's part is waiting its turn at 2 per second.
  expect(store.messages.get("msg_stop_3")!.status).toBe("sending")
  expect(outbox.inFlight).toBeGreaterThan(0)

  await outbox.stop()

  expect(outbox.inFlight).toBe(0)
  for (const id of ids) expect(store.messages.get(id)!.status).toBe("sent")
})

test("stop() right after start waits for the claim under way and what it submitted", async () => {
  using dir = tempDir()
  await using r = rig(dir.path, 1000)
  const ids = ["msg_early_1", "msg_early_2"]
  // The outbox's start() queues the first claim; it has not committed when stop() is called.
  await r.start(ids)
  await r.outbox.stop()
  // What the claim took was submitted and recorded before stop() returned: nothing is left
  // in `sending`, and nothing happens after it (the store is closed at once, as the gateway does).
  const statuses = ids.map((id) => r.store.messages.get(id)!.status)
  r.store.close()
  expect(statuses).toEqual(["sent", "sent"])
})

// Tested here, not through the server: no real connector throws or rejects (they report failures
// as outcomes), so the fault is injected by a wrapper over the real simulator, and the outbox,
// store and retry rules it meets are the real ones.
test("a connector that throws or rejects: the message is retried, not left sending", async () => {
  using dir = tempDir()
  await using r = rig(dir.path, 1000, (n) => (["throw", "reject"] as const)[n])
  const { store, outbox } = r
  await r.start(["msg_fault"])
  await waitFor(() => store.messages.get("msg_fault")!.status === "sent", { what: "sent" })
  const m = store.messages.get("msg_fault")!
  expect(m.attempts).toBe(3)
  const retries = store.messages
    .events("msg_fault")
    .filter((e) => e.status === "queued" && e.detail?.includes("connector_error"))
  expect(retries.map((e) => e.detail?.match(/connector bug \((\w+)\)/)?.[1])).toEqual([
    "thrown",
    "rejected",
  ])
  await outbox.stop()
  expect(outbox.inFlight).toBe(0)
})

test("a connector that always throws: the message ends failed once its retries are spent, nothing left in flight", async () => {
  using dir = tempDir()
  await using r = rig(dir.path, 1000, () => "throw")
  const { store, outbox } = r
  await r.start(["msg_broken"])
  await waitFor(() => store.messages.get("msg_broken")!.status === "failed", { what: "failed" })
  const m = store.messages.get("msg_broken")!
  // The retry budget (max_attempts 5) spent, each attempt counted, the last error named.
  expect(m).toMatchObject({ attempts: 5, error_code: "retries_exhausted" })
  expect(m.error_detail).toContain("connector_error")
  const retries = store.messages
    .events("msg_broken")
    .filter((e) => e.status === "queued" && e.detail?.includes("connector_error"))
  expect(retries).toHaveLength(4)
  expect(retries.every((e) => e.detail?.includes("connector bug (thrown)"))).toBe(true)
  expect(r.sim.health().counters.sent).toBe(0)
  await outbox.stop()
  expect(outbox.inFlight).toBe(0)
})
