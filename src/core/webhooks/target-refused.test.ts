// The delivery worker with the default target policy, over a real SQLite file and a real HTTP
// receiver on 127.0.0.1: a customer's endpoint whose host name resolves to a loopback address
// gets no request, and the attempt says why; the operator's endpoint on 127.0.0.1 is delivered.
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { newEndpoint, pendingDelivery } from "../../../test/support/store.ts"
import { tempDir } from "../../../test/support/temp-dir.ts"
import { waitFor } from "../../../test/support/wait-for.ts"
import { type Receiver, startReceiver } from "../../../test/support/webhook-receiver.ts"
import { createLogger } from "../../lib/logger.ts"
import { openStore, type Store } from "../../store/index.ts"
import { ROOT_ACCOUNT } from "../auth.ts"
import { WebhookDeliveryWorker } from "./delivery-worker.ts"
import { type Resolve, targetPolicy } from "./target-policy.ts"

let dir: ReturnType<typeof tempDir>
let store: Store
let receiver: Receiver
let worker: WebhookDeliveryWorker

beforeEach(() => {
  dir = tempDir("signalbox-wh-targets-")
  store = openStore(join(dir.path, "db.sqlite"))
  receiver = startReceiver()
})
afterEach(async () => {
  await worker?.stop()
  await receiver.stop()
  store.close()
  dir[Symbol.dispose]()
})

function endpointWithDelivery(id: string, account: string, url: string): void {
  const now = Date.now()
  store.transaction(() => {
    store.webhooks.insertEndpoint(newEndpoint({ id, account_id: account, url }, now))
    store.webhooks.insertDelivery(
      pendingDelivery(
        {
          id: `whd_${id}`,
          endpoint_id: id,
          account_id: account,
          payload: JSON.stringify({ type: "message.sent", data: { id } }),
        },
        now,
      ),
    )
  })
}

/** Starts the worker with the default policy over `resolve`. */
async function startWorker(resolve: Resolve, timeoutMs?: number): Promise<void> {
  worker = new WebhookDeliveryWorker({
    store,
    clock: { now: () => Date.now() },
    logger: createLogger("silent"),
    options: { pollMs: 60_000, ...(timeoutMs ? { timeoutMs } : {}) },
    targets: targetPolicy("operator", { resolve }),
  })
  await worker.start()
}

/** The delivery once an attempt on it is recorded. */
function attemptRecorded(deliveryId: string) {
  return waitFor(
    () => {
      const d = store.webhooks.delivery(deliveryId)
      return d?.last_error ? d : null
    },
    { what: `an attempt on ${deliveryId} recorded` },
  )
}

describe("webhook targets", () => {
  test("a customer's host name that resolves to loopback is not requested; the operator's is", async () => {
    const port = new URL(receiver.url("/in")).port
    // hooks.test stands for a name whose DNS answer is this machine.
    const resolve = async (host: string) => (host === "hooks.test" ? ["127.0.0.1"] : [])
    endpointWithDelivery("whk_customer", "acc_shop", `http://hooks.test:${port}/in`)
    endpointWithDelivery("whk_operator", ROOT_ACCOUNT, receiver.url("/op"))
    await startWorker(resolve)
    const refused = await attemptRecorded("whd_whk_customer")
    expect(refused.last_error).toBe(
      "not sent: the URL did not resolve to public addresses only; only the operator's webhooks may reach others",
    )
    expect(refused.status).not.toBe("succeeded")
    await waitFor(() => store.webhooks.delivery("whd_whk_operator")?.status === "succeeded", {
      what: "the operator's delivery",
    })
    expect(receiver.at("/in")).toEqual([])
    expect(receiver.at("/op")).toHaveLength(1)
  })

  test("a DNS lookup that hangs ends the attempt at its timeout and frees the slot", async () => {
    const resolve = () => new Promise<string[]>(() => {})
    endpointWithDelivery("whk_slowdns", "acc_shop", "https://hooks.example.com/in")
    await startWorker(resolve, 300)
    const timedOut = await attemptRecorded("whd_whk_slowdns")
    expect(timedOut.last_error).toBe("timed out after 300 ms")
    expect(timedOut.status).toBe("pending")
    await waitFor(() => worker.inFlight === 0, { what: "the slot freed" })
  })
})
