/**
 * One bind_transceiver session to the SMSC: an explicit, logged state machine around one npm
 * `smpp` client Session (which frames PDUs and nothing else).
 *
 *   closed → connecting → binding → bound → unbinding → closed
 *
 * Everything that can hang has a deadline, checked by tick() (the connector's one sweep timer):
 * TCP/TLS connect and bind_transceiver_resp, each submit_sm_resp, enquire_link_resp and
 * unbind_resp. A lost or refused bind reconnects with capped exponential backoff and jitter.
 * The library's own response-callback map is never used: it has no timeouts and grows forever
 * when a peer does not answer; responses are matched here by sequence_number instead.
 */
import smpp, { type Session as LibSession, type PDU } from "smpp"
import "./library-tlvs.ts"
import type { ConnectorError } from "../connectors/connector.ts"
import { backoffDelay } from "../lib/backoff.ts"
import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"
import * as command from "./command-ids.ts"
import {
  commandStatusName,
  ESME_RINVCMDID,
  ESME_RINVCMDLEN,
  ESME_RINVOPTPARSTREAM,
  ESME_RX_T_APPN,
} from "./command-status.ts"
import { FrameError, FrameReader } from "./frame-reader.ts"
import {
  deliverRespFrame,
  genericNackFrame,
  type ReceiptDeliverSm,
  readReceiptDeliverSm,
  readSubmitResp,
  submitSmFrame,
} from "./hot-frames.ts"
import { InFlight } from "./in-flight.ts"
import type { SmppConnectorOptions, SmppTimings } from "./options.ts"
import { PduWriter } from "./pdu-writer.ts"
import type { SubmitSmFields } from "./submit-pdu.ts"

/** A deliver_sm or data_sm: a library PDU, or a receipt read straight from bytes (hot-frames.ts). */
export type ReceivedPdu = PDU | ReceiptDeliverSm

export type SessionState = "closed" | "connecting" | "binding" | "bound" | "unbinding"

/** A submit_sm waiting for its response; the connector's job object itself, not a wrapper. */
export interface SubmitJob {
  deadline: number
  sequence: number
}

export interface SessionListener<J extends SubmitJob> {
  /** `reason` on a close: connection_lost, bind_rejected, unbound or stopped. */
  stateChanged(
    session: SmppSession<J>,
    from: SessionState,
    to: SessionState,
    reason: string | null,
  ): void
  /** submit_sm_resp or generic_nack for an outstanding submit_sm. */
  submitAnswered(session: SmppSession<J>, job: J, status: number, messageId: string): void
  /** No answer: deadline passed, connection lost or session stopped. */
  submitFailed(session: SmppSession<J>, job: J, error: ConnectorError): void
  /**
   * deliver_sm or data_sm: the command_status to answer it with, now or once known (an MO is
   * acknowledged only after it is stored). A rejected promise answers ESME_RX_T_APPN.
   */
  received(session: SmppSession<J>, pdu: ReceivedPdu): number | Promise<number>
}

export interface SessionCounters {
  binds: number
  bindsRejected: number
  connectionsLost: number
  genericNacks: number
  malformedPdus: number
  lateResponses: number
  /** Connection attempts after the first one. */
  reconnects: number
  /** deliver_sm / data_sm answers not sent: the connection they came on had closed meanwhile. */
  answersDropped: number
}

/** SMPP 3.4 §5.2.4: 0x34 = version 3.4. */
const INTERFACE_VERSION = 0x34
/** SMPP 3.4 §3.2: sequence_number runs 0x00000001–0x7FFFFFFF. */
const MAX_SEQUENCE = 0x7fffffff

export class SmppSession<J extends SubmitJob> {
  readonly index: number
  readonly window: InFlight<J>
  readonly counters: SessionCounters = {
    binds: 0,
    bindsRejected: 0,
    connectionsLost: 0,
    genericNacks: 0,
    malformedPdus: 0,
    lateResponses: 0,
    reconnects: 0,
    answersDropped: 0,
  }
  state: SessionState = "closed"
  lastError: string | null = null

