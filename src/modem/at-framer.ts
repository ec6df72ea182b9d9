/**
 * Pure: turns the modem's byte stream into AT frames (3GPP TS 27.007 §4, TS 27.005 §3-4):
 * final result codes, intermediate response lines, the "> " prompt of +CMGS, and unsolicited
 * result codes (URCs), which may arrive at any time, also between the lines of a response.
 *
 * Lines end at CR or LF. A line that starts with "+" or "^" and names the response prefix of the
 * command in flight is a response; any other such line is a URC. +CMT and +CDS are followed by a
 * PDU line, which is attached to them. NUL bytes are dropped; lines with other control bytes,
 * overlong lines and command echoes are counted and skipped, never thrown.
 */

export type FinalResult =
  | { kind: "ok" }
  | { kind: "error" }
  | { kind: "cme"; code: number | null; text: string }
  | { kind: "cms"; code: number | null; text: string }
  | { kind: "no_carrier" }

export type Urc =
  /** +CMTI: <mem>,<index> (TS 27.005 §3.4.1): an SMS-DELIVER was stored. */
  | { kind: "cmti"; storage: string; index: number }
  /** +CDSI: <mem>,<index>: an SMS-STATUS-REPORT was stored. */
  | { kind: "cdsi"; storage: string; index: number }
  /** +CMT: [<alpha>],<length><CR><LF><pdu>: an SMS-DELIVER routed to us, not stored. */
  | { kind: "cmt"; length: number; pdu: string | null }
  /** +CDS: <length><CR><LF><pdu>: an SMS-STATUS-REPORT routed to us, not stored. */
  | { kind: "cds"; length: number; pdu: string | null }
  /** +CREG: <stat>[,…] (TS 27.007 §7.2) after AT+CREG=1. */
  | { kind: "creg"; stat: number }
  /** Huawei ^RSSI: <rssi> (signal, same scale as +CSQ). */
  | { kind: "rssi"; rssi: number }
  | { kind: "ring" }
  /** Anything else unsolicited: vendor noise (^BOOT, ^MODE, +CGREG …), kept for logs. */
  | { kind: "other"; line: string }

export type AtFrame =
  | { type: "final"; final: FinalResult; line: string }
  | { type: "response"; line: string }
  | { type: "prompt" }
  | { type: "urc"; urc: Urc; line: string }

export interface FramerStats {
  lines: number
  garbageLines: number
  overlongLines: number
  echoLines: number
  nulBytes: number
  /** +CMT / +CDS headers not followed by a hex PDU line. */
  brokenPdus: number
}

/** Longer than any real response line (Huawei's one-line +CLAC is ~1,500 characters). */
export const DEFAULT_MAX_LINE = 4096

const LF = 0x0a
const CR = 0x0d
const TAB = 0x09
const NUL = 0x00

const FINALS: ReadonlyMap<string, FinalResult> = new Map([
  ["OK", { kind: "ok" }],
  ["ERROR", { kind: "error" }],
  // Huawei E1752 and others answer unknown commands with these instead of ERROR.
  ["COMMAND NOT SUPPORT", { kind: "error" }],
  ["TOO MANY PARAMETERS", { kind: "error" }],
  ["NO CARRIER", { kind: "no_carrier" }],
  ["NO DIALTONE", { kind: "no_carrier" }],
  ["NO ANSWER", { kind: "no_carrier" }],
  ["BUSY", { kind: "no_carrier" }],
])

const HEX_LINE = /^(?:[0-9A-Fa-f]{2})+$/u

export class AtFramer {
  readonly stats: FramerStats = {
    lines: 0,
    garbageLines: 0,
    overlongLines: 0,
    echoLines: 0,
    nulBytes: 0,
    brokenPdus: 0,
  }
  private partial = ""
  private garbage = false
  private discarding = false
  private prefix: string | null = null
  private awaitingPdu: { kind: "cmt" | "cds"; length: number; line: string } | null = null

  constructor(private readonly maxLine = DEFAULT_MAX_LINE) {}

  /** The response prefix of the command in flight ("+CSQ"), or null. */
  expect(prefix: string | null): void {
    this.prefix = prefix === null ? null : prefix.toUpperCase()
  }

  push(chunk: Uint8Array): AtFrame[] {
    const frames: AtFrame[] = []
    for (const byte of chunk) {
      if (byte === CR || byte === LF) {
        this.endLine(frames)
        continue
      }
      if (byte === NUL) {
        this.stats.nulBytes++
        continue
      }
      if (this.discarding) continue
      if ((byte < 0x20 && byte !== TAB) || byte === 0x7f) this.garbage = true
      if (this.partial.length >= this.maxLine) {
        this.stats.overlongLines++
        this.discarding = true
        this.partial = ""
        this.garbage = false
        continue
      }
      this.partial += String.fromCharCode(byte)
    }
    // The +CMGS prompt is "> " with no line end after it (TS 27.005 §3.5.1).
    if (!this.garbage && !this.discarding && /^>\s?$/u.test(this.partial.trimStart())) {
      this.partial = ""
      this.flushPendingPdu(frames)
      frames.push({ type: "prompt" })
    }
    return frames
  }

