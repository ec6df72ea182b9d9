/**
 * An SMPP carrier account as a Connector: `sessions` bind_transceiver sessions, a window of
 * outstanding submit_sm per session, one tps cap across them that adapts to the carrier's
 * throttling, delivery receipts and MO messages out as events.
 *
 * Dispatch: submit() queues a job (one per message); pump() hands the head job's next part to
 * the next session with a free window slot, as long as the tps limiter allows. A job has at most
 * one part outstanding, so the parts of a message reach the SMSC in order while different
 * messages share the windows. Continuations (part n+1 after part n's resp) go before new
 * messages, so a started message finishes first.
 */

import {
  type Connector,
  type ConnectorDeps,
  type ConnectorError,
  type ConnectorHealth,
  type ConnectorState,
  isUsable,
  type OutboundMessage,
  refusedOutcome,
  type SubmitOutcome,
  type SubmitPartResult,
} from "../connectors/connector.ts"
import {
  commandStatusName,
  ESME_RMSGQFUL,
  ESME_RTHROTTLED,
  ESME_RX_T_APPN,
  submitStatusError,
} from "./command-status.ts"
import { BindTracker, connectorState } from "./connector-state.ts"
import { JobQueue } from "./job-queue.ts"
import { type MoCounters, MoReceiver } from "./mo-receiver.ts"
import { type SmppConnectorOptions, type SmppTimings, smppTimings } from "./options.ts"
import { isReceipt, parseReceiptPdu } from "./receipt-pdu.ts"
import { SendPacer } from "./send-pacer.ts"
import {
  type ReceivedPdu,
  type SessionCounters,
  type SessionListener,
  type SessionState,
  SmppSession,
  type SubmitJob,
} from "./session.ts"
import { type Address, buildSubmitSm, destinationAddress, sourceAddress } from "./submit-pdu.ts"

/** The sessions' counters summed, plus what only the connector sees. */
export interface SmppConnectorStats extends SessionCounters, MoCounters {
  submitted: number
  receipts: number
  receiptsUnparsed: number
}

export interface SmppConnector extends Connector {
  stats(): SmppConnectorStats
}

class MessageJob implements SubmitJob {
  deadline = 0
  sequence = 0
  /** When the outstanding part was sent (clock ms). */
  sentAt = 0
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

const STOPPED: ConnectorError = { code: "stopped", temporary: true, message: "connector stopped" }

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
  private readonly pacer: SendPacer
  private readonly mo: MoReceiver
  private readonly queue = new JobQueue<MessageJob>()
  /** sessions × window × 2: enough queued work to refill every window once. */
  private readonly maxPending: number
  private readonly counters = { submitted: 0, receipts: 0, receiptsUnparsed: 0 }
  /** Part outcomes for health(): accepted, refused (any error) and throttle answers. */
  private readonly outcomes = { sent: 0, failed: 0, throttled: 0 }
  private readonly log: ConnectorDeps["logger"]
  private pending = 0
  private roundRobin = 0
  private pumping = false
  private started = false
  private stopped = false
  private readonly binds: BindTracker
  private lastError: string | null = null
  private tickTimer: ReturnType<typeof setInterval> | null = null
  private wakeTimer: ReturnType<typeof setTimeout> | null = null

  constructor(
    private readonly options: SmppConnectorOptions,
    private readonly deps: ConnectorDeps,
  ) {
    this.id = options.id
    this.timings = smppTimings(options)
    this.pacer = new SendPacer(options.tps)
    const sessions = Math.max(1, options.sessions)
    this.maxPending = sessions * Math.max(1, options.window) * 2
    this.log = deps.logger.child({ connector: options.id })
    this.mo = new MoReceiver(
      {
        connectorId: options.id,
        defaultEncoding: options.default_encoding,
        country: options.country,
        reassemblyTimeoutMs: this.timings.moReassemblyTimeoutMs,
        reassemblyMaxParts: this.timings.moReassemblyMaxParts,
      },
      deps,
      this.log,
    )
    this.binds = new BindTracker(deps.clock.now())
    for (let i = 0; i < sessions; i++) {
      this.sessions.push(new SmppSession(i, options, this.timings, deps.clock, this.log, this))
    }
  }

