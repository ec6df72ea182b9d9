/**
 * A GSM modem (one SIM) as a Connector. Sending: one part at a time through +CMGS in PDU mode,
 * paced at `tps` parts per second, stopping at the first failed part; the carrier id of a part is
 * the TP-MR the modem answered, in decimal. Receiving and status reports: see inbox.ts. The
 * device lifecycle: see modem-session.ts. docs/modem.md describes the whole driver.
 */
import { CodecError } from "../codec/codec-error.ts"
import { encodeSmsSubmit, type SubmitPdu } from "../codec/sms-pdu.ts"
import {
  type Connector,
  type ConnectorDeps,
  type ConnectorError,
  type ConnectorHealth,
  type ConnectorState,
  isUsable,
  type OutboundMessage,
  type OutboundPart,
  refusedOutcome,
  type SubmitOutcome,
  type SubmitPartResult,
} from "../connectors/connector.ts"
import { AtError } from "./at-errors.ts"
import { parseCmgs } from "./at-responses.ts"
import { Inbox } from "./inbox.ts"
import { ModemSession, type SessionState, STORAGE } from "./modem-session.ts"

export interface ModemConnectorOptions {
  id: string
  type: "modem"
  /** /dev/ttyUSB2, /dev/ttyACM0, /dev/serial/by-id/… (stable across replugs), or a pty. */
  device: string
  baud: number
  /** SIM PIN, entered once if the SIM asks; null = none configured. Never logged. */
  pin: string | null
  /** SMSC number to set with +CSCA; null = keep the SIM's. */
  smsc: string | null
  /**
   * ISO 3166-1 alpha-2 country of the SIM's network: national-format senders and a national
   * +CNUM are read as its numbers (addresses.ts). ""/absent: kept as reported.
   */
  country?: string
  /** Parts per second; 0 = no pacing beyond the modem's own speed. */
  tps: number
  /** Deadline of every AT command (and of the "> " prompt of +CMGS). */
  command_timeout_ms: number
  /** Deadline for +CMGS to answer after the PDU was sent (the network round trip). */
  send_timeout_ms: number
  /** Health poll period (+CSQ, +CREG?, +COPS?) and the inbox housekeeping tick. */
  poll_interval_ms: number
  /** Deadline for network registration during initialisation. Default 120 s. */
  registration_timeout_ms?: number
  /** How long an incomplete concatenated MO message may wait for its parts. Default 24 h. */
  reassembly_timeout_ms?: number
  /** Reopen backoff after the device vanished or failed: base and cap. Defaults 1 s and 60 s. */
  reopen_min_ms?: number
  reopen_max_ms?: number
}

/** Recommended defaults for the config schema, with the reason for each. */
export const MODEM_DEFAULTS = {
  baud: 115_200, // what USB modems (Huawei, ZTE, SIMCom, Quectel) use; CDC-ACM ignores it anyway
  pin: null,
  smsc: null,
  tps: 1, // a modem sends roughly one SMS per 1-3 s; pacing keeps the queue honest
  command_timeout_ms: 5_000, // local commands answer in milliseconds; +COPS? can take seconds
  send_timeout_ms: 60_000, // +CMGS waits for the network (TS 27.005 allows long answers)
  poll_interval_ms: 30_000,
  registration_timeout_ms: 120_000, // cold start on a weak signal can take a minute or more
  reassembly_timeout_ms: 24 * 60 * 60 * 1000,
  reopen_min_ms: 1_000,
  reopen_max_ms: 60_000,
} as const

/** Messages held by submit() at once: a modem sends slowly, so the rest waits in SQLite. */
export const MODEM_QUEUE = 4

export interface ModemConnector extends Connector {
  /** Driver internals for tests and diagnostics. */
  readonly session: ModemSession
  readonly inbox: Inbox
}

interface Job {
  message: OutboundMessage
  results: SubmitPartResult[]
  resolve(outcome: SubmitOutcome): void
}

