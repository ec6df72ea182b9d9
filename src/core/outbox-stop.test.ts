// Outbox.stop() over a real store and the real simulator connector: it resolves only once every
// submit in flight has its outcome committed. The simulator paces parts at 2 per second, so the
// third message's submit is still pending when stop() is called.
import { expect, test } from "bun:test"
import { join } from "node:path"
import { newMessage } from "../../test/support/store.ts"
import { tempDir } from "../../test/support/temp-dir.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import { createSimulatorConnector } from "../connectors/simulator.ts"
import { systemClock } from "../lib/clock.ts"
import { silentLogger } from "../lib/logger.ts"
import { openStore } from "../store/index.ts"
import { Outbox } from "./outbox.ts"
import { Router } from "./router.ts"

test("stop() waits until the outcome of every submit in flight is committed", async () => {
  using dir = tempDir()
  const store = openStore(join(dir.path, "s.db"))
  const sim = createSimulatorConnector(
    // No receipts within the test: only the submits' outcomes are recorded.
    { id: "sim", type: "simulator", delivery_delay_ms: 60_000, failure_rate: 0, tps: 2 },
    {
      logger: silentLogger,
      clock: systemClock,
      events: { receipt: async () => {}, inbound: async () => {} },
    },
  )
  const outbox = new Outbox({
    store,
    clock: systemClock,
    logger: silentLogger,
    router: new Router([{ prefix: "*", connectors: ["sim"] }], new Map([["sim", sim]])),
    connectors: [sim],
    retry: { max_attempts: 3, retry_base_ms: 1_000, retry_cap_ms: 1_000 },
  })
  try {
    const ids = ["msg_stop_1", "msg_stop_2", "msg_stop_3"]
    store.transaction(() => {
      for (const id of ids) store.messages.insertMessage(newMessage({ id, account_id: "acc_a" }))
    })
    await sim.start()
    await outbox.start()
    await waitFor(() => store.messages.get("msg_stop_1")!.status === "sent", { what: "first sent" })
    // The last one's part is waiting its turn at 2 per second.
    expect(store.messages.get("msg_stop_3")!.status).toBe("sending")
    expect(outbox.inFlight).toBeGreaterThan(0)

    await outbox.stop()

    expect(outbox.inFlight).toBe(0)
    for (const id of ids) expect(store.messages.get(id)!.status).toBe("sent")
  } finally {
    await sim.stop()
    store.close()
  }
})