  async start(): Promise<void> {
    if (this.started || this.stopped) return
    this.started = true
    this.binds.unboundSince = this.deps.clock.now()
    this.tickTimer = setInterval(() => this.tick(), this.timings.tickMs)
    for (const session of this.sessions) session.start()
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.mo.stop()
    this.failQueued(STOPPED)
    await Promise.all(this.sessions.map((session) => session.stop()))
    this.failQueued(STOPPED)
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
      ? STOPPED
      : this.pending >= this.maxPending
        ? this.binds.bound === 0
          ? { code: "not_bound", temporary: true, message: "no bound session and queue full" }
          : { code: "saturated", temporary: true, message: `${this.pending} messages pending` }
        : null
    if (refusal !== null) {
      this.outcomes.failed++
      return Promise.resolve(refusedOutcome(message, refusal, now))
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
    if (this.stopped || this.binds.bound === 0) return 0
    return Math.max(0, this.maxPending - this.pending)
  }

  status(): ConnectorState {
    return this.state(this.deps.clock.now())
  }

  private state(now: number): ConnectorState {
    let boundWithRoom = 0
    for (const session of this.sessions) if (session.canSubmit) boundWithRoom++
    return connectorState({
      stopped: this.stopped,
      boundSessions: this.binds.bound,
      boundWithRoom,
      queueFull: this.pending >= this.maxPending,
      throttled: this.pacer.isThrottled(now),
      consecutiveFailures: this.binds.consecutiveFailures,
      lastFailureRejected: this.binds.lastFailureRejected,
      unboundForMs: this.binds.unboundForMs(now),
      downGraceMs: this.timings.responseTimeoutMs,
    })
  }

  health(): ConnectorHealth {
    const now = this.deps.clock.now()
    let used = 0
    let bindsDone = 0
    let connectionsLost = 0
    let reconnects = 0
    for (const session of this.sessions) {
      used += session.window.used
      bindsDone += session.counters.binds
      connectionsLost += session.counters.connectionsLost
      reconnects += session.counters.reconnects
    }
    const state = this.state(now)
    return {
      id: this.id,
      type: this.type,
      state,
      usable: isUsable(state),
      sessions: { configured: this.sessions.length, bound: this.binds.bound },
      window: { size: this.sessions.length * Math.max(1, this.options.window), used },
      tps: this.options.tps,
      pending: this.pending,
      lastError: this.lastError,
      counters: {
        sent: this.outcomes.sent,
        failed: this.outcomes.failed,
        throttled: this.outcomes.throttled,
        receipts: this.counters.receipts,
        inbound: this.mo.inbound,
      },
      details: {
        host: this.options.host,
        port: this.options.port,
        configured_tps: this.options.tps,
        // 0 = no cap (tps = 0 and not throttled).
        effective_tps: this.pacer.effectiveTps(now),
        binds: bindsDone,
        connections_lost: connectionsLost,
        reconnects,
        last_bind_at: this.binds.lastBindAt,
        consecutive_failures: this.binds.consecutiveFailures,
        mo_held_parts: this.mo.heldParts,
      },
    }
  }

  stats(): SmppConnectorStats {
    const totals: SessionCounters = {
      binds: 0,
      bindsRejected: 0,
      connectionsLost: 0,
      genericNacks: 0,
      malformedPdus: 0,
      lateResponses: 0,
      reconnects: 0,
      answersDropped: 0,
    }
    for (const { counters } of this.sessions) {
      for (const key of Object.keys(totals) as (keyof SessionCounters)[]) {
        totals[key] += counters[key]
      }
    }
    return {
      ...totals,
      ...this.counters,
      ...this.mo.counters(),
    }
  }

  // --- SessionListener ---

  stateChanged(
    session: SmppSession<MessageJob>,
    from: SessionState,
    to: SessionState,
    reason: string | null,
  ): void {
    this.binds.transition(from, to, reason, this.deps.clock.now())
    if (to === "bound") this.pump()
    if (to === "closed" && !this.stopped) this.lastError = session.lastError
  }

  submitAnswered(_: SmppSession<MessageJob>, job: MessageJob, status: number, id: string): void {
    const part = job.message.parts[job.next]!
    const at = this.deps.clock.now()
    if (status !== 0) {
      if (status === ESME_RTHROTTLED || status === ESME_RMSGQFUL) this.throttledBy(job, status, at)
      this.fail(job, submitStatusError(status), at)
    } else {
      job.results.push({ index: part.index, ok: true, carrierId: id, at })
      this.outcomes.sent++
      job.next++
      if (job.next === job.message.parts.length) {
        this.settle(job)
      } else if (this.stopped) {
        this.fail(job, STOPPED, at)
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

  received(_: SmppSession<MessageJob>, pdu: ReceivedPdu): number | Promise<number> {
    const esmClass = typeof pdu.esm_class === "number" ? pdu.esm_class : 0
    if (!isReceipt(esmClass)) return this.mo.receive(pdu)
    // An unreadable receipt is answered 0: an error would only make the SMSC redeliver what we
    // cannot read.
    const receipt = parseReceiptPdu(pdu, this.id)
    if (receipt === null) {
      this.counters.receiptsUnparsed++
      this.log.warn({ command: pdu.command, sequence: pdu.sequence_number }, "receipt unparseable")
      return 0
    }
    // Answered once stored, as an MO is: the SMSC keeps a receipt until it is acknowledged, so a
    // crash before the commit gets it sent again, and a failed commit asks for that at once.
    let stored: Promise<void>
    try {
      stored = this.deps.events.receipt(receipt)
    } catch (error) {
      stored = Promise.reject(error)
    }
    return stored.then(
      () => {
        // Counted once stored: a receipt refused and sent again is one receipt.
        this.counters.receipts++
        return 0
      },
      (error: unknown) => {
        this.log.error({ err: error, carrierId: receipt.carrierId }, "storing a receipt failed")
        return ESME_RX_T_APPN
      },
    )
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
        const wait = this.pacer.delayMs(now)
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
    this.pacer.record(now)
    job.sentAt = now
    if (session.submit(job, built.fields)) {
      this.counters.submitted++
    } else {
      // The socket went away under us; its close event is on its way. Try again elsewhere.
      this.queue.pushContinuation(job)
    }
  }

  private throttledBy(job: MessageJob, status: number, at: number): void {
    this.outcomes.throttled++
    if (this.pacer.throttled(at, job.sentAt)) {
      this.log.warn(
        { status: commandStatusName(status), effectiveTps: this.pacer.effectiveTps(at) },
        "carrier throttled: send rate lowered",
      )
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
    this.mo.sweep(now)
    // Queued messages wait for a bind at most one response timeout (`not_bound`).
    if (this.binds.bound === 0) {
      const cutoff = now - this.timings.responseTimeoutMs
      if (this.binds.unboundSince <= cutoff) {
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
}