export function createModemConnector(
  options: ModemConnectorOptions,
  deps: ConnectorDeps,
): ModemConnector {
  const log = deps.logger.child({ connector: options.id })
  const counters = { sent: 0, failed: 0, throttled: 0 }
  const queue: Job[] = []
  const spacingMs = options.tps > 0 ? 1000 / options.tps : 0
  let running = false
  let stopped = false
  let pending = 0
  let pumpBusy = false
  let pumpRun: Promise<void> = Promise.resolve()
  let lastSendAt = Number.NEGATIVE_INFINITY
  let lastError: string | null = null
  const paceTimers = new Set<{ timer: ReturnType<typeof setTimeout>; resolve: () => void }>()

  const session: ModemSession = new ModemSession(
    {
      device: options.device,
      baud: options.baud,
      pin: options.pin,
      smsc: options.smsc,
      country: options.country,
      commandTimeoutMs: options.command_timeout_ms,
      pollIntervalMs: options.poll_interval_ms,
      registrationTimeoutMs:
        options.registration_timeout_ms ?? MODEM_DEFAULTS.registration_timeout_ms,
      reopenMinMs: options.reopen_min_ms ?? MODEM_DEFAULTS.reopen_min_ms,
      reopenMaxMs: options.reopen_max_ms ?? MODEM_DEFAULTS.reopen_max_ms,
    },
    log,
    {
      stateChanged: (from: SessionState, to: SessionState) => {
        if (to === "ready") {
          inbox.onReady()
          pump()
        } else if (from === "ready") {
          failQueued({
            code: "connection_lost",
            temporary: true,
            message: `modem ${to}: ${session.lastError ?? ""}`.trim(),
          })
        }
      },
      urc: (urc) => inbox.onUrc(urc),
      tick: () => inbox.onTick(),
    },
  )

  const inbox = new Inbox({
    connectorId: options.id,
    run: (command) => session.run(command),
    events: deps.events,
    clock: deps.clock,
    log,
    reassemblyTimeoutMs: options.reassembly_timeout_ms ?? MODEM_DEFAULTS.reassembly_timeout_ms,
    ownNumber: () => session.facts.ownNumber,
    country: options.country,
    storage: STORAGE,
    readStorages: () => session.facts.readStorages,
  })

  function usable(): boolean {
    return running && session.ready && session.registered
  }

  /** A message not attempted at all (counted as one failed part, like every part outcome). */
  function refuse(message: OutboundMessage, error: ConnectorError): SubmitOutcome {
    counters.failed++
    return refusedOutcome(message, error, deps.clock.now())
  }

  function failQueued(error: ConnectorError): void {
    for (const job of queue.splice(0)) {
      pending--
      job.resolve(refuse(job.message, error))
    }
  }

  function pace(): Promise<void> {
    const wait = lastSendAt + spacingMs - deps.clock.now()
    if (wait <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          paceTimers.delete(entry)
          resolve()
        }, wait),
      }
      paceTimers.add(entry)
    })
  }

  /** Sends queued jobs one after the other; a no-op while a run is already going. */
  function pump(): void {
    if (pumpBusy) return
    pumpBusy = true
    pumpRun = (async () => {
      try {
        while (queue.length > 0) {
          if (!usable()) {
            const why = `modem ${session.state}, registration ${session.facts.registration}`
            failQueued({ code: "not_bound", temporary: true, message: why })
            break
          }
          const job = queue.shift()!
          let outcome: SubmitOutcome
          try {
            outcome = await sendJob(job)
          } catch (error) {
            log.error({ err: error, message: job.message.id }, "sending failed unexpectedly")
            const part = job.message.parts[job.results.length] ?? job.message.parts[0]!
            const error_ = {
              code: "internal_error",
              temporary: true,
              message: (error as Error).message,
            }
            outcome = { parts: [...job.results, failure(part, error_)] }
          }
          pending--
          job.resolve(outcome)
        }
      } finally {
        pumpBusy = false
      }
    })()
  }

  async function sendJob(job: Job): Promise<SubmitOutcome> {
    const { message } = job
    for (const part of message.parts) {
      await pace()
      const result = running
        ? await sendPart(message, part)
        : failure(part, { code: "stopped", temporary: true, message: "connector stopped" })
      job.results.push(result)
      if (!result.ok) break
    }
    return { parts: job.results }
  }

  function failure(part: OutboundPart, error: ConnectorError): SubmitPartResult {
    counters.failed++
    lastError = `${error.code}: ${error.message}`
    return { index: part.index, ok: false, error, at: deps.clock.now() }
  }

  async function sendPart(message: OutboundMessage, part: OutboundPart): Promise<SubmitPartResult> {
    let pdu: SubmitPdu
    try {
      pdu = encodeSmsSubmit({
        to: message.to,
        text: part.text,
        encoding: message.encoding,
        concat:
          message.partCount > 1
            ? {
                reference: message.reference & 0xff,
                total: message.partCount,
                sequence: part.index + 1,
              }
            : null,
        requestStatusReport: message.requestReceipt,
      })
    } catch (error) {
      if (!(error instanceof CodecError)) throw error
      return failure(part, { code: error.code, temporary: false, message: error.message })
    }
    lastSendAt = deps.clock.now()
    try {
      const answer = await session.run({
        command: `AT+CMGS=${pdu.tpduLength}`,
        expect: "+CMGS",
        pdu: pdu.hex,
        timeoutMs: options.command_timeout_ms,
        pduTimeoutMs: options.send_timeout_ms,
      })
      const mr = parseCmgs(answer.lines)
      if (mr === null)
        log.warn(
          { message: message.id, lines: answer.lines },
          "+CMGS answered OK without a message reference",
        )
      counters.sent++
      log.debug({ message: message.id, part: part.index, mr }, "+CMGS accepted")
      return {
        index: part.index,
        ok: true,
        carrierId: mr === null ? "" : String(mr),
        at: deps.clock.now(),
      }
    } catch (error) {
      if (!(error instanceof AtError)) throw error
      log.warn({ message: message.id, part: part.index, err: error.message }, "+CMGS failed")
      return failure(part, connectorError(error))
    }
  }

  function state(): ConnectorState {
    if (!running) return "stopped"
    if (usable()) return pending >= MODEM_QUEUE ? "saturated" : "bound"
    if (session.halted) return "down"
    if (session.state === "opening" || session.state === "initialising") return "connecting"
    if (session.state === "ready")
      return session.facts.registration === "denied" ? "down" : "connecting"
    return "down"
  }

  return {
    id: options.id,
    type: "modem",
    session,
    inbox,
    async start() {
      if (running || stopped) return
      running = true
      session.start()
    },
    async stop() {
      if (stopped) return
      stopped = true
      running = false
      failQueued({ code: "stopped", temporary: true, message: "connector stopped" })
      for (const entry of paceTimers) {
        clearTimeout(entry.timer)
        entry.resolve()
      }
      paceTimers.clear()
      inbox.stop()
      await session.stop()
      await pumpRun
      await inbox.idle()
    },
    submit(message) {
      if (message.parts.length === 0) return Promise.resolve({ parts: [] })
      if (!running)
        return Promise.resolve(
          refuse(message, { code: "stopped", temporary: true, message: "connector stopped" }),
        )
      if (!usable()) {
        const why = session.halted
          ? (session.lastError ?? "halted")
          : `modem ${session.state}, registration ${session.facts.registration}`
        return Promise.resolve(
          refuse(message, { code: "not_bound", temporary: true, message: why }),
        )
      }
      if (pending >= MODEM_QUEUE) {
        return Promise.resolve(
          refuse(message, {
            code: "saturated",
            temporary: true,
            message: `${pending} messages pending`,
          }),
        )
      }
      pending++
      return new Promise((resolve) => {
        queue.push({ message, results: [], resolve })
        pump()
      })
    },
    capacity: () => (usable() ? Math.max(0, MODEM_QUEUE - pending) : 0),
    status: state,
    health(): ConnectorHealth {
      const facts = session.facts
      const framer = session.framerStats
      const now = state()
      return {
        id: options.id,
        type: "modem",
        state: now,
        usable: isUsable(now),
        sessions: { configured: 1, bound: usable() ? 1 : 0 },
        window: { size: MODEM_QUEUE, used: pending },
        tps: options.tps,
        pending,
        lastError: session.lastError ?? lastError,
        counters: { ...counters, receipts: inbox.stats.receipts, inbound: inbox.stats.inbound },
        details: {
          device: options.device,
          session_state: session.state,
          signal_rssi: facts.rssi,
          signal_dbm: facts.dbm,
          operator: facts.operator,
          registration: facts.registration,
          sim: facts.sim,
          own_number: facts.ownNumber,
          sim_used: facts.simUsed,
          sim_total: facts.simTotal,
          status_reports: facts.statusReports,
          partial_messages: inbox.reassembly.size,
          undecodable: inbox.stats.undecodable,
          noise_lines: framer ? framer.garbageLines + framer.overlongLines : 0,
        },
      }
    },
  }
}

/** An AT failure of +CMGS as the connector reports it (retry class: at-errors.ts). */
export function connectorError(error: AtError): ConnectorError {
  switch (error.kind) {
    case "cms":
    case "cme": {
      const code = `+${error.kind.toUpperCase()} ERROR: ${error.code ?? "?"}`
      return { code, temporary: error.temporary, message: error.message }
    }
    case "error":
      return { code: "ERROR", temporary: true, message: error.message }
    case "timeout":
      return {
        code: "timeout",
        temporary: true,
        message: `${error.message}; the SMS may have been sent`,
      }
    case "stopped":
      return { code: "stopped", temporary: true, message: error.message }
    case "device_lost":
      return { code: "connection_lost", temporary: true, message: error.message }
  }
}
