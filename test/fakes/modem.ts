/**
 * A GSM modem simulator on a real pty (python-gsmmodem's fakemodems.py idea, over a real tty
 * instead of a patched serial module). The driver opens `devicePath`; the simulator answers AT
 * commands in PDU mode like a modem with a SIM: echo until ATE0, +CMEE, +CPIN (optional PIN),
 * +CMGF, +CSMS, +CNMI, +CPMS, +CSCA, +CREG (may register late), +CSQ, +COPS, +CNUM, +CMGS with the
 * "> " prompt, +CMGR, +CMGL, +CMGD. It keeps a SIM store, decodes every SMS-SUBMIT with its own
 * code (modem-pdus.ts), and can inject MO messages, status reports, errors, garbage, URCs inside
 * responses, silence, and unplug/replug. Replug is a power cycle: echo on, PIN locked, +CNMI and
 * registration reset; the SIM store survives. Status reports stored by +CNMI <ds>=2 go to a
 * separate "SR" storage (TS 27.005 §3.2.2), readable once `AT+CPMS="SR"` selects it for <mem1>.
 * A command can be refused (`failNext`: a final result code, nothing carried out) or carried out
 * and answered late (`answerLateNext`: after the driver gave up and sent its next line).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ModemLine } from "./modem-line.ts"
import {
  type BuiltPdu,
  buildDeliver,
  buildStatusReport,
  type DecodedSubmit,
  type DeliverSpec,
  decodeSubmit,
} from "./modem-pdus.ts"

export interface FakeModemOptions {
  /** SIM locked with this PIN at power-up; null = no PIN. */
  pin: string | null
  pinAttempts: number
  simAbsent: boolean
  /** +CREG <stat> at power-up (1 home, 2 searching, 5 roaming …). */
  registration: number
  /** Registers (stat 1) this long after power-up; null = stays as `registration`. */
  registerAfterMs: number | null
  rssi: number
  operator: string
  ownNumber: string | null
  /** The <type> of the +CNUM answer; null: 145 (international) for "+…", else 129 (unknown). */
  ownNumberType: number | null
  /** +CNMI <ds> values accepted (1 = +CDS, 2 = +CDSI); others answer +CMS ERROR: 303. */
  cnmiDs: number[]
  /**
   * The <mem1> storages of `AT+CPMS=?`; selecting another answers +CMS ERROR: 302. Without "SR",
   * stored status reports are not possible: use +CNMI <ds>=1 (`cnmiDs: [1]`).
   */
  readStorages: ("SM" | "SR")[]
  /** SIM message slots. */
  capacity: number
  /** First SIM index (Huawei counts from 0, SIMCom from 1). */
  firstIndex: number
  /** generic, or huawei: ^RSSI / ^BOOT noise every few ms and COMMAND NOT SUPPORT answers. */
  profile: "generic" | "huawei"
  /** Answer each SRR send with a status report of this TP-ST after `delayMs`. */
  autoReport: { status: number; delayMs?: number } | null
  firstMr: number
  /** Write every answer in small pieces across event-loop turns. */
  chunked: boolean
}

export interface ReceivedSubmit {
  /** The <length> of AT+CMGS. */
  length: number
  hex: string
  mr: number
  decoded: DecodedSubmit
}

interface Stored {
  stat: number
  pdu: BuiltPdu
}

/** Commands that need an unlocked SIM (others, like +CSQ or +CREG, work without one). */
const NEEDS_SIM = new Set([
  "+CMGF",
  "+CMGS",
  "+CMGR",
  "+CMGL",
  "+CMGD",
  "+CPMS",
  "+CNMI",
  "+CSCA",
  "+CSMS",
  "+CNUM",
])

const DEFAULTS: FakeModemOptions = {
  pin: null,
  pinAttempts: 3,
  simAbsent: false,
  registration: 1,
  registerAfterMs: null,
  rssi: 21,
  operator: "Signalbox Mobile",
  ownNumber: null,
  ownNumberType: null,
  cnmiDs: [1, 2],
  readStorages: ["SM", "SR"],
  capacity: 30,
  firstIndex: 0,
  profile: "generic",
  autoReport: null,
  firstMr: 1,
  chunked: false,
}

export type FakeModemEvent =
  | { type: "command"; line: string }
  | { type: "submit"; submit: ReceivedSubmit }
  | { type: "delete"; index: number }