  private lib: LibSession | null = null
  private writer: PduWriter | null = null
  private sequence = 0
  private bindSequence = 0
  private enquireSequence = 0
  private enquireDeadline = 0
  private nextEnquireAt = 0
  private stateDeadline = 0
  private attempt = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null
  private stopping = false
  private closeReason = "connection_lost"
  private readonly closedWaiters: (() => void)[] = []
  private readonly logger: Logger

  constructor(
    index: number,
    private readonly options: SmppConnectorOptions,
    private readonly timings: SmppTimings,
    private readonly clock: Clock,
    logger: Logger,
    private readonly listener: SessionListener<J>,
  ) {
    this.index = index
    this.window = new InFlight<J>(options.window)
    this.logger = logger.child({ session: index })
  }

  /** Bound, with a free window slot and a socket that still takes writes. */
  get canSubmit(): boolean {
    return this.state === "bound" && !this.window.full && this.writer?.writable === true
  }

  start(): void {
    this.stopping = false
    if (this.state === "closed" && this.reconnectTimer === null) this.connect()
  }

  /** Sends submit_sm; false if the socket is gone (the job was not sent). */
  submit(job: J, fields: SubmitSmFields): boolean {
    const lib = this.lib
    if (lib === null || this.state !== "bound") return false
    const sequence = this.nextSequence()
    job.sequence = sequence
    job.deadline = this.clock.now() + this.timings.responseTimeoutMs
    this.window.add(sequence, job)
    if (this.writer?.writeFrame(submitSmFrame(fields, sequence))) return true
    this.window.take(sequence)
    this.drop("socket not writable")
    return false
  }

