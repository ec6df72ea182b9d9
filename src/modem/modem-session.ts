/**
 * One modem's lifecycle: closed → opening → initialising → ready → recovering → opening … Each
 * transition is logged. Opening runs stty and starts the reader; initialising runs the AT
 * sequence of modem-init.ts and waits for network registration; ready polls +CSQ, +CREG?, +COPS?
 * and +CPMS? for health; recovering closes everything and reopens after a capped, jittered
 * backoff when the device vanishes, stops answering, or initialisation fails.
 *
 * A SIM that needs a PIN we do not have, refuses the PIN, or wants its PUK halts the session
 * (state closed, `halted` set): retrying could lock the SIM, so that needs an operator.
 */
import { backoffDelay } from "../lib/backoff.ts"
import type { Logger } from "../lib/logger.ts"
import { type AtCommand, AtEngine, type AtResult } from "./at-engine.ts"
import { AtError } from "./at-errors.ts"
import type { FramerStats, Urc } from "./at-framer.ts"
import {
  isRegistered,
  parseCops,
  parseCregQuery,
  parseCsq,
  type Registration,
  registrationOf,
  signalFromRssi,
} from "./at-responses.ts"
import { Halt, initialiseModem, noteStorage, optional } from "./modem-init.ts"
import { SerialTransport } from "./serial-transport.ts"

export { STORAGE } from "./modem-init.ts"

export type SessionState = "closed" | "opening" | "initialising" | "ready" | "recovering"
export type SimState = "unknown" | "ready" | "pin_required" | "pin_error" | "absent"

export interface SessionFacts {
  sim: SimState
  registration: Registration
  rssi: number | null
  dbm: number | null
  operator: string | null
  /** The SIM's own number from +CNUM, when the SIM stores one. */
  ownNumber: string | null
  simUsed: number | null
  simTotal: number | null
  /** How status reports arrive, as +CNMI could be set: +CDS, +CDSI, or not at all. */
  statusReports: "cds" | "cdsi" | "none"
  /** The <mem1> storages +CPMS=? lists ("SM", "SR", …); empty when the modem refused to say. */
  readStorages: string[]
}

export interface SessionConfig {
  device: string
  baud: number
  pin: string | null
  smsc: string | null
  /** ISO 3166-1 alpha-2 for a +CNUM number in national format (addresses.ts); "" = as read. */
  country?: string
  commandTimeoutMs: number
  pollIntervalMs: number
  registrationTimeoutMs: number
  reopenMinMs: number
  reopenMaxMs: number
}

export interface SessionListener {
  stateChanged(from: SessionState, to: SessionState, reason: string): void
  urc(urc: Urc, line: string): void
  /** After each health poll while ready: the connector's housekeeping hook. */
  tick(): void
}

class Superseded extends Error {}

export class ModemSession {
  state: SessionState = "closed"
  halted = false
  lastError: string | null = null
  readonly facts: SessionFacts = {
    sim: "unknown",
    registration: "unknown",
    rssi: null,
    dbm: null,
    operator: null,
    ownNumber: null,
    simUsed: null,
    simTotal: null,
    statusReports: "none",
    readStorages: [],
  }
  private transport: SerialTransport | null = null
  private engine: AtEngine | null = null
  private generation = 0
  private attempt = 0
  private stopped = false
  private openFailures = 0
  /** PIN submissions since the SIM last said READY; never more than one (modem-init.ts). */
  private readonly pin = { attempts: 0 }
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private readonly sleepers = new Set<() => void>()
  private readonly closing = new Set<Promise<void>>()

  constructor(
    private readonly config: SessionConfig,
    private readonly log: Logger,
    private readonly listener: SessionListener,
  ) {}

  get ready(): boolean {
    return this.state === "ready"
  }

  get registered(): boolean {
    return isRegistered(this.facts.registration)
  }

  get framerStats(): FramerStats | null {
    return this.engine?.framer.stats ?? null
  }

  start(): void {
    if (this.stopped || this.state !== "closed" || this.halted) return
    this.beginOpen()
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.generation++
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    for (const wake of this.sleepers) wake()
    this.engine?.close("stopped", "connector stopped")
    const transport = this.transport
    this.transport = null
    if (transport) await transport.close()
    while (this.closing.size > 0) await Promise.all([...this.closing])
    this.setState("closed", "stopped")
  }

  /** Runs a command on a ready modem. */
  run(command: AtCommand): Promise<AtResult> {
    if (!this.engine || this.state !== "ready") {
      return Promise.reject(
        new AtError(
          this.stopped ? "stopped" : "device_lost",
          command.logAs ?? command.command,
          null,
          `modem ${this.state}`,
        ),
      )
    }
    return this.engine.run(command)
  }

