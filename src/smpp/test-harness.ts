/**
 * Test-only: builds connectors against the fake SMSC (test/fakes/smsc.ts). Not imported by
 * production code.
 */
import type { DeliveryReceipt, InboundMessage, OutboundMessage } from "../connectors/connector.ts"
import type { Clock } from "../lib/clock.ts"
import { createLogger, type LogLevel, silentLogger } from "../lib/logger.ts"
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
  connector: SmppConnector
  receipts: DeliveryReceipt[]
  /** Every MO handed to events.inbound, whether the store then accepted it or not. */
  inbound: InboundMessage[]
  /**
   * What events.inbound does after recording the message; the default stores it at once.
   * Replace it to hold the store open (a pending promise) or make it fail (a rejection).
   */
  store: (message: InboundMessage) => Promise<void>
}

/** TEST_LOG_LEVEL=debug shows the connector's logs. */
export function connectorFor(
  options: SmppConnectorOptions,
  clock: Clock = { now: () => Date.now() },
): ConnectorHarness {
  const receipts: DeliveryReceipt[] = []
  const inbound: InboundMessage[] = []
  const level = process.env.TEST_LOG_LEVEL as LogLevel | undefined
  const harness: ConnectorHarness = {
    connector: null as unknown as SmppConnector,
    receipts,
    inbound,
    store: async () => {},
  }
  harness.connector = createSmppConnector(options, {
    logger: level ? createLogger(level) : silentLogger,
    clock,
    events: {
      receipt: (receipt) => receipts.push(receipt),
      inbound: (message) => {
        inbound.push(message)
        return harness.store(message)
      },
    },
  })
  return harness
}