export class FakeModem {
  readonly options: FakeModemOptions
  /** Called for every command, accepted SMS-SUBMIT and deletion (the CLI prints them). */
  onEvent: ((event: FakeModemEvent) => void) | null = null
  readonly devicePath: string
  /** Every command line received, in order (also those not answered). */
  readonly commands: string[] = []
  readonly submits: ReceivedSubmit[] = []
  /** SIM indexes deleted with +CMGD, in order. */
  readonly deleted: number[] = []
  readonly sim = new Map<number, Stored>()
  readonly reports = new Map<number, Stored>()

  private readonly dir: string
  private readonly ownDir: boolean
  private wire: ModemLine | null = null
  private line = ""
  private pdu: { length: number; text: string } | null = null
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()
  private noise: ReturnType<typeof setInterval> | null = null
  // Power-cycle state.
  private echo = true
  private locked = false
  private attemptsLeft = 0
  private cnmi = { mt: 0, ds: 0 }
  private cregUrc = false
  private stat = 1
  private mem1: "SM" | "SR" = "SM"
  private mr = 0
  // Test controls.
  private sendErrors: (number | null)[] = []
  private swallow: { count: number; prefix: string } = { count: 0, prefix: "" }
  private failures: { prefix: string; final: string; count: number; storage: string | null }[] = []
  private lateNext: string | null = null
  /** The answer of a command carried out but not answered yet (`answerLateNext`). */
  private late: string | null = null
  private silent = false
  private injections: { prefix: string; raw: string }[] = []

  /** `devicePath` (default <dir>/ttyMODEM, in a fresh temp dir) is where the driver's end appears. */
  constructor(options: Partial<FakeModemOptions> = {}, dir?: string, devicePath?: string) {
    this.options = { ...DEFAULTS, ...options }
    this.ownDir = dir === undefined
    this.dir = dir ?? mkdtempSync(join(tmpdir(), "signalbox-modem-"))
    this.devicePath = devicePath ?? join(this.dir, "ttyMODEM")
    this.mr = this.options.firstMr
    this.attemptsLeft = this.options.pinAttempts
  }

  get plugged(): boolean {
    return this.wire !== null
  }

  async start(): Promise<void> {
    await this.plug()
  }