  private setState(to: SessionState, reason: string): void {
    const from = this.state
    if (from === to) return
    this.state = to
    const level = to === "recovering" || (to === "closed" && this.halted) ? "warn" : "info"
    this.log[level]({ from, to, reason, device: this.config.device }, `modem session ${to}`)
    this.listener.stateChanged(from, to, reason)
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      fn()
    }, ms)
    this.timers.add(timer)
  }

  /** Resolves after `ms`, or earlier on stop or wake(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake)
        resolve()
      }
      this.sleepers.add(wake)
      this.later(ms, wake)
    })
  }

  private wake(): void {
    for (const wake of [...this.sleepers]) wake()
  }

  /** Opens in the background; stop() waits for an open in progress (its reader must not outlive stop). */
  private beginOpen(): void {
    this.track(this.open())
  }

  private async open(): Promise<void> {
    const generation = ++this.generation
    this.setState("opening", "opening device")
    let transport: SerialTransport
    try {
      transport = await SerialTransport.open(this.config.device, this.config.baud, {
        data: (chunk) => {
          if (this.transport === transport) this.engine?.feed(chunk)
        },
        closed: (reason) => {
          if (this.transport === transport) this.lose(`device lost: ${reason}`)
        },
      })
    } catch (error) {
      if (generation !== this.generation) return
      this.openFailures++
      const message = (error as Error).message
      // A missing device is the normal state of an unplugged modem: warn once per outage.
      if (this.openFailures === 1)
        this.log.warn(
          { device: this.config.device, reason: message },
          "modem device cannot be opened",
        )
      else
        this.log.debug(
          { device: this.config.device, reason: message },
          "modem device still cannot be opened",
        )
      this.scheduleReopen(message)
      return
    }
    if (generation !== this.generation) {
      await transport.close()
      return
    }
    this.openFailures = 0
    this.transport = transport
    this.engine = new AtEngine(
      (data) => transport.write(data),
      { commandTimeoutMs: this.config.commandTimeoutMs, logger: this.log },
      {
        urc: (urc, line) => this.onUrc(urc, line),
        unresponsive: () => this.lose("modem stopped answering"),
      },
    )
    this.setState("initialising", "device open")
    void this.initialise(generation)
  }

  private track(closing: Promise<void>): void {
    this.closing.add(closing)
    void closing.finally(() => this.closing.delete(closing))
  }

  /** The device failed or the modem went silent: close everything and reopen later. */
  private lose(reason: string): void {
    if (this.stopped || this.state === "recovering" || this.state === "closed") return
    this.generation++
    this.lastError = reason
    this.engine?.close("device_lost", reason)
    const transport = this.transport
    this.transport = null
    if (transport) this.track(transport.close())
    this.scheduleReopen(reason)
  }

  private scheduleReopen(reason: string): void {
    if (this.stopped) return
    this.lastError = reason
    this.setState("recovering", reason)
    const delay = backoffDelay(this.attempt++, {
      baseMs: this.config.reopenMinMs,
      capMs: this.config.reopenMaxMs,
    })
    this.later(delay, () => {
      if (!this.stopped && this.state === "recovering") this.beginOpen()
    })
  }

  private halt(reason: string): void {
    this.generation++
    this.halted = true
    this.lastError = reason
    this.engine?.close("stopped", reason)
    const transport = this.transport
    this.transport = null
    if (transport) this.track(transport.close())
    this.setState("closed", reason)
  }

  private onUrc(urc: Urc, line: string): void {
    if (urc.kind === "creg") {
      this.noteRegistration(urc.stat)
      this.wake()
    } else if (urc.kind === "rssi") {
      const signal = signalFromRssi(urc.rssi)
      this.facts.rssi = signal.rssi
      this.facts.dbm = signal.dbm
    } else if (urc.kind === "other" || urc.kind === "ring") {
      this.log.debug({ line }, "unsolicited modem line ignored")
    }
    this.listener.urc(urc, line)
  }

  private noteRegistration(stat: number): void {
    const registration = registrationOf(stat)
    if (registration !== this.facts.registration) {
      this.log.info(
        { from: this.facts.registration, to: registration },
        "modem registration changed",
      )
      this.facts.registration = registration
    }
  }

  /** A command of the init sequence or a poll, void once its generation is superseded. */
  private async at(generation: number, command: AtCommand): Promise<AtResult> {
    if (generation !== this.generation || !this.engine) throw new Superseded()
    const result = await this.engine.run(command)
    if (generation !== this.generation) throw new Superseded()
    return result
  }

  private async initialise(generation: number): Promise<void> {
    try {
      await initialiseModem({
        config: this.config,
        facts: this.facts,
        log: this.log,
        run: (command) => this.at(generation, command),
        sleep: (ms) => this.sleep(ms),
        noteRegistration: (stat) => this.noteRegistration(stat),
        registered: () => this.registered,
        pin: this.pin,
      })
      await this.poll(generation)
      this.attempt = 0
      this.lastError = null
      this.setState("ready", `registered (${this.facts.registration})`)
      this.schedulePoll(generation)
    } catch (error) {
      if (error instanceof Superseded || generation !== this.generation) return
      if (error instanceof Halt) {
        this.halt(error.message)
        return
      }
      this.lose(`initialisation failed: ${(error as Error).message}`)
    }
  }

  private async poll(generation: number): Promise<void> {
    const csq = parseCsq((await this.at(generation, { command: "AT+CSQ", expect: "+CSQ" })).lines)
    if (csq) {
      this.facts.rssi = csq.rssi
      this.facts.dbm = csq.dbm
    }
    const stat = parseCregQuery(
      (await this.at(generation, { command: "AT+CREG?", expect: "+CREG" })).lines,
    )
    if (stat !== null) this.noteRegistration(stat)
    const run = (command: AtCommand) => this.at(generation, command)
    const cops = await optional({ run, log: this.log }, "AT+COPS?")
    this.facts.operator = cops ? parseCops(cops.lines) : null
    const cpms = await optional({ run, log: this.log }, "AT+CPMS?")
    if (cpms) noteStorage(this.facts, cpms.lines)
  }

  private schedulePoll(generation: number): void {
    this.later(this.config.pollIntervalMs, () => {
      if (generation !== this.generation) return
      this.poll(generation)
        .catch((error) => {
          if (!(error instanceof Superseded))
            this.log.debug({ err: (error as Error).message }, "modem health poll failed")
        })
        .finally(() => {
          if (generation !== this.generation) return
          try {
            this.listener.tick()
          } catch (error) {
            this.log.error({ err: error }, "modem housekeeping failed")
          }
          this.schedulePoll(generation)
        })
    })
  }
}