  private endLine(frames: AtFrame[]): void {
    const line = this.partial.trim()
    const garbage = this.garbage
    const discarded = this.discarding
    this.partial = ""
    this.garbage = false
    this.discarding = false
    if (discarded || line === "") return
    this.stats.lines++
    if (garbage) {
      this.stats.garbageLines++
      return
    }
    this.classify(line, frames)
  }

  private classify(line: string, frames: AtFrame[]): void {
    const pending = this.awaitingPdu
    if (pending) {
      this.awaitingPdu = null
      if (HEX_LINE.test(line)) {
        frames.push({
          type: "urc",
          urc: { kind: pending.kind, length: pending.length, pdu: line },
          line: pending.line,
        })
        return
      }
      this.stats.brokenPdus++
      frames.push({
        type: "urc",
        urc: { kind: pending.kind, length: pending.length, pdu: null },
        line: pending.line,
      })
    }
    const upper = line.toUpperCase()
    const final = finalResult(line, upper)
    if (final) {
      frames.push({ type: "final", final, line })
      return
    }
    if (/^>\s?$/u.test(line)) {
      frames.push({ type: "prompt" })
      return
    }
    // Echo of our own command before ATE0 takes effect (V.250 §6.2.4).
    if (upper.startsWith("AT")) {
      this.stats.echoLines++
      return
    }
    const first = line[0]
    if (first === "+" || first === "^") {
      const name = upper.split(":", 1)[0]!.trim()
      if (this.prefix !== null && name === this.prefix) {
        frames.push({ type: "response", line })
        return
      }
      this.unsolicited(name, line, frames)
      return
    }
    if (upper === "RING") {
      frames.push({ type: "urc", urc: { kind: "ring" }, line })
      return
    }
    frames.push({ type: "response", line })
  }

  private unsolicited(name: string, line: string, frames: AtFrame[]): void {
    const args = splitArgs(line.slice(line.indexOf(":") + 1))
    switch (name) {
      case "+CMTI":
      case "+CDSI": {
        // <mem> names are case-insensitive on the wire; "SM" and "SR" everywhere after this.
        const storage = unquote(args[0] ?? "").toUpperCase()
        const index = toInt(args[1])
        if (index !== null) {
          frames.push({
            type: "urc",
            urc: { kind: name === "+CMTI" ? "cmti" : "cdsi", storage, index },
            line,
          })
          return
        }
        break
      }
      case "+CMT":
      case "+CDS": {
        // +CMT: [<alpha>],<length> and +CDS: <length> in PDU mode; the PDU is the next line.
        const length = toInt(args[args.length - 1])
        if (length !== null && line.includes(":")) {
          this.awaitingPdu = { kind: name === "+CMT" ? "cmt" : "cds", length, line }
          return
        }
        break
      }
      case "+CREG": {
        const stat = toInt(args[0])
        if (stat !== null) {
          frames.push({ type: "urc", urc: { kind: "creg", stat }, line })
          return
        }
        break
      }
      case "^RSSI": {
        const rssi = toInt(args[0])
        if (rssi !== null) {
          frames.push({ type: "urc", urc: { kind: "rssi", rssi }, line })
          return
        }
        break
      }
    }
    frames.push({ type: "urc", urc: { kind: "other", line }, line })
  }

  private flushPendingPdu(frames: AtFrame[]): void {
    const pending = this.awaitingPdu
    if (!pending) return
    this.awaitingPdu = null
    this.stats.brokenPdus++
    frames.push({
      type: "urc",
      urc: { kind: pending.kind, length: pending.length, pdu: null },
      line: pending.line,
    })
  }
}

function finalResult(line: string, upper: string): FinalResult | null {
  const fixed = FINALS.get(upper)
  if (fixed) return fixed
  const match = /^\+(CME|CMS) ERROR:\s*(.*)$/u.exec(upper)
  if (!match) return null
  const text = line.slice(line.indexOf(":") + 1).trim()
  const code = /^\d+$/u.test(text) ? Number(text) : null
  return match[1] === "CME" ? { kind: "cme", code, text } : { kind: "cms", code, text }
}

/** Splits AT parameters on commas outside double quotes. */
export function splitArgs(text: string): string[] {
  const out: string[] = []
  let current = ""
  let quoted = false
  for (const char of text) {
    if (char === '"') quoted = !quoted
    if (char === "," && !quoted) {
      out.push(current.trim())
      current = ""
    } else {
      current += char
    }
  }
  out.push(current.trim())
  return out
}

export function unquote(text: string): string {
  const t = text.trim()
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t
}

export function toInt(text: string | undefined): number | null {
  if (text === undefined) return null
  const t = text.trim()
  return /^\d+$/u.test(t) ? Number(t) : null
}
