/**
 * The fake SMSC as its own process, for benchmarks:
 *   bun test/fakes/smsc-main.ts --port 0 --receipts auto [--receipt-delay-ms N]
 *     [--id-format hex|decimal] [--response-delay-ms N] [--throttle-above N] [--stamps FILE]
 * Prints {"port":N} once listening; on SIGTERM or SIGINT prints {"submits":N,"receipts":N}
 * and exits. Keeps counters only; with --stamps it also writes one line per submit_sm,
 * "destination_addr<TAB>epoch ms" (fractional), for latency measurements.
 */
import { parseArgs } from "node:util"
import { startFakeSmsc } from "./smsc.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    receipts: { type: "string", default: "none" },
    "receipt-delay-ms": { type: "string", default: "0" },
    "id-format": { type: "string", default: "hex" },
    "response-delay-ms": { type: "string", default: "0" },
    "throttle-above": { type: "string" },
    stamps: { type: "string" },
  },
})

const stamps = values.stamps ? Bun.file(values.stamps).writer() : null

const smsc = await startFakeSmsc({
  record: false,
  port: Number(values.port),
  receipts: values.receipts === "auto" ? "auto" : "none",
  receiptDelayMs: Number(values["receipt-delay-ms"]),
  idFormat: values["id-format"] === "decimal" ? "decimal" : "hex",
  responseDelayMs: Number(values["response-delay-ms"]),
  throttleAbove: values["throttle-above"] ? Number(values["throttle-above"]) : null,
  onSubmit: stamps
    ? (pdu) => {
        const at = (performance.timeOrigin + performance.now()).toFixed(3)
        stamps.write(`${pdu.destination_addr}\t${at}\n`)
      }
    : undefined,
})
process.stdout.write(`${JSON.stringify({ port: smsc.port })}\n`)

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
