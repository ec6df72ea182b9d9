/**
 * An SMPP carrier account as a Connector: `sessions` bind_transceiver sessions, a window of
 * outstanding submit_sm per session, one tps cap across them, delivery receipts out as events.
 *
 * Dispatch: submit() queues a job (one per message); pump() hands the head job's next part to
 * the next session with a free window slot, as long as the tps limiter allows. A job has at most
 * one part outstanding, so the parts of a message reach the SMSC in order while different
 * messages share the windows. Continuations (part n+1 after part n's resp) go before new
 * messages, so a started message finishes first.
 */

import type { PDU } from "smpp"
import type {
  Connector,
  ConnectorDeps,
  ConnectorError,
  ConnectorHealth,
  ConnectorState,
  OutboundMessage,
  SubmitOutcome,
  SubmitPartResult,
} from "../connectors/connector.ts"
import { submitStatusError } from "./command-status.ts"
import { JobQueue } from "./job-queue.ts"
import { type SmppConnectorOptions, type SmppTimings, smppTimings } from "./options.ts"
import { isReceipt, parseReceiptPdu } from "./receipt-pdu.ts"
import {
  type SessionCounters,
  type SessionListener, type SessionState, SmppSession, type SubmitJob } from "./session.ts"
import { type Address, buildSubmitSm, destinationAddress, sourceAddress } from "./submit-pdu.ts"
import { TpsLimiter } from "./tps-limiter.ts"

const ESME_RTHROTTLED = 0x58
/**
 * After ESME_RTHROTTLED the whole connector pauses this long (Kannel's throttling-err-time):
 * the SMSC counts differently from our limiter, and hammering it only earns more rejections.
 */
const THROTTLE_PAUSE_MS = 1000

/** The sessions' counters summed, plus what only the connector sees. */
export interface SmppConnectorStats extends SessionCounters {
  submitted: number
  receipts: number
  receiptsUnparsed: number
  moIgnored: number
}

export interface SmppConnector extends Connector {
  stats(): SmppConnectorStats
}

class MessageJob implements SubmitJob {
  deadline = 0
  sequence = 0
  /** Index into message.parts of the part to send next. */
  next = 0
  readonly results: SubmitPartResult[] = []

  constructor(
    readonly message: OutboundMessage,
    readonly source: Address,
    readonly destination: Address,
    readonly resolve: (outcome: SubmitOutcome) => void,
    public queuedAt: number,
  ) {}
}

export function createSmppConnector(
  options: SmppConnectorOptions,
  deps: ConnectorDeps,
): SmppConnector {
  return new SmppCarrierConnector(options, deps)
}