  /** Unbinds (SMPP 3.4 §4.2) and stays closed; resolves once the socket is closed. */
  stop(): Promise<void> {
    this.stopping = true
    this.closeReason = "stopped"
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer)
      this.reconnectTimer = null
    }
    if (this.state === "closed") return Promise.resolve()
    const closed = new Promise<void>((resolve) => this.closedWaiters.push(resolve))
    if (this.state === "bound") {
      this.transition("unbinding", "stop")
      this.stateDeadline = this.clock.now() + this.timings.unbindGraceMs
      this.sendRequest("unbind")
    } else if (this.state !== "unbinding") {
      this.lib?.destroy()
    }
    return closed
  }

  /** Expires deadlines and keeps the link alive; called by the connector's sweep timer. */
  tick(now: number): void {
    switch (this.state) {
      case "connecting":
      case "binding":
        if (now >= this.stateDeadline) this.drop(`${this.state} timed out`)
        return
      case "unbinding":
        this.expireSubmits(now)
        if (now >= this.stateDeadline) this.lib?.destroy()
        return
      case "bound":
        this.expireSubmits(now)
        if (this.enquireSequence !== 0) {
          if (now >= this.enquireDeadline) this.drop("enquire_link_resp timed out")
        } else if (now >= this.nextEnquireAt) {
          this.enquireSequence = this.sendRequest("enquire_link")
          this.enquireDeadline = now + this.timings.responseTimeoutMs
          this.nextEnquireAt = now + this.timings.enquireLinkMs
        }
        return
      case "closed":
        return
    }
  }

  private connect(): void {
    this.transition("connecting", null)
    this.stateDeadline = this.clock.now() + this.timings.responseTimeoutMs
    this.closeReason = "connection_lost"
    const { host, port, tls } = this.options
    const lib = smpp.connect({ host, port, tls, servername: tls ? host : undefined })
    this.lib = lib
    this.writer = new PduWriter(lib.socket)
    // Frames are read here (frame-reader.ts), not by the library's stream reader.
    lib.socket.removeAllListeners("readable")
    const reader = new FrameReader(smpp.PDU.maxLength)
    // Handlers check `this.lib === lib` so a late event of a previous connection is ignored.
    lib.on(tls ? "secureConnect" : "connect", () => this.lib === lib && this.onConnected(lib))
    lib.socket.on("data", (chunk: Buffer) => this.lib === lib && this.onData(lib, reader, chunk))
    lib.on("error", (error: Error) => this.onError(lib, error))
    lib.on("close", () => this.lib === lib && this.onClose())
  }

  private onConnected(lib: LibSession): void {
    lib.socket.setNoDelay(true)
    this.transition("binding", null)
    this.stateDeadline = this.clock.now() + this.timings.responseTimeoutMs
    this.bindSequence = this.sendRequest("bind_transceiver", {
      system_id: this.options.system_id,
      password: this.options.password,
      system_type: this.options.system_type,
      interface_version: INTERFACE_VERSION,
      addr_ton: 0,
      addr_npi: 0,
      address_range: "",
    })
  }

  /**
   * Bytes from the socket: each whole PDU is handled in order. A command_length out of range
   * makes the connection unusable (the next PDU boundary is unknown): onError closes it and the
   * session rebinds. A whole PDU the library cannot decode is answered and skipped
   * (onUndecodable); the bind stays.
   */
  private onData(lib: LibSession, reader: FrameReader, chunk: Buffer): void {
    try {
      reader.push(chunk, (frame) => {
        this.onFrame(lib, frame)
        return this.lib === lib
      })
    } catch (error) {
      this.onError(lib, error as Error)
    }
  }

  private onFrame(lib: LibSession, frame: Buffer): void {
    if (frame.readUInt32BE(4) === command.SUBMIT_SM_RESP) {
      const resp = readSubmitResp(frame)
      this.handle("submit_sm_resp", () =>
        this.onSubmitResp(resp.sequence, resp.status, resp.messageId),
      )
      return
    }
    if (frame.readUInt32BE(4) === command.DELIVER_SM) {
      // null: an MO, or anything the library should judge (a UDH, a field past the end).
      const receipt = readReceiptDeliverSm(frame)
      if (receipt) {
        this.handle("deliver_sm", () => this.onDeliver(lib, receipt))
        return
      }
    }
    let pdu: PDU
    try {
      pdu = new smpp.PDU(frame)
    } catch (error) {
      this.onUndecodable(frame, error as Error)
      return
    }
    this.handle(pdu.command, () => this.dispatch(lib, pdu))
  }

  /**
   * A whole frame whose body the library cannot decode (a TLV running past the end, §3.2.4).
   * Framing is ours, so the next PDU starts where this one ends: the request is answered with
   * an error and skipped, and the session stays. Dropping the bind instead would only bring the
   * same PDU back after the rebind, again and again. A response we cannot read is skipped: what
   * it answered times out.
   */
  private onUndecodable(frame: Buffer, error: Error): void {
    const commandId = frame.readUInt32BE(4)
    const sequence = frame.readUInt32BE(12)
    this.counters.malformedPdus++
    this.logger.warn(
      { err: error, command_id: `0x${commandId.toString(16).padStart(8, "0")}`, sequence },
      "smpp pdu could not be decoded; answered with an error and skipped",
    )
    if ((commandId & command.RESPONSE_BIT) !== 0) return
    this.writer?.writeFrame(
      commandId === command.DELIVER_SM || commandId === command.DATA_SM
        ? deliverRespFrame(commandId, ESME_RINVOPTPARSTREAM, sequence)
        : genericNackFrame(ESME_RINVCMDLEN, sequence),
    )
  }

  // A throw while handling one well-formed PDU is that PDU's fault, not the connection's: it is
  // logged and counted, and the next PDU is handled.
  private handle(commandName: string, fn: () => void): void {
    try {
      fn()
    } catch (error) {
      this.counters.malformedPdus++
      this.logger.error({ err: error, command: commandName }, "smpp pdu handling failed")
    }
  }

  private dispatch(lib: LibSession, pdu: PDU): void {
    switch (pdu.command_id) {
      case command.DELIVER_SM:
      case command.DATA_SM:
        this.onDeliver(lib, pdu)
        return
      case command.ENQUIRE_LINK:
        this.write(pdu.response())
        return
      case command.ENQUIRE_LINK_RESP:
        if (pdu.sequence_number === this.enquireSequence) this.enquireSequence = 0
        return
      case command.BIND_TRANSCEIVER_RESP:
        this.onBindResp(lib, pdu)
        return
      case command.UNBIND:
        // SMPP 3.4 §4.2: answer, then the SMSC closes; end() flushes the unbind_resp first.
        this.write(pdu.response())
        this.writer?.flush()
        this.closeReason = "unbound"
        this.lastError = "unbind from SMSC"
        if (this.state !== "unbinding") {
          this.transition("unbinding", "unbind from SMSC")
          this.stateDeadline = this.clock.now() + this.timings.unbindGraceMs
        }
        lib.close()
        return
      case command.UNBIND_RESP:
        if (this.state === "unbinding") lib.destroy()
        return
      case command.GENERIC_NACK:
        this.onGenericNack(lib, pdu)
        return
      case command.ALERT_NOTIFICATION:
        // SMPP 3.4 §4.12.1: no response is sent.
        return
      default:
        this.onUnexpected(pdu)
        return
    }
  }

  private onDeliver(lib: LibSession, pdu: ReceivedPdu): void {
    let answer: number | Promise<number>
    try {
      answer = this.listener.received(this, pdu)
    } catch (error) {
      this.logger.error({ err: error, command: pdu.command }, "deliver_sm handling failed")
      answer = ESME_RX_T_APPN
    }
    if (typeof answer === "number") {
      this.answer(lib, pdu, answer)
      return
    }
    answer.then(
      (status) => this.answer(lib, pdu, status),
      (error: unknown) => {
        this.logger.error({ err: error, command: pdu.command }, "deliver_sm handling failed")
        this.answer(lib, pdu, ESME_RX_T_APPN)
      },
    )
  }

  /** Answers on the connection the request came on; after a reconnect the SMSC redelivers. */
  private answer(lib: LibSession, pdu: ReceivedPdu, status: number): void {
    if (
      this.lib !== lib ||
      !this.writer?.writeFrame(deliverRespFrame(pdu.command_id, status, pdu.sequence_number))
    ) {
      this.counters.answersDropped++
      this.logger.debug(
        { command: pdu.command, sequence: pdu.sequence_number, status },
        "answer dropped: its connection is gone",
      )
    }
  }

  private onSubmitResp(sequence: number, status: number, messageId: string): void {
    const job = this.window.take(sequence)
    if (job === undefined) {
      // Answered after its deadline: the part was already failed with `timeout`.
      this.counters.lateResponses++
      this.logger.debug({ sequence, status }, "late submit_sm_resp ignored")
      return
    }
    this.listener.submitAnswered(this, job, status, messageId)
  }

  private onBindResp(lib: LibSession, pdu: PDU): void {
    if (this.state !== "binding" || pdu.sequence_number !== this.bindSequence) return
    if (pdu.command_status === 0) {
      this.counters.binds++
      this.attempt = 0
      this.lastError = null
      this.nextEnquireAt = this.clock.now() + this.timings.enquireLinkMs
      this.transition("bound", null)
      return
    }
    this.rejectBind(lib, `bind_transceiver_resp ${commandStatusName(pdu.command_status)}`)
  }

  private rejectBind(lib: LibSession, reason: string): void {
    this.counters.bindsRejected++
    this.lastError = reason
    this.closeReason = "bind_rejected"
    this.logger.warn({ reason }, "smpp bind rejected")
    lib.destroy()
  }

  private onGenericNack(lib: LibSession, pdu: PDU): void {
    const sequence = pdu.sequence_number
    const status = pdu.command_status
    if (this.state === "binding" && sequence === this.bindSequence) {
      this.rejectBind(lib, `generic_nack ${commandStatusName(status)}`)
      return
    }
    this.counters.genericNacks++
    this.logger.warn({ sequence, status: commandStatusName(status) }, "smpp generic_nack")
    if (sequence === this.enquireSequence) {
      this.enquireSequence = 0
      return
    }
    const job = this.window.take(sequence)
    if (job !== undefined) {
      // SMPP 3.4 §4.3: a nack of our submit_sm; some SMSCs throttle this way.
      this.listener.submitAnswered(this, job, status === 0 ? ESME_RINVCMDID : status, "")
    }
  }

  private onUnexpected(pdu: PDU): void {
    this.counters.malformedPdus++
    const isRequest = (pdu.command_id & command.RESPONSE_BIT) === 0
    this.logger.warn(
      { command: pdu.command, command_id: pdu.command_id, sequence: pdu.sequence_number },
      "unexpected smpp pdu",
    )
    if (!isRequest) return
    // SMPP 3.4 §4.3.1: generic_nack for an unknown command_id; a known but unsupported
    // request gets its own response with ESME_RINVCMDID.
    const nack =
      pdu.command === "unknown" ? pdu.response() : pdu.response({ command_status: ESME_RINVCMDID })
    this.write(nack)
  }

  private onError(lib: LibSession, error: Error): void {
    // Socket errors, and a command_length that cannot be right (onData): past it, the next PDU
    // boundary is unknown, so the connection is unrecoverable.
    if (this.lib === lib) {
      this.lastError = error.message
      // A whole PDU the library cannot decode never gets here (onUndecodable answers it).
      const malformed = error instanceof FrameError
      if (malformed) this.counters.malformedPdus++
      this.logger.warn({ err: error, state: this.state, malformed }, "smpp connection error")
    }
    lib.destroy()
  }

  private onClose(): void {
    this.lib = null
    this.writer = null
    this.enquireSequence = 0
    const reason = this.closeReason
    if (reason === "connection_lost") this.counters.connectionsLost++
    if (reason === "connection_lost" && this.lastError === null) this.lastError = "connection lost"
    const failed = this.window.drain()
    this.transition("closed", reason)
    const error: ConnectorError = {
      code: this.stopping ? "stopped" : "connection_lost",
      temporary: true,
      message: this.stopping ? "connector stopped" : `session ${this.index} ${reason}`,
    }
    for (const job of failed) this.listener.submitFailed(this, job, error)
    if (this.stopping) {
      for (const resolve of this.closedWaiters.splice(0)) resolve()
      return
    }
    const delay = backoffDelay(this.attempt++, {
      baseMs: this.timings.reconnectMinMs,
      capMs: this.timings.reconnectMaxMs,
    })
    this.logger.info({ delayMs: delay, attempt: this.attempt }, "smpp reconnect scheduled")
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null
      if (this.stopping) return
      this.counters.reconnects++
      this.connect()
    }, delay)
  }

  private drop(reason: string): void {
    this.lastError = reason
    this.logger.warn({ reason, state: this.state }, "smpp session dropped")
    this.lib?.destroy()
  }

  private expireSubmits(now: number): void {
    const expired = this.window.expire(now)
    if (expired === null) return
    const error: ConnectorError = {
      code: "timeout",
      temporary: true,
      message: `no submit_sm_resp within ${this.timings.responseTimeoutMs} ms`,
    }
    for (const job of expired) this.listener.submitFailed(this, job, error)
  }

  private sendRequest(command: string, fields?: Record<string, unknown>): number {
    const pdu = new smpp.PDU(command, fields)
    const sequence = this.nextSequence()
    pdu.sequence_number = sequence
    this.write(pdu)
    return sequence
  }

  private write(pdu: PDU): boolean {
    return this.writer?.write(pdu) ?? false
  }

  private nextSequence(): number {
    this.sequence = this.sequence === MAX_SEQUENCE ? 1 : this.sequence + 1
    return this.sequence
  }

  private transition(to: SessionState, reason: string | null): void {
    const from = this.state
    if (from === to) return
    this.state = to
    this.logger.info({ from, to, reason }, `smpp session ${to}`)
    this.listener.stateChanged(this, from, to, reason)
  }
}
