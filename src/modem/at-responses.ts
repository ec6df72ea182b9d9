/**
 * Pure parsers for the information responses the driver uses (TS 27.007, TS 27.005). Each
 * takes the response lines of one command and returns null (or an empty list) for anything it
 * does not recognise, never throws.
 */
import { splitArgs, toInt, unquote } from "./at-framer.ts"

export interface Signal {
  /** +CSQ <rssi> 0-31; null for 99 (not known or not detectable). */
  rssi: number | null
  /** dBm from <rssi>: 0 → −113 dBm or less, 31 → −51 dBm or more (TS 27.007 §8.5). */
  dbm: number | null
}

export function signalFromRssi(rssi: number): Signal {
  if (rssi < 0 || rssi > 31) return { rssi: null, dbm: null }
  return { rssi, dbm: -113 + 2 * rssi }
}

function argsOf(lines: readonly string[], prefix: string): string[] | null {
  const line = lines.find((l) => l.toUpperCase().startsWith(`${prefix}:`))
  return line === undefined ? null : splitArgs(line.slice(prefix.length + 1))
}

/** +CSQ: <rssi>,<ber> */
export function parseCsq(lines: readonly string[]): Signal | null {
  const rssi = toInt(argsOf(lines, "+CSQ")?.[0])
  return rssi === null ? null : signalFromRssi(rssi)
}

export type Registration =
  | "not_registered"
  | "home"
  | "searching"
  | "denied"
  | "unknown"
  | "roaming"
  | "emergency_only"

/**
 * <stat> of +CREG (TS 27.007 §7.2): 1 home, 5 roaming; 6/7 "SMS only" (home/roaming) and
 * 9/10 "CSFB not preferred" are registered too; 8 is emergency bearer services only.
 */
export function registrationOf(stat: number): Registration {
  switch (stat) {
    case 1:
    case 6:
    case 9:
      return "home"
    case 5:
    case 7:
    case 10:
      return "roaming"
    case 0:
      return "not_registered"
    case 2:
      return "searching"
    case 3:
      return "denied"
    case 8:
      return "emergency_only"
    default:
      return "unknown"
  }
}

export function isRegistered(registration: Registration): boolean {
  return registration === "home" || registration === "roaming"
}

/** +CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]] (the read command's form). */
export function parseCregQuery(lines: readonly string[]): number | null {
  const args = argsOf(lines, "+CREG")
  if (!args) return null
  // Some modems omit <n> in the read response; then the only number is <stat>.
  return toInt(args.length >= 2 ? args[1] : args[0])
}

/** +COPS: <mode>[,<format>,<oper>[,<AcT>]] → the operator name, or null when not registered. */
export function parseCops(lines: readonly string[]): string | null {
  const oper = argsOf(lines, "+COPS")?.[2]
  if (oper === undefined) return null
  const name = unquote(oper)
  return name === "" ? null : name
}

export type SimStatus = "ready" | "pin_required" | "puk_required" | "other"

/** +CPIN: <code> (TS 27.007 §8.3). */
export function parseCpin(lines: readonly string[]): { status: SimStatus; code: string } | null {
  const args = argsOf(lines, "+CPIN")
  if (!args) return null
  const code = unquote(args[0] ?? "").toUpperCase()
  const status: SimStatus =
    code === "READY"
      ? "ready"
      : code === "SIM PIN"
        ? "pin_required"
        : code === "SIM PUK"
          ? "puk_required"
          : "other"
  return { status, code }
}

/**
 * +CPMS: <used1>,<total1>,… (set command response) or +CPMS: <mem1>,<used1>,<total1>,… (read),
 * TS 27.005 §3.2.2; `mem1` is null for the set form.
 */
export function parseCpms(
  lines: readonly string[],
): { mem1: string | null; used: number; total: number } | null {
  const args = argsOf(lines, "+CPMS")
  if (!args) return null
  const mem1 = args[0]?.startsWith('"') ? unquote(args[0]).toUpperCase() : null
  const numbers = mem1 === null ? args : args.slice(1)
  const used = toInt(numbers[0])
  const total = toInt(numbers[1])
  return used === null || total === null ? null : { mem1, used, total }
}

/**
 * +CPMS: (<mem1>s),(<mem2>s),(<mem3>s), the test command's answer (TS 27.005 §3.2.2) → the
 * <mem1> storages (read and delete), upper-cased: `("SM","ME","SR"),…` → ["SM", "ME", "SR"].
 */
export function parseCpmsSupported(lines: readonly string[]): string[] {
  const line = lines.find((l) => l.toUpperCase().startsWith("+CPMS:"))
  const first = line === undefined ? undefined : /\(([^)]*)\)/u.exec(line)?.[1]
  if (first === undefined) return []
  return splitArgs(first)
    .map((mem) => unquote(mem).toUpperCase())
    .filter((mem) => mem !== "")
}

/** +CMGS: <mr>[,<scts>] (TS 27.005 §3.5.1); some modems add a trailing comma. */
export function parseCmgs(lines: readonly string[]): number | null {
  const mr = toInt(argsOf(lines, "+CMGS")?.[0])
  return mr === null || mr > 255 ? null : mr
}

/** +CNUM: [<alpha>],<number>,<type> (TS 27.007 §7.1) → the first number, '+' added for type 145. */
export function parseCnum(lines: readonly string[]): string | null {
  const args = argsOf(lines, "+CNUM")
  if (!args) return null
  const number = unquote(args[1] ?? "")
  if (!/^\+?\d{3,20}$/u.test(number)) return null
  return args[2]?.trim() === "145" && !number.startsWith("+") ? `+${number}` : number
}

export interface StoredPdu {
  index: number
  /** <stat>: 0 received unread, 1 received read, 2 stored unsent, 3 stored sent. */
  stat: number
  /** TPDU octets, SMSC field excluded. */
  length: number
  pdu: string
}

const HEX = /^(?:[0-9A-Fa-f]{2})+$/u

/** +CMGR: <stat>,[<alpha>],<length><CR><LF><pdu> (TS 27.005 §3.4.3), index supplied by the caller. */
export function parseCmgr(index: number, lines: readonly string[]): StoredPdu | null {
  const at = lines.findIndex((l) => l.toUpperCase().startsWith("+CMGR:"))
  if (at < 0) return null
  const args = splitArgs(lines[at]!.slice(6))
  const stat = toInt(args[0])
  const length = toInt(args[args.length - 1])
  const pdu = lines.slice(at + 1).find((l) => HEX.test(l))
  if (stat === null || length === null || pdu === undefined) return null
  return { index, stat, length, pdu }
}

/**
 * +CMGL: <index>,<stat>,[<alpha>],<length><CR><LF><pdu> repeated (TS 27.005 §3.4.2). A header
 * is paired with the next hex line before the next header; a header without one is skipped.
 */
export function parseCmgl(lines: readonly string[]): StoredPdu[] {
  const out: StoredPdu[] = []
  let header: { index: number; stat: number; length: number } | null = null
  for (const line of lines) {
    if (line.toUpperCase().startsWith("+CMGL:")) {
      const args = splitArgs(line.slice(6))
      const index = toInt(args[0])
      const stat = toInt(args[1])
      const length = toInt(args[args.length - 1])
      header = index === null || stat === null || length === null ? null : { index, stat, length }
      continue
    }
    if (header && HEX.test(line)) {
      out.push({ ...header, pdu: line })
      header = null
    }
  }
  return out
}
