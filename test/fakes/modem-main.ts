/**
 * The fake GSM modem as its own process, for e2e tests and trying the driver by hand:
 *
 *   bun test/fakes/modem-main.ts [--device PATH] [--pin 1234] [--registration 2]
 *     [--register-after-ms 3000] [--auto-report 0] [--profile generic|huawei] [--chunked]
 *     [--first-index 1] [--first-mr 1] [--operator NAME] [--rssi 21]
 *
 * Prints {"device":"…"} once the pty exists; point a modem connector's `device` at that path.
 * Then prints one JSON line per SMS-SUBMIT received (decoded) and per +CMGD, and reads commands,
 * one per line, on stdin (type "help"). SIGINT or SIGTERM removes the pty and exits.
 */
import { dirname } from "node:path"
import { createInterface } from "node:readline"
import { parseArgs } from "node:util"
import { FakeModem } from "./modem.ts"
import { gsmSeptets } from "./modem-pdus.ts"

const { values } = parseArgs({
  options: {
    device: { type: "string" },
    pin: { type: "string" },
    registration: { type: "string", default: "1" },
    "register-after-ms": { type: "string" },
    "auto-report": { type: "string" },
    profile: { type: "string", default: "generic" },
    chunked: { type: "boolean", default: false },
    "first-index": { type: "string", default: "0" },
    "first-mr": { type: "string", default: "1" },
    operator: { type: "string", default: "Signalbox Mobile" },
    rssi: { type: "string", default: "21" },
    "own-number": { type: "string" },
  },
})

const HELP = `commands:
  sms <from> <text…>     an MO message (split into concatenated parts when long)
  flash <from> <text…>   the same, routed with +CMT instead of stored
  report <mr> [status]   a status report for TP-MR <mr>; status is TP-ST (default 0, hex with 0x)
  fail <cms> [count]     the next sends answer +CMS ERROR: <cms>
  reg <stat>             +CREG stat: 1 home, 2 searching, 3 denied, 5 roaming
  silent on|off          stop / resume answering
  garbage                write binary noise
  unplug | replug        remove the pty / bring it back (a power cycle)
  sim                    list the SIM store
  quit`

// The pty links live next to --device (default: a fresh temp dir).
const modem = new FakeModem(
  {
    pin: values.pin ?? null,
    registration: Number(values.registration),
    registerAfterMs:
      values["register-after-ms"] === undefined ? null : Number(values["register-after-ms"]),
    autoReport:
      values["auto-report"] === undefined
        ? null
        : { status: Number(values["auto-report"]), delayMs: 500 },
    profile: values.profile === "huawei" ? "huawei" : "generic",
    chunked: values.chunked,
    firstIndex: Number(values["first-index"]),
    firstMr: Number(values["first-mr"]),
    operator: values.operator,
    rssi: Number(values.rssi),
    ownNumber: values["own-number"] ?? null,
  },
  values.device ? dirname(values.device) : undefined,
  values.device,
)

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`)

modem.onEvent = (event) => {
  if (event.type === "submit") {
    const { mr, length, decoded } = event.submit
    print({
      event: "submit",
      mr,
      length,
      to: decoded.to,
      text: decoded.text,
      concat: decoded.concat,
      srr: decoded.statusReportRequest,
    })
  } else if (event.type === "delete") {
    print({ event: "delete", index: event.index })
  }
}

/** Splits `text` into parts of at most 153 septets (GSM 7-bit) or 67 UTF-16 units (UCS-2). */
function split(text: string): string[] {
  const gsm = gsmSeptets(text) !== null
  const single = gsm ? 160 : 70
  const cost = (char: string) => (gsm ? gsmSeptets(char)!.length : char.length)
  if ([...text].reduce((n, c) => n + cost(c), 0) <= single) return [text]
  const parts: string[] = []
  let current = ""
  let used = 0
  for (const char of text) {
    if (used + cost(char) > (gsm ? 153 : 67)) {
      parts.push(current)
      current = ""
      used = 0
    }
    current += char
    used += cost(char)
  }
  return [...parts, current]
}

let reference = 0

function mo(from: string, text: string, direct: boolean): void {
  const parts = split(text)
  reference = (reference + 1) & 0xff
  parts.forEach((part, i) => {
    const spec = {
      from,
      text: part,
      concat: parts.length > 1 ? { reference, total: parts.length, sequence: i + 1 } : undefined,
    }
    if (direct) modem.receiveDirect(spec)
    else print({ event: "stored", index: modem.receive(spec) })
  })
}

async function command(line: string): Promise<boolean> {
  const [verb = "", ...args] = line.trim().split(/\s+/u)
  switch (verb) {
    case "":
      return true
    case "sms":
    case "flash":
      if (args.length < 2) print({ error: `usage: ${verb} <from> <text…>` })
      else mo(args[0]!, args.slice(1).join(" "), verb === "flash")
      return true
    case "report":
      modem.statusReport(Number(args[0]), Number(args[1] ?? "0"))
      return true
    case "fail":
      modem.failNextSends(Number(args[0]), Number(args[1] ?? "1"))
      return true
    case "reg":
      modem.setRegistration(Number(args[0]))
      return true
    case "silent":
      modem.setSilent(args[0] !== "off")
      return true
    case "garbage":
      modem.sendRaw(Uint8Array.of(0x00, 0xff, 0x13, 0x0d, 0x0a, 0x7e, 0x1b, 0x81, 0x0d, 0x0a))
      return true
    case "unplug":
      await modem.unplug()
      print({ event: "unplugged" })
      return true
    case "replug":
      await modem.replug()
      print({ event: "plugged", device: modem.devicePath })
      return true
    case "sim":
      print({ sim: [...modem.sim].map(([index, s]) => ({ index, stat: s.stat, pdu: s.pdu.hex })) })
      return true
    case "quit":
      return false
    default:
      process.stdout.write(`${HELP}\n`)
      return true
  }
}

await modem.start()
print({ device: modem.devicePath })

let exiting = false
async function shutdown(): Promise<void> {
  if (exiting) return
  exiting = true
  await modem.stop()
  process.exit(0)
}
process.on("SIGTERM", shutdown)
process.on("SIGINT", shutdown)

// Without a terminal (stdin at EOF) the simulator keeps running until a signal.
const input = createInterface({ input: process.stdin })
for await (const line of input) {
  if (!(await command(line))) {
    await shutdown()
    break
  }
}
