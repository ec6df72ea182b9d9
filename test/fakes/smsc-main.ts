/**
 * The fake SMSC as its own process, for benchmarks and cross-process tests:
 *   bun test/fakes/smsc-main.ts --port 0 --receipts auto [--receipt-delay-ms N]
 *     [--id-format hex|decimal] [--response-delay-ms N] [--throttle-above N] [--stamps FILE]
 *     [--reject-bind] [--drop-after-submits N] [--black-hole] [--drop-bind-every-ms N]
 *     [--error-status N [--error-fraction F]]
 * Prints {"port":N} once listening; on SIGTERM or SIGINT prints {"submits":N,"receipts":N}
 * and exits. Keeps counters only; with --stamps it also writes one line per submit_sm,
 * "destination_addr<TAB>epoch ms" (fractional), for latency measurements.
 *
 * Control while it runs: one JSON object per line on stdin, answered by one JSON line on stdout
 * (with the request's "id" echoed when given). Spawn it with stdin: "pipe" to use this.
 *   {"cmd":"set","behaviour":{"throttleAbove":50,"dropBindEveryMs":2000,"rejectBind":false}}
 *     → {"ok":true}            any FakeSmscBehaviour field; null switches a fault off
 *   {"cmd":"mo","from":"+4915112345678","to":"12345","text":"STOP","split":"udh8"}
 *     → {"ok":true,"statuses":[0]}   every MoSpec field (encoding, dataSm, order, sessionIndex…)
 *   {"cmd":"counters"} → {"ok":true,"counters":{…},"binds":{"accepted":N,"rejected":N},"bound":N}
 *   {"cmd":"unbind"} / {"cmd":"drop"} → {"ok":true}   unbind / close every bound session
 * A line that is not understood gets {"ok":false,"error":"…"}.
 */
import { createInterface } from "node:readline"
import { parseArgs } from "node:util"
import { type FakeSmscBehaviour, type MoSpec, startFakeSmsc } from "./smsc.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    receipts: { type: "string", default: "none" },
    "receipt-delay-ms": { type: "string", default: "0" },
    "id-format": { type: "string", default: "hex" },
    "response-delay-ms": { type: "string", default: "0" },
    "throttle-above": { type: "string" },
    "reject-bind": { type: "boolean", default: false },
    "drop-after-submits": { type: "string" },
    "black-hole": { type: "boolean", default: false },
    "drop-bind-every-ms": { type: "string" },
    "error-status": { type: "string" },
    "error-fraction": { type: "string", default: "1" },
    stamps: { type: "string" },
  },
})

const stamps = values.stamps ? Bun.file(values.stamps).writer() : null
const optionalNumber = (value: string | undefined) => (value ? Number(value) : null)

const smsc = await startFakeSmsc({
  record: false,
  port: Number(values.port),
  receipts: values.receipts === "auto" ? "auto" : "none",
  receiptDelayMs: Number(values["receipt-delay-ms"]),
  idFormat: values["id-format"] === "decimal" ? "decimal" : "hex",
  responseDelayMs: Number(values["response-delay-ms"]),
  throttleAbove: optionalNumber(values["throttle-above"]),
  rejectBind: values["reject-bind"],
  dropAfterSubmits: optionalNumber(values["drop-after-submits"]),
  blackHole: values["black-hole"],
  dropBindEveryMs: optionalNumber(values["drop-bind-every-ms"]),
  errorOnSubmit: values["error-status"]
    ? { status: Number(values["error-status"]), fraction: Number(values["error-fraction"]) }
    : null,
  onSubmit: stamps
    ? (pdu) => {
        const at = (performance.timeOrigin + performance.now()).toFixed(3)
        stamps.write(`${pdu.destination_addr}\t${at}\n`)
      }
    : undefined,
})
process.stdout.write(`${JSON.stringify({ port: smsc.port })}\n`)

type Command = { cmd?: unknown; id?: unknown; behaviour?: unknown } & Record<string, unknown>

async function control(command: Command): Promise<Record<string, unknown>> {
  switch (command.cmd) {
    case "set":
      if (typeof command.behaviour !== "object" || command.behaviour === null) {
        throw new Error('"set" needs a "behaviour" object')
      }
      smsc.setBehaviour(command.behaviour as Partial<FakeSmscBehaviour>)
      return {}
    case "mo": {
      const { cmd: _, id: __, ...spec } = command
      return { statuses: await smsc.sendMo(spec as unknown as MoSpec) }
    }
    case "counters":
      return {
        counters: smsc.counters,
        binds: { accepted: smsc.binds.accepted, rejected: smsc.binds.rejected },
        bound: smsc.boundSessions(),
      }
    case "unbind":
      smsc.unbindAll()
      return {}
    case "drop":
      smsc.dropAll()
      return {}
    default:
      throw new Error(`unknown cmd ${JSON.stringify(command.cmd)}`)
  }
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return
  let command: Command = {}
  void (async () => {
    try {
      command = JSON.parse(line) as Command
      const answer = await control(command)
      reply({ ok: true, ...answer }, command.id)
    } catch (error) {
      reply({ ok: false, error: (error as Error).message }, command.id)
    }
  })()
})

function reply(answer: Record<string, unknown>, id: unknown): void {
  process.stdout.write(`${JSON.stringify(id === undefined ? answer : { id, ...answer })}\n`)
}

let exiting = false
async function shutdown(): Promise<void> {
  if (exiting) return
  exiting = true
  const { submits, receipts } = smsc.counters
  await stamps?.end()
  process.stdout.write(`${JSON.stringify({ submits, receipts })}\n`)
  await smsc.close()
  process.exit(0)
}
process.on("SIGTERM", shutdown)
process.on("SIGINT", shutdown)
