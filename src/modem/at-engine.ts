/**
 * The AT command channel of one open modem: one command in flight at a time (V.250 §5.2.4: a
 * DCE handles one command line at a time), a FIFO of waiting commands, one deadline per command,
 * the two-step +CMGS (command, "> " prompt, PDU + Ctrl-Z; TS 27.005 §3.5.1), and URC dispatch.
 *
 * After a timeout the modem may still answer the abandoned command, and that late OK would
 * complete the next command. So the engine resynchronises first: it sends a probe whose answer
 * is recognisable (AT+CSQ, or AT+CMEE? if the lost command was +CSQ) and drops every final
 * result until the probe's own response line has been seen. `maxConsecutiveTimeouts` timeouts
 * in a row (probes included) close the engine: the modem is unresponsive.
 */
import type { Logger } from "../lib/logger.ts"
import { AtError, type AtErrorKind } from "./at-errors.ts"
import { type AtFrame, AtFramer, type FinalResult, type Urc } from "./at-framer.ts"

const CTRL_Z = "\x1a"
const ESC = "\x1b"

export interface AtCommand {
  /** Without the trailing CR: "AT+CSQ". */
  command: string
  /**
   * The prefix of its information response, so such lines are not taken for URCs. Defaults to
   * the command's own name: "AT+CPMS=…" expects "+CPMS".
   */
  expect?: string
  /** Deadline for the final result (or, with `pdu`, for the prompt). */
  timeoutMs?: number
  /** +CMGS: hex PDU to send after the "> " prompt, terminated by Ctrl-Z. */
  pdu?: string
  /** Deadline for the final result after the PDU was sent. */
  pduTimeoutMs?: number
  /** How the command appears in logs and errors (to mask a PIN). */
  logAs?: string
}

export interface AtResult {
  /** Information response lines, in order (prefixed lines and bare ones such as PDUs). */
  lines: string[]
}

export interface AtEngineListener {
  urc(urc: Urc, line: string): void
  /** `maxConsecutiveTimeouts` reached; the engine has closed itself. */
  unresponsive(): void
}

export interface AtEngineOptions {
  commandTimeoutMs: number
  logger: Logger
  maxConsecutiveTimeouts?: number
}

export interface AtEngineStats {
  commands: number
  timeouts: number
  urcs: number
  strayLines: number
  strayFinals: number
  strayPrompts: number
  staleFinals: number
}

interface Pending {
  request: AtCommand
  label: string
  resolve(result: AtResult): void
  reject(error: AtError): void
}

interface InFlight extends Pending {
  phase: "prompt" | "final"
  lines: string[]
  timer: ReturnType<typeof setTimeout>
  /** Set for the internal resync probe. */
  probe: { prefix: string; seen: boolean } | null
}

export class AtEngine {
  readonly framer = new AtFramer()
  readonly stats: AtEngineStats = {
    commands: 0,
    timeouts: 0,
    urcs: 0,
    strayLines: 0,
    strayFinals: 0,
    strayPrompts: 0,
    staleFinals: 0,
  }
  private readonly queue: Pending[] = []
  private current: InFlight | null = null
  private needsSync = false
  private lastTimedOutPrefix: string | null = null
  private consecutiveTimeouts = 0
  private closed: AtError | null = null
  private readonly maxTimeouts: number

  constructor(
    private readonly write: (data: string) => void,
    private readonly options: AtEngineOptions,
    private readonly listener: AtEngineListener,
  ) {
    this.maxTimeouts = Math.max(1, options.maxConsecutiveTimeouts ?? 3)
  }

  get isClosed(): boolean {
    return this.closed !== null
  }

  /** Queued plus in flight. */
  get backlog(): number {
    return this.queue.length + (this.current && !this.current.probe ? 1 : 0)
  }

  run(request: AtCommand): Promise<AtResult> {
    const label = request.logAs ?? request.command
    if (this.closed)
      return Promise.reject(new AtError(this.closed.kind, label, null, this.closed.message))
    return new Promise((resolve, reject) => {
      this.queue.push({ request, label, resolve, reject })
      this.dispatch()
    })
  }

  feed(chunk: Uint8Array): void {
    if (this.closed) return
    for (const frame of this.framer.push(chunk)) this.onFrame(frame)
  }

  /** Rejects everything in flight or queued and refuses new commands. */
  close(kind: Extract<AtErrorKind, "device_lost" | "stopped" | "timeout">, detail: string): void {
    if (this.closed) return
    this.closed = new AtError(kind, "modem", null, detail)
    const current = this.current
    this.current = null
    if (current) {
      clearTimeout(current.timer)
      if (!current.probe) current.reject(new AtError(kind, current.label, null, detail))
    }
    for (const pending of this.queue.splice(0))
      pending.reject(new AtError(kind, pending.label, null, detail))
  }