class SmppCarrierConnector implements SmppConnector, SessionListener<MessageJob> {
  readonly id: string
  readonly type = "smpp"
  private readonly timings: SmppTimings
  private readonly sessions: SmppSession<MessageJob>[] = []
  private readonly limiter: TpsLimiter
  private readonly queue = new JobQueue<MessageJob>()
  /** sessions × window × 2: enough queued work to refill every window once. */
  private readonly maxPending: number
  private readonly counters = { submitted: 0, receipts: 0, receiptsUnparsed: 0, moIgnored: 0 }
  /** Part outcomes for health(): accepted, refused (any error) and throttle answers. */
  private readonly outcomes = { sent: 0, failed: 0, throttled: 0 }
  private readonly log: ConnectorDeps["logger"]
  private pending = 0
  private boundCount = 0
  private roundRobin = 0
  private pumping = false
  private started = false
  private stopped = false
  private hadFailure = false
  private unboundSince: number | null = null
  private throttledUntil = 0
  private lastError: string | null = null
  private tickTimer: ReturnType<typeof setInterval> | null = null
  private wakeTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly options: SmppConnectorOptions,
    private readonly deps: ConnectorDeps,
  ) {
    this.id = options.id
    this.timings = smppTimings(options)
    this.limiter = new TpsLimiter(options.tps)
    const sessions = Math.max(1, options.sessions)
    this.maxPending = sessions * Math.max(1, options.window) * 2
    this.log = deps.logger.child({ connector: options.id })
    for (let i = 0; i < sessions; i++) {
      this.sessions.push(new SmppSession(i, options, this.timings, deps.clock, this.log, this))
    }
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return
    this.started = true
    this.unboundSince = this.deps.clock.now()
    this.tickTimer = setInterval(() => this.tick(), this.timings.tickMs)
    for (const session of this.sessions) session.start()
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.failQueued({ code: "stopped", temporary: true, message: "connector stopped" })
    await Promise.all(this.sessions.map((session) => session.stop()))
    this.failQueued({ code: "stopped", temporary: true, message: "connector stopped" })
    if (this.tickTimer !== null) clearInterval(this.tickTimer)
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer)
    this.tickTimer = null
    this.wakeTimer = null
  }

  submit(message: OutboundMessage): Promise<SubmitOutcome> {
    const first = message.parts[0]
    if (first === undefined) return Promise.resolve({ parts: [] })
    const now = this.deps.clock.now()
    const refusal: ConnectorError | null = this.stopped
      ? { code: "stopped", temporary: true, message: "connector stopped" }
      : this.pending >= this.maxPending
        ? this.boundCount === 0
          ? { code: "not_bound", temporary: true, message: "no bound session and queue full" }
          : { code: "saturated", temporary: true, message: `${this.pending} messages pending` }
        : null
    if (refusal !== null) {
      return Promise.resolve({
        parts: [{ index: first.index, ok: false, error: refusal, at: now }],
      })
    }
    const source = sourceAddress(message.from, this.options)
    const destination = destinationAddress(message.to)
    this.pending++
    return new Promise((resolve) => {
      this.queue.pushNew(new MessageJob(message, source, destination, resolve, now))
      this.pump()
    })
  }

  capacity(): number {
    if (this.stopped || this.boundCount === 0) return 0
    return Math.max(0, this.maxPending - this.pending)
  }

  health(): ConnectorHealth {
    let used = 0
    let boundWithRoom = 0
    for (const session of this.sessions) {
      used += session.window.used
      if (session.canSubmit) boundWithRoom++
    }
    return {
      id: this.id,
      type: this.type,
      state: this.state(boundWithRoom),
      usable: !this.stopped && this.boundCount > 0,
      sessions: { configured: this.sessions.length, bound: this.boundCount },
      window: { size: this.sessions.length * Math.max(1, this.options.window), used },
      tps: this.options.tps,
      pending: this.pending,
      lastError: this.lastError,
      counters: { ...this.outcomes, receipts: this.counters.receipts, inbound: 0 },
      details: { host: this.options.host, port: this.options.port },
    }
  }

  stats(): SmppConnectorStats {
    const totals = {
      ...this.counters,
      binds: 0,
      bindsRejected: 0,
      connectionsLost: 0,
      genericNacks: 0,
      malformedPdus: 0,
      lateResponses: 0,
    }
    for (const { counters } of this.sessions) {
      totals.binds += counters.binds
      totals.bindsRejected += counters.bindsRejected
      totals.connectionsLost += counters.connectionsLost
      totals.genericNacks += counters.genericNacks
      totals.malformedPdus += counters.malformedPdus
      totals.lateResponses += counters.lateResponses
    }
    return totals
  }

  // --- SessionListener ---

  stateChanged(session: SmppSession<MessageJob>, from: SessionState, to: SessionState): void {
    const now = this.deps.clock.now()
    if (to === "bound") {
      this.boundCount++
      this.hadFailure = false
      this.unboundSince = null
      this.pump()
    } else if (from === "bound") {
      this.boundCount--
      if (this.boundCount === 0) this.unboundSince = now
    }
    if (to === "closed" && !this.stopped) {
      this.hadFailure = true
      this.lastError = session.lastError
    }
  }

  submitAnswered(_: SmppSession<MessageJob>, job: MessageJob, status: number, id: string): void {
    const part = job.message.parts[job.next]!
    const at = this.deps.clock.now()
    if (status !== 0) {
      if (status === ESME_RTHROTTLED) {
        this.throttledUntil = at + THROTTLE_PAUSE_MS
        this.outcomes.throttled++
      }
      this.fail(job, submitStatusError(status), at)
    } else {
      job.results.push({ index: part.index, ok: true, carrierId: id, at })
      this.outcomes.sent++
      job.next++
      if (job.next === job.message.parts.length) {
        this.settle(job)
      } else if (this.stopped) {
        this.fail(job, { code: "stopped", temporary: true, message: "connector stopped" }, at)
      } else {
        job.queuedAt = at
        this.queue.pushContinuation(job)
      }
    }
    this.pump()
  }

  submitFailed(_: SmppSession<MessageJob>, job: MessageJob, error: ConnectorError): void {
    this.fail(job, error, this.deps.clock.now())
    this.pump()
  }

  received(_: SmppSession<MessageJob>, pdu: PDU): void {
    const esmClass = typeof pdu.esm_class === "number" ? pdu.esm_class : 0
    if (!isReceipt(esmClass)) {
      // TODO(inbound stage): hand MO deliver_sm to an `inbound` event once core/inbound exists.
      this.counters.moIgnored++
      this.log.info({ command: pdu.command, esm_class: esmClass }, "mo_ignored")
      return
    }
    const receipt = parseReceiptPdu(pdu, this.id)
    if (receipt === null) {
      this.counters.receiptsUnparsed++
      this.log.warn({ command: pdu.command, sequence: pdu.sequence_number }, "receipt unparseable")
      return
    }
    this.counters.receipts++
    try {
      this.deps.events.receipt(receipt)
    } catch (error) {
      this.log.error({ err: error, carrierId: receipt.carrierId }, "receipt handler failed")
    }
  }

  // --- dispatch ---

  private pump(): void {
    if (this.pumping || this.stopped) return
    this.pumping = true
    try {
      for (;;) {
        const job = this.queue.peek()
        if (job === undefined) return
        const session = this.nextSession()
        if (session === null) return
        const now = this.deps.clock.now()
        const wait = Math.max(this.throttledUntil - now, this.limiter.delayMs(now))
        if (wait > 0) {
          this.wakeIn(wait)
          return
        }
        this.queue.shift()
        this.send(session, job, now)
      }
    } finally {
      this.pumping = false
    }
  }

  private send(session: SmppSession<MessageJob>, job: MessageJob, now: number): void {
    const { message } = job
    const part = message.parts[job.next]!
    const built = buildSubmitSm(message, part, job.source, job.destination, this.options)
    if (!built.ok) {
      this.fail(job, built.error, now)
      return
    }
    if (built.replaced > 0) {
      this.log.warn(
        { messageId: message.id, part: part.index, replaced: built.replaced },
        `characters outside ${this.options.default_encoding} replaced with "?"`,
      )
    }
    this.limiter.tryAcquire(now)
    if (session.submit(job, built.fields)) {
      this.counters.submitted++
    } else {
      // The socket went away under us; its close event is on its way. Try again elsewhere.
      this.queue.pushContinuation(job)
    }
  }

  private nextSession(): SmppSession<MessageJob> | null {
    const count = this.sessions.length
    for (let i = 0; i < count; i++) {
      const index = (this.roundRobin + i) % count
      const session = this.sessions[index]!
      if (session.canSubmit) {
        this.roundRobin = (index + 1) % count
        return session
      }
    }
    return null
  }

  private wakeIn(delayMs: number): void {
    if (this.wakeTimer !== null) return
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null
      this.pump()
    }, Math.ceil(delayMs))
  }

  private tick(): void {
    const now = this.deps.clock.now()
    for (const session of this.sessions) session.tick(now)
    // Queued messages wait for a bind at most one response timeout (`not_bound`).
    if (this.boundCount === 0 && this.unboundSince !== null) {
      const cutoff = now - this.timings.responseTimeoutMs
      if (this.unboundSince <= cutoff) {
        const error: ConnectorError = {
          code: "not_bound",
          temporary: true,
          message: `no session bound within ${this.timings.responseTimeoutMs} ms`,
        }
        for (const job of this.queue.expire(cutoff)) this.fail(job, error, now)
      }
    }
    this.pump()
  }

  private failQueued(error: ConnectorError): void {
    const now = this.deps.clock.now()
    for (const job of this.queue.drain()) this.fail(job, error, now)
  }

  private fail(job: MessageJob, error: ConnectorError, at: number): void {
    const part = job.message.parts[job.next]!
    job.results.push({ index: part.index, ok: false, error, at })
    this.outcomes.failed++
    this.settle(job)
  }

  private settle(job: MessageJob): void {
    this.pending--
    job.resolve({ parts: job.results })
  }

  private state(boundWithRoom: number): ConnectorState {
    if (this.stopped) return "stopped"
    if (this.boundCount === 0) return this.hadFailure ? "down" : "connecting"
    if (boundWithRoom === 0 || this.pending >= this.maxPending) return "saturated"
    if (this.deps.clock.now() < this.throttledUntil) return "throttled"
    return "bound"
  }
}
