/**
 * Test-only: builds connectors against the fake SMSC (test/fakes/smsc.ts), storing what they
 * receive in a real store on a temp SQLite file through the gateway's own inbound functions
 * (core/inbound.ts), as src/app.ts wires them. Not imported by production code.
 */
import { join } from "node:path"
import { tempDir } from "../../test/support/temp-dir.ts"
import type {
  DeliveryReceipt,
  InboundMessage,
  InboundPartEvents,
  OutboundMessage,
} from "../connectors/connector.ts"
import { inboundEvents, storeInbound } from "../core/inbound.ts"
import type { Clock } from "../lib/clock.ts"
import { createLogger, type LogLevel, silentLogger } from "../lib/logger.ts"
import { openStore, type Store } from "../store/index.ts"
import { createSmppConnector, type SmppConnector } from "./connector.ts"
import type { SmppConnectorOptions } from "./options.ts"

export function smppOptions(
  port: number,
  overrides: Partial<SmppConnectorOptions> = {},
): SmppConnectorOptions {
  return {
    id: "carrier-a",
    type: "smpp",
    host: "127.0.0.1",
    port,
    tls: false,
    system_id: "signalbox",
    password: "secret",
    system_type: "",
    sessions: 1,
    window: 10,
    tps: 0,
    default_encoding: "gsm7",
    enquire_link_s: 30,
    response_timeout_s: 2,
    reconnect_min_s: 0.05,
    reconnect_max_s: 0.2,
    registered_delivery: true,
    source_ton: -1,
    source_npi: -1,
    ...overrides,
  }
}

let messageCounter = 0

/** A message whose parts are `texts`, in order. */
export function outbound(
  texts: string[],
  overrides: Partial<OutboundMessage> = {},
): OutboundMessage {
  messageCounter++
  return {
    id: `msg_test${messageCounter}`,
    to: "+4915112345678",
    from: "Signalbox",
    encoding: "gsm7",
    partCount: texts.length,
    parts: texts.map((text, index) => ({ index, text })),
    reference: messageCounter & 0xff,
    requestReceipt: true,
    ...overrides,
  }
}

export interface ConnectorHarness {
  /** Stopping it also closes `storage` and removes its folder. */
  connector: SmppConnector
  receipts: DeliveryReceipt[]
  /**
   * Every MO message about to be stored, whether the store then accepted it or not: single MOs as
   * events.inbound gets them, multipart ones as the part completing their set assembles them.
   */
  inbound: InboundMessage[]
  /**
   * The gate a message passes before it is written (for a multipart MO, before the transaction
   * of the part that completes its set); the default opens at once. Replace it to hold the
   * store open (a pending promise) or make it fail (a rejection: nothing of that message, or of
   * that part, is written, and the connector answers as it would to a failed commit).
   */
  store: (message: InboundMessage) => Promise<void>
  /** The same for receipts: the deliver_sm is answered when this settles (rejected: 0x64). */
  storeReceipt: (receipt: DeliveryReceipt) => Promise<void>
  /** The store on a temp file: held parts (`storage.moParts`) and stored messages. */
  storage: Store
}

/** TEST_LOG_LEVEL=debug shows the connector's logs. */
export function connectorFor(
  options: SmppConnectorOptions,
  clock: Clock = { now: () => Date.now() },
): ConnectorHarness {
  const receipts: DeliveryReceipt[] = []
  const inbound: InboundMessage[] = []
  const level = process.env.TEST_LOG_LEVEL as LogLevel | undefined
  const logger = level ? createLogger(level) : silentLogger
  const dir = tempDir("signalbox-smpp-")
  const storage = openStore(join(dir.path, "signalbox.db"))
  const harness: ConnectorHarness = {
    connector: null as unknown as SmppConnector,
    receipts,
    inbound,
    store: async () => {},
    storeReceipt: async () => {},
    storage,
  }
  const parts = gatedPartEvents(inboundEvents({ store: storage, clock, logger }), harness)
  const connector = createSmppConnector(options, {
    logger,
    clock,
    events: {
      receipt: async (receipt) => {
        receipts.push(receipt)
        await harness.storeReceipt(receipt)
      },
      inbound: async (message) => {
        inbound.push(message)
        await harness.store(message)
        await storage.batcher.run(() => storeInbound(storage, message, clock.now()))
      },
      ...parts,
    },
  })
  // The connector as built; its stop also closes the harness's store, once.
  const stop = connector.stop.bind(connector)
  let closed = false
  connector.stop = async () => {
    await stop()
    if (closed) return
    closed = true
    storage.close()
    dir[Symbol.dispose]()
  }
  harness.connector = connector
  return harness
}

/** Thrown from `assemble` to stop a part's transaction once it is known to complete its set. */
class SetCompleted extends Error {
  constructor(readonly assembled: InboundMessage) {
    super("the part completes its set")
  }
}

/**
 * The durable part events with `harness.store` gating the part that completes a set: that part
 * is first run up to the assembly of its message and rolled back there, so the test sees the
 * message and its gate decides; then it runs for real. Parts that complete nothing are
 * committed at once.
 */
function gatedPartEvents(real: InboundPartEvents, harness: ConnectorHarness): InboundPartEvents {
  return {
    async inboundPart(part, options) {
      let assembled: InboundMessage
      try {
        return await real.inboundPart(part, {
          ...options,
          assemble: (held) => {
            throw new SetCompleted(options.assemble(held))
          },
        })
      } catch (error) {
        if (!(error instanceof SetCompleted)) throw error
        assembled = error.assembled
      }
      harness.inbound.push(assembled)
      await harness.store(assembled)
      return real.inboundPart(part, options)
    },
    expireInboundParts: (connectorId, before) => real.expireInboundParts(connectorId, before),
  }
}