  async stop(): Promise<void> {
    await this.unplug()
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true })
  }

  /** `await using modem = await startFakeModem()` stops it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop()
  }

  /** Kills the pty pair: the driver's reader gets EIO and the device path disappears. */
  async unplug(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    if (this.noise) clearInterval(this.noise)
    this.noise = null
    const wire = this.wire
    this.wire = null
    await wire?.close()
  }

  /** A new pty under the same path, and a power cycle. */
  async replug(): Promise<void> {
    await this.unplug()
    await this.plug()
  }

  // --- test controls ---

  /** Stores an SMS-DELIVER on the SIM and announces it (+CMTI when +CNMI mt=1). Returns its index. */
  receive(pdu: BuiltPdu | DeliverSpec, notify = true): number {
    const built = "hex" in pdu ? pdu : buildDeliver(pdu)
    const index = this.freeIndex(this.sim)
    this.sim.set(index, { stat: 0, pdu: built })
    if (notify && this.cnmi.mt === 1) this.emit(`\r\n+CMTI: "SM",${index}\r\n`)
    return index
  }

  /** Routes an SMS-DELIVER directly (+CMT), without storing it. */
  receiveDirect(pdu: BuiltPdu | DeliverSpec): void {
    const built = "hex" in pdu ? pdu : buildDeliver(pdu)
    this.emit(`\r\n+CMT: ,${built.tpduLength}\r\n${built.hex}\r\n`)
  }

  /** A status report for TP-MR `mr`, as +CDS or stored with +CDSI, per the driver's +CNMI. */
  statusReport(mr: number, status: number, recipient?: string): void {
    if (this.cnmi.ds === 2) {
      const index = this.storeReport(mr, status, recipient)
      this.emit(`\r\n+CDSI: "SR",${index}\r\n`)
    } else if (this.cnmi.ds === 1) {
      const built = this.buildReport(mr, status, recipient)
      this.emit(`\r\n+CDS: ${built.tpduLength}\r\n${built.hex}\r\n`)
    }
  }

  /**
   * A status report put in "SR" without a +CDSI, as one that arrived while nobody listened (the
   * gateway was down, or its +CDSI was lost). Returns its index. A raw PDU stores that instead.
   */
  storeReport(mr: number, status: number, recipient?: string): number
  storeReport(pdu: BuiltPdu): number
  storeReport(mrOrPdu: number | BuiltPdu, status = 0, recipient?: string): number {
    const built =
      typeof mrOrPdu === "number" ? this.buildReport(mrOrPdu, status, recipient) : mrOrPdu
    const index = this.freeIndex(this.reports)
    this.reports.set(index, { stat: 0, pdu: built })
    return index
  }

  private buildReport(mr: number, status: number, recipient?: string): BuiltPdu {
    const to =
      recipient ?? this.submits.findLast((s) => s.mr === mr)?.decoded.to ?? "+4915112345678"
    return buildStatusReport({ mr, recipient: to, status })
  }

  /**
   * After `after` successful sends, the next `count` +CMGS answer +CMS ERROR: code (after the
   * PDU, as real modems do).
   */
  failNextSends(code: number, count = 1, after = 0): void {
    for (let i = 0; i < after; i++) this.sendErrors.push(null)
    for (let i = 0; i < count; i++) this.sendErrors.push(code)
  }

  /** Leaves the next `count` commands starting with `prefix` (any command: "") unanswered. */
  swallowNext(count = 1, prefix = ""): void {
    this.swallow = { count, prefix: prefix.toUpperCase() }
  }

  /**
   * The next `count` commands starting with `prefix` (while `storage` is <mem1>, if given) are
   * not carried out and answer `final` ("ERROR", "+CMS ERROR: 302" …). `count` may be Infinity:
   * a modem that lists "SR" in +CPMS=? yet always refuses `AT+CPMS="SR"`.
   */
  failNext(prefix: string, final: string, count = 1, storage: "SM" | "SR" | null = null): void {
    this.failures.push({ prefix: prefix.toUpperCase(), final, count, storage })
  }

  /**
   * The next command starting with `prefix` is carried out at once, but its answer is written
   * only when the next command line arrives (the driver timed out and went on), just before
   * that line is handled: a modem that was slow, not one that skipped anything.
   */
  answerLateNext(prefix: string): void {
    this.lateNext = prefix.toUpperCase()
  }

  /** The current <mem1>: where +CMGR, +CMGL and +CMGD act. */
  get storage(): "SM" | "SR" {
    return this.mem1
  }

  setSilent(silent: boolean): void {
    this.silent = silent
  }

  setRegistration(stat: number): void {
    this.stat = stat
    if (this.cregUrc) this.emit(`\r\n+CREG: ${stat}\r\n`)
  }

  /** Writes raw bytes to the driver at once. */
  sendRaw(data: string | Uint8Array): void {
    this.emit(data)
  }

  /** Puts `raw` after the first line of the next answer to a command starting with `prefix`. */
  injectIntoNextResponse(prefix: string, raw: string): void {
    this.injections.push({ prefix: prefix.toUpperCase(), raw })
  }

  // --- the line ---

  private async plug(): Promise<void> {
    this.wire = await ModemLine.open(this.devicePath, this.options.chunked, (chunk) =>
      this.onBytes(chunk),
    )
    this.powerOn()
  }

  private powerOn(): void {
    this.echo = true
    this.locked = this.options.pin !== null
    this.cnmi = { mt: 0, ds: 0 }
    this.cregUrc = false
    this.stat = this.options.registration
    this.mem1 = "SM"
    this.line = ""
    this.pdu = null
    this.late = null
    if (this.options.registerAfterMs !== null)
      this.later(this.options.registerAfterMs, () => this.setRegistration(1))
    if (this.options.profile === "huawei") {
      let n = 0
      this.noise = setInterval(() => {
        n++
        this.emit(
          n % 5 === 0 ? "\r\n^BOOT:12345678,0,0,0,75\r\n" : `\r\n^RSSI:${this.options.rssi}\r\n`,
        )
      }, 7)
    }
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private emit(data: string | Uint8Array): void {
    this.wire?.write(data)
  }

  private onBytes(chunk: Uint8Array): void {
    for (const byte of chunk) {
      if (this.pdu) {
        if (byte === 0x1a) {
          const { length, text } = this.pdu
          this.pdu = null
          this.send(this.onPdu(length, text.trim()), "AT+CMGS")
        } else if (byte === 0x1b) {
          this.pdu = null
          this.send(ok(), "")
        } else if (byte !== 0x0d && byte !== 0x0a) {
          this.pdu.text += String.fromCharCode(byte)
        }
        continue
      }
      if (byte === 0x0d) {
        // V.250 §5.2.1: characters before the "AT" prefix (an ESC, line noise) are ignored.
        const at = this.line.toUpperCase().indexOf("AT")
        const line = (at >= 0 ? this.line.slice(at) : this.line).trim()
        this.line = ""
        if (line !== "") this.onCommand(line)
      } else if (byte !== 0x0a) {
        this.line += String.fromCharCode(byte)
      }
    }
  }

  /** Writes an answer in V.250 verbose form: <CR><LF>line<CR><LF>… <CR><LF>final<CR><LF>. */
  private send(answer: Answer, command: string): void {
    this.emit(this.render(answer, command))
  }

  private render(answer: Answer, command: string): string {
    if (answer === "prompt") return "\r\n> "
    const upper = command.toUpperCase()
    const injection = this.injections.findIndex((i) => upper.startsWith(i.prefix))
    const raw = injection >= 0 ? this.injections.splice(injection, 1)[0]!.raw : null
    let out = ""
    answer.lines.forEach((line, i) => {
      out += `\r\n${line}\r\n`
      if (i === 0 && raw !== null) out += raw
    })
    if (answer.lines.length === 0 && raw !== null) out += raw
    return `${out}\r\n${answer.final}\r\n`
  }

  // --- the AT interpreter ---

  private onCommand(line: string): void {
    this.commands.push(line)
    this.onEvent?.({ type: "command", line })
    if (this.silent) return
    const upper = line.toUpperCase()
    if (this.swallow.count > 0 && upper.startsWith(this.swallow.prefix)) {
      this.swallow.count--
      return
    }
    if (this.late !== null) {
      this.emit(this.late)
      this.late = null
    }
    if (this.echo) this.emit(`${line}\r`)
    const failure = this.failures.find(
      (f) => upper.startsWith(f.prefix) && (f.storage === null || f.storage === this.mem1),
    )
    if (failure) {
      if (--failure.count <= 0) this.failures.splice(this.failures.indexOf(failure), 1)
      this.send(error(failure.final), line)
      return
    }
    if (this.lateNext !== null && upper.startsWith(this.lateNext)) {
      this.lateNext = null
      this.late = this.render(this.answer(line), line)
      return
    }
    this.send(this.answer(line), line)
  }

  private answer(line: string): Answer {
    if (!line.toUpperCase().startsWith("AT")) return error("ERROR")
    const body = line.slice(2)
    const name = (/^([+^][A-Z]+|&?[A-Z])/iu.exec(body)?.[1] ?? "").toUpperCase()
    const rest = body.slice(name.length)
    const arg = rest.replace(/^=/u, "")
    if (NEEDS_SIM.has(name) && this.options.simAbsent) return error("+CMS ERROR: 310")
    if (NEEDS_SIM.has(name) && this.locked) return error("+CMS ERROR: 311")
    switch (name) {
      case "":
      case "+CMEE":
      case "+CMGF":
        return ok()
      case "E":
        this.echo = rest.trim() !== "0"
        return ok()
      case "+CSMS":
        return ok("+CSMS: 1,1,1")
      case "+CPIN":
        return this.cpin(rest)
      case "+CNMI": {
        const [, mt = 0, , ds = 0] = arg.split(",").map(Number)
        if (ds !== 0 && !this.options.cnmiDs.includes(ds)) return error("+CMS ERROR: 303")
        this.cnmi = { mt, ds }
        return ok()
      }
      case "+CPMS":
        return this.cpms(rest)
      case "+CSCA":
        return rest.startsWith("?") ? ok('+CSCA: "+4917600000000",145') : ok()
      case "+CREG":
        if (rest.startsWith("?")) return ok(`+CREG: ${this.cregUrc ? 1 : 0},${this.stat}`)
        this.cregUrc = arg.trim() === "1"
        return ok()
      case "+CSQ":
        return ok(`+CSQ: ${this.options.rssi},99`)
      case "+COPS":
        return ok(
          this.stat === 1 || this.stat === 5
            ? `+COPS: 0,0,"${this.options.operator}",2`
            : "+COPS: 0",
        )
      case "+CNUM":
        return this.cnum()
      case "+CMGS":
        this.pdu = { length: Number(arg), text: "" }
        return "prompt"
      case "+CMGR":
        return this.cmgr(Number(arg))
      case "+CMGL":
        return this.cmgl()
      case "+CMGD": {
        const index = Number(arg.split(",")[0])
        this.store().delete(index)
        this.deleted.push(index)
        this.onEvent?.({ type: "delete", index })
        return ok()
      }
      default:
        return error(this.options.profile === "huawei" ? "COMMAND NOT SUPPORT" : "ERROR")
    }
  }

  private cpin(rest: string): Answer {
    if (this.options.simAbsent) return error("+CME ERROR: 10")
    if (rest.startsWith("?")) {
      return ok(`+CPIN: ${!this.locked ? "READY" : this.attemptsLeft > 0 ? "SIM PIN" : "SIM PUK"}`)
    }
    if (!this.locked) return error("+CME ERROR: 3")
    if (this.attemptsLeft <= 0) return error("+CME ERROR: 12")
    if (/"?(\d+)"?/u.exec(rest)?.[1] === this.options.pin) {
      this.locked = false
      this.attemptsLeft = this.options.pinAttempts
      return ok()
    }
    this.attemptsLeft--
    return error("+CME ERROR: 16")
  }

  private store(): Map<number, Stored> {
    return this.mem1 === "SR" ? this.reports : this.sim
  }

  private cpms(rest: string): Answer {
    const count = (m: Map<number, Stored>) => `${m.size},${this.options.capacity}`
    if (rest.startsWith("=?")) {
      // TS 27.005 §3.2.2: (list of <mem1>s),(list of <mem2>s),(list of <mem3>s).
      const mem1 = this.options.readStorages.map((m) => `"${m}"`).join(",")
      return ok(`+CPMS: (${mem1}),("SM"),("SM")`)
    }
    if (rest.startsWith("?")) {
      return ok(
        `+CPMS: "${this.mem1}",${count(this.store())},"SM",${count(this.sim)},"SM",${count(this.sim)}`,
      )
    }
    const mems = [...rest.matchAll(/"([A-Z]+)"/gu)].map((m) => m[1]!)
    const [mem1, ...others] = mems
    if (
      mem1 === undefined ||
      !this.options.readStorages.includes(mem1 as "SM" | "SR") ||
      others.some((m) => m !== "SM")
    )
      return error("+CMS ERROR: 302")
    this.mem1 = mems[0] as "SM" | "SR"
    return ok(`+CPMS: ${count(this.store())},${count(this.sim)},${count(this.sim)}`)
  }

  /** +CNUM: [<alpha>],<number>,<type> (TS 27.007 §7.1); no number stored: OK alone. */
  private cnum(): Answer {
    const number = this.options.ownNumber
    if (!number) return ok()
    const type = this.options.ownNumberType ?? (number.startsWith("+") ? 145 : 129)
    return ok(`+CNUM: "","${number}",${type}`)
  }

  private cmgr(index: number): Answer {
    const stored = this.store().get(index)
    if (!stored) return error("+CMS ERROR: 321")
    const answer = ok(`+CMGR: ${stored.stat},,${stored.pdu.tpduLength}`, stored.pdu.hex)
    if (stored.stat === 0) stored.stat = 1
    return answer
  }

  private cmgl(): Answer {
    const lines: string[] = []
    for (const [index, stored] of [...this.store()].sort((x, y) => x[0] - y[0])) {
      lines.push(`+CMGL: ${index},${stored.stat},,${stored.pdu.tpduLength}`, stored.pdu.hex)
      if (stored.stat === 0) stored.stat = 1
    }
    return ok(...lines)
  }

  /** The PDU after the prompt: checked, decoded independently, answered with +CMGS: <mr>. */
  private onPdu(length: number, hex: string): Answer {
    const failure = this.sendErrors.shift()
    if (failure !== undefined && failure !== null) return error(`+CMS ERROR: ${failure}`)
    if (this.stat !== 1 && this.stat !== 5) return error("+CMS ERROR: 331")
    let decoded: DecodedSubmit
    try {
      if (!/^(?:[0-9A-F]{2})+$/iu.test(hex)) throw new Error("not hex")
      const smscOctets = Number.parseInt(hex.slice(0, 2), 16) + 1
      if (hex.length / 2 - smscOctets !== length) throw new Error("length mismatch")
      decoded = decodeSubmit(hex)
    } catch {
      return error("+CMS ERROR: 304")
    }
    const mr = this.mr
    this.mr = (this.mr + 1) & 0xff
    const submit = { length, hex, mr, decoded }
    this.submits.push(submit)
    this.onEvent?.({ type: "submit", submit })
    const auto = this.options.autoReport
    if (auto && decoded.statusReportRequest) {
      this.later(auto.delayMs ?? 5, () => this.statusReport(mr, auto.status, decoded.to))
    }
    return ok(`+CMGS: ${mr}`)
  }

  private freeIndex(store: Map<number, Stored>): number {
    for (let i = this.options.firstIndex; ; i++) if (!store.has(i)) return i
  }
}

type Answer = { lines: string[]; final: string } | "prompt"

function ok(...lines: string[]): Answer {
  return { lines, final: "OK" }
}

function error(final: string): Answer {
  return { lines: [], final }
}

export async function startFakeModem(options: Partial<FakeModemOptions> = {}): Promise<FakeModem> {
  const modem = new FakeModem(options)
  await modem.start()
  return modem
}
