/**
 * Crash benchmark (issue 3): `kill -9` the gateway `--kills` times during `--seconds` of load,
 * restarting it each time on the same database, then check every acknowledged message.
 *
 *   bun bench/crash.ts [--seconds 60] [--kills 10] [--clients 16] [--sessions 2] [--window 50]
 *
 * accepted          messages answered 202 (each has its own destination number)
 * lost              accepted but missing from the database, or never seen by the SMSC
 * not_final         accepted but still queued/sending/failed after the last restart drained
 * receipts_lost     sent but never delivered: the fake SMSC sends a receipt again until it is
 *                   answered ESME_ROK (as a real SMSC does), so only a receipt the gateway answered
 *                   before storing it, and then lost in a kill, ends here
 * duplicates        extra submit_sm at the SMSC beyond one per accepted message
 * duplicate_bound   kills × sessions × window: the most that may be in flight at the kills
 */
import { Database } from "bun:sqlite"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import {
  BENCH_HEADERS,
  type GatewayProcess,
  log,
  readStamps,
  spawnGateway,
  spawnSmsc,
} from "./support.ts"

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    kills: { type: "string", default: "10" },
    clients: { type: "string", default: "16" },
    sessions: { type: "string", default: "2" },
    window: { type: "string", default: "50" },
    keep: { type: "boolean", default: false },
  },
})
const seconds = Number(values.seconds)
const kills = Number(values.kills)
const dir = mkdtempSync(join(tmpdir(), "signalbox-crash-"))
const stamps = join(dir, "submits.tsv")
const dbPath = join(dir, "signalbox.db")

const smsc = await spawnSmsc(["--receipts", "auto", "--receipt-delay-ms", "50", "--stamps", stamps])
const toml = `[[connectors]]
id = "smsc"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "bench"
sessions = ${values.sessions}
window = ${values.window}
tps = 100000
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[queue]
retry_base_ms = 50
retry_cap_ms = 500
`
let gateway: GatewayProcess = await spawnGateway(dir, toml)
const acknowledged = new Map<string, string>() // destination digits → message id
let serial = 0
let running = true
let refused = 0

async function client(): Promise<void> {
  while (running) {
    const n = serial++
    const to = `+4915${String(n).padStart(9, "0")}`
    try {
      const res = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: BENCH_HEADERS,
        body: JSON.stringify({ to, message: `crash bench ${n}` }),
      })
      if (res.status === 202) {
        const body = (await res.json()) as { messages: { id: string }[] }
        acknowledged.set(to.slice(1), body.messages[0]!.id)
      } else {
        refused++
        await res.arrayBuffer()
      }
    } catch {
      await Bun.sleep(10) // the gateway is down between a kill and its restart
    }
  }
}

const started = Date.now()
const clients = Array.from({ length: Number(values.clients) }, client)
const gap = (seconds * 1000) / (kills + 1)
for (let k = 1; k <= kills; k++) {
  await Bun.sleep(Math.max(0, started + gap * k - Date.now()))
  gateway.proc.kill("SIGKILL")
  await gateway.proc.exited
  log(`kill ${k}: ${acknowledged.size} acknowledged so far`)
  gateway = await spawnGateway(dir, toml, { waitReady: false })
}
await Bun.sleep(Math.max(0, started + seconds * 1000 - Date.now()))
running = false
await Promise.all(clients)
log(
  `load stopped after ${((Date.now() - started) / 1000).toFixed(1)} s: ${acknowledged.size} acknowledged, ${refused} refused`,
)

// Let the last gateway drain the queue (receipts included), then stop everything.
const db = new Database(dbPath, { readonly: true })
const open = db.query<{ n: number }, []>(
  "SELECT count(*) AS n FROM messages WHERE status IN ('queued','sending','scheduled')",
)
const deadline = Date.now() + 300_000
while (open.get()!.n > 0 && Date.now() < deadline) await Bun.sleep(200)
await Bun.sleep(500) // the last receipts
const status = new Map(
  db
    .query<{ id: string; status: string }, []>("SELECT id, status FROM messages")
    .all()
    .map((r) => [r.id, r.status]),
)
db.close()
gateway.proc.kill("SIGTERM")
await gateway.proc.exited
await smsc.stop()

const perDestination = new Map<string, number>()
for (const { dest } of readStamps(stamps))
  perDestination.set(dest, (perDestination.get(dest) ?? 0) + 1)
let lost = 0
let notFinal = 0
let duplicates = 0
const byStatus: Record<string, number> = {}
for (const [dest, id] of acknowledged) {
  const s = status.get(id)
  if (s === undefined || !perDestination.has(dest)) lost++
  if (s !== undefined) byStatus[s] = (byStatus[s] ?? 0) + 1
  if (s !== "sent" && s !== "delivered") notFinal++
}
for (const n of perDestination.values()) duplicates += n - 1
const bound = kills * Number(values.sessions) * Number(values.window)
process.stdout.write(
  `${JSON.stringify({
    seconds,
    kills,
    accepted: acknowledged.size,
    lost,
    not_final: notFinal,
    receipts_lost: byStatus.sent ?? 0,
    duplicates,
    duplicate_bound: bound,
    within_bound: duplicates <= bound,
    statuses: byStatus,
  })}\n`,
)
if (!values.keep) rmSync(dir, { recursive: true, force: true })
