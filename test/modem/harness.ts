/**
 * Test-only: a modem connector wired to the fake modem over a real pty. TEST_LOG_LEVEL=debug
 * shows the driver's logs.
 */
import type {
  DeliveryReceipt,
  InboundMessage,
  OutboundMessage,
} from "../../src/connectors/connector.ts"
import { createLogger, type Logger, type LogLevel, silentLogger } from "../../src/lib/logger.ts"
import {
  createModemConnector,
  type ModemConnector,
  type ModemConnectorOptions,
} from "../../src/modem/modem-connector.ts"
import { type FakeModem, type FakeModemOptions, startFakeModem } from "../fakes/modem.ts"
import { waitFor } from "../support/wait-for.ts"

/** Short deadlines: the pty answers in well under a millisecond. */
export function modemOptions(
  device: string,
  overrides: Partial<ModemConnectorOptions> = {},
): ModemConnectorOptions {
  return {
    id: "modem-1",
    type: "modem",
    device,
    baud: 115200,
    pin: null,
    smsc: null,
    tps: 0,
    command_timeout_ms: 400,
    send_timeout_ms: 1_000,
    poll_interval_ms: 100,
    registration_timeout_ms: 3_000,
    reopen_min_ms: 20,
    reopen_max_ms: 100,
    ...overrides,
  }
}

export interface Rig {
  modem: FakeModem
  /** Replaced by `restartConnector()`. */
  connector: ModemConnector
  receipts: DeliveryReceipt[]
  /** MO messages the connector handed over and that were "stored". */
  inbound: InboundMessage[]
  /** Every inbound() call, including rejected ones. */
  inboundCalls: InboundMessage[]
  /** Replace to make inbound() or receipt() reject (throw) or slow. */
  store: {
    accept: (message: InboundMessage) => Promise<void>
    acceptReceipt: (receipt: DeliveryReceipt) => Promise<void>
  }
  /**
   * Stops the connector and starts a new one on the same modem and store (a gateway restart:
   * nothing in the old connector's memory survives), then waits until it is usable.
   * `whileStopped` runs in between.
   */
  restartConnector(whileStopped?: () => void): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

export async function startRig(
  modemOverrides: Partial<FakeModemOptions> = {},
  connectorOverrides: Partial<ModemConnectorOptions> = {},
  {
    waitReady = true,
    logger,
    before,
  }: { waitReady?: boolean; logger?: Logger; before?: (modem: FakeModem) => void } = {},
): Promise<Rig> {
  const modem = await startFakeModem(modemOverrides)
  before?.(modem)
  const receipts: DeliveryReceipt[] = []
  const inbound: InboundMessage[] = []
  const inboundCalls: InboundMessage[] = []
  const store = {
    accept: async (_: InboundMessage) => {},
    acceptReceipt: async (_: DeliveryReceipt) => {},
  }
  const level = process.env.TEST_LOG_LEVEL as LogLevel | undefined
  const createConnector = () =>
    createModemConnector(modemOptions(modem.devicePath, connectorOverrides), {
      logger: logger ?? (level && level !== "silent" ? createLogger(level) : silentLogger),
      clock: { now: () => Date.now() },
      events: {
        receipt: async (receipt) => {
          await store.acceptReceipt(receipt)
          receipts.push(receipt)
        },
        inbound: async (message) => {
          inboundCalls.push(message)
          await store.accept(message)
          inbound.push(message)
        },
      },
    })
  const ready = () =>
    waitFor(() => rig.connector.health().usable, { timeoutMs: 5_000, what: "modem ready" })
  const rig: Rig = {
    modem,
    connector: createConnector(),
    receipts,
    inbound,
    inboundCalls,
    store,
    async restartConnector(whileStopped) {
      await rig.connector.stop()
      whileStopped?.()
      rig.connector = createConnector()
      await rig.connector.start()
      await ready()
    },
    async [Symbol.asyncDispose]() {
      await rig.connector.stop()
      await modem.stop()
    },
  }
  try {
    await rig.connector.start()
    if (waitReady) await ready()
  } catch (error) {
    await rig[Symbol.asyncDispose]()
    throw error
  }
  return rig
}

/** A published PDU as the fake modem stores it: the <length> is the TPDU without the SMSC field. */
export function stored(hex: string): { hex: string; tpduLength: number } {
  const smscOctets = Number.parseInt(hex.slice(0, 2), 16) + 1
  return { hex, tpduLength: hex.length / 2 - smscOctets }
}

let counter = 0

export function outbound(
  texts: string[],
  overrides: Partial<OutboundMessage> = {},
): OutboundMessage {
  counter++
  return {
    id: `msg_modem${counter}`,
    to: "+4915112345678",
    from: null,
    encoding: "gsm7",
    partCount: texts.length,
    parts: texts.map((text, index) => ({ index, text })),
    reference: (counter * 37) & 0xff,
    requestReceipt: true,
    ...overrides,
  }
}

/**
 * A store hook (`rig.store.accept`, `rig.store.acceptReceipt`) that throws `message` on its
 * first `times` calls (every call by default); `calls` counts them all.
 */
export function failingHook(
  message: string,
  times = Number.POSITIVE_INFINITY,
): (() => Promise<void>) & { calls: number } {
  const hook = Object.assign(
    async () => {
      hook.calls++
      if (hook.calls <= times) throw new Error(message)
    },
    { calls: 0 },
  )
  return hook
}

/**
 * An MO whose first store fails: the inbox leaves it on the SIM, and its next tick lists the SIM
 * (and the report storages) again, where the MO is stored. Resolves once it is, and the inbox
 * is idle.
 */
export async function moStoredOnRelisting(rig: Rig, from: string, text = "listing trigger") {
  const stored = rig.inbound.length
  rig.store.accept = failingHook("database is locked", 1)
  rig.modem.receive({ from, text })
  await waitFor(() => rig.inbound.length === stored + 1, { what: "MO stored on a listing" })
  await rig.connector.inbox.idle()
}