  private dispatch(): void {
    if (this.current || this.closed) return
    if (this.needsSync) {
      const probe =
        this.lastTimedOutPrefix === "+CSQ"
          ? { command: "AT+CMEE?", prefix: "+CMEE" }
          : { command: "AT+CSQ", prefix: "+CSQ" }
      const pending: Pending = {
        request: { command: probe.command, expect: probe.prefix },
        label: probe.command,
        resolve: () => {},
        reject: () => {},
      }
      this.start(pending, { prefix: probe.prefix, seen: false })
      return
    }
    const next = this.queue.shift()
    if (next) this.start(next, null)
  }

  private start(pending: Pending, probe: InFlight["probe"]): void {
    const { request } = pending
    const phase = request.pdu === undefined ? "final" : "prompt"
    const timeout = request.timeoutMs ?? this.options.commandTimeoutMs
    const inFlight: InFlight = {
      ...pending,
      phase,
      lines: [],
      probe,
      timer: setTimeout(() => this.onTimeout(inFlight), timeout),
    }
    this.current = inFlight
    this.framer.expect(responsePrefix(request))
    if (!probe) this.stats.commands++
    this.options.logger.debug({ command: pending.label, probe: probe !== null }, "AT command")
    this.send(`${request.command}\r`)
  }

  private send(data: string): void {
    try {
      this.write(data)
    } catch (error) {
      this.close("device_lost", `write failed: ${(error as Error).message}`)
    }
  }

  private onFrame(frame: AtFrame): void {
    const current = this.current
    switch (frame.type) {
      case "urc":
        this.stats.urcs++
        try {
          this.listener.urc(frame.urc, frame.line)
        } catch (error) {
          this.options.logger.error({ err: error, line: frame.line }, "URC listener failed")
        }
        return
      case "prompt":
        if (current && current.phase === "prompt" && current.request.pdu !== undefined) {
          current.phase = "final"
          clearTimeout(current.timer)
          const timeout = current.request.pduTimeoutMs ?? this.options.commandTimeoutMs
          current.timer = setTimeout(() => this.onTimeout(current), timeout)
          this.send(`${current.request.pdu}${CTRL_Z}`)
        } else {
          this.stats.strayPrompts++
        }
        return
      case "response":
        if (!current) {
          this.stats.strayLines++
          this.options.logger.debug(
            { line: clip(frame.line) },
            "modem line outside any command skipped",
          )
        } else if (current.probe) {
          if (frame.line.toUpperCase().startsWith(current.probe.prefix)) current.probe.seen = true
        } else {
          current.lines.push(frame.line)
        }
        return
      case "final":
        this.onFinal(current, frame.final, frame.line)
        return
    }
  }

  private onFinal(current: InFlight | null, final: FinalResult, line: string): void {
    if (!current) {
      this.stats.strayFinals++
      this.options.logger.debug({ line }, "final result outside any command skipped")
      return
    }
    if (current.probe) {
      if (!current.probe.seen) {
        // The late answer of the command that timed out.
        this.stats.staleFinals++
        return
      }
      this.needsSync = false
      this.finish(current)
      return
    }
    this.finish(current)
    if (final.kind === "ok") {
      current.resolve({ lines: current.lines })
      return
    }
    const kind: AtErrorKind = final.kind === "cme" ? "cme" : final.kind === "cms" ? "cms" : "error"
    const code = final.kind === "cme" || final.kind === "cms" ? final.code : null
    const detail =
      code === null && (final.kind === "cme" || final.kind === "cms")
        ? final.text
        : line === "ERROR"
          ? ""
          : line
    current.reject(new AtError(kind, current.label, code, detail))
  }

  private finish(current: InFlight): void {
    clearTimeout(current.timer)
    this.current = null
    this.consecutiveTimeouts = 0
    this.framer.expect(null)
    this.dispatch()
  }

  private onTimeout(current: InFlight): void {
    if (this.current !== current) return
    this.current = null
    this.framer.expect(null)
    this.stats.timeouts++
    this.consecutiveTimeouts++
    // A modem still waiting for PDU text leaves that mode on ESC (TS 27.005 §3.5.1).
    if (current.request.pdu !== undefined) this.send(ESC)
    this.needsSync = true
    this.lastTimedOutPrefix = responsePrefix(current.request)
    this.options.logger.warn(
      { command: current.label, phase: current.phase },
      "AT command timed out",
    )
    if (!current.probe) current.reject(new AtError("timeout", current.label))
    if (this.consecutiveTimeouts >= this.maxTimeouts) {
      this.close("timeout", `${this.consecutiveTimeouts} commands in a row got no answer`)
      this.listener.unresponsive()
      return
    }
    this.dispatch()
  }
}

/** "+CSQ" for AT+CSQ, "^SYSINFO" for AT^SYSINFO, null for ATE0. */
export function responsePrefix(request: AtCommand): string | null {
  if (request.expect !== undefined) return request.expect.toUpperCase()
  const match = /^AT([+^$][A-Z0-9]+)/iu.exec(request.command)
  return match ? match[1]!.toUpperCase() : null
}

function clip(line: string): string {
  return line.length > 120 ? `${line.slice(0, 120)}…` : line
}
