/**
 * Backlog benchmark (issue 3): does a deep queue slow dequeueing or grow memory?
 *
 *   bun bench/backlog.ts [--small 1000] [--large 1000000] [--measure 50000]
 *
 * Two runs on fresh databases, each pre-filled with queued messages written straight into
 * SQLite through the store (what a million accepted requests leave behind), then the gateway
 * and the fake SMSC (receipts on) as separate processes. Submit times come from the SMSC's
 * --stamps file.
 *
 A queue of 1,000 drains in a tenth of a second, so single windows are noisy: the small case
 * runs `--rounds` times and the large run is cut into windows of `small` submits; medians compare.
 *
 * small_per_s        median submits/s draining the small queue, first to last submit
 * large_per_s        median submits/s over windows of `small` submits in the first `measure`
 *                    submits of the large run (the queue stays above large − measure throughout)
 * large_overall_per_s  submits/s over the whole first `measure` submits of the large run
 * ratio              large_per_s / small_per_s (target ≥ 0.9)
 * rss_mb             the gateway's peak RSS during the large run (target < 250)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { ROOT_ACCOUNT } from "../src/core/auth.ts"
import { openStore } from "../src/store/index.ts"
import { BENCH_HEADERS, log, readStamps, rssSampler, spawnGateway, spawnSmsc } from "./support.ts"

const { values } = parseArgs({
  options: {
    small: { type: "string", default: "1000" },
    large: { type: "string", default: "1000000" },
    measure: { type: "string", default: "50000" },
    rounds: { type: "string", default: "5" },
  },
})
const small = Number(values.small)
const large = Number(values.large)
const measure = Math.min(Number(values.measure), large)

function fill(dbPath: string, count: number): void {
  const store = openStore(dbPath)
  const now = Date.now()
  const CHUNK = 50_000
  for (let done = 0; done < count; done += CHUNK) {
    store.transaction(() => {
      const batch = `bat_backlog_${done}`
      const n = Math.min(CHUNK, count - done)
      for (let i = 0; i < n; i++) {
        const k = done + i
        const id = `msg_backlog_${String(k).padStart(8, "0")}` // time-ordered, like newId()
        store.messages.insertMessage({
          id,
          batch_id: batch,
          account_id: ROOT_ACCOUNT,
          to_number: `+4915${String(k).padStart(9, "0")}`,
          from_addr: null,
          body: `Backlog message ${k}`,
          encoding: "gsm7",
          segments: 1,
          reference: k % 256,
          priority: 5,
          status: "queued",
          scheduled_at: null,
          not_before: now,
          created_at: now,
          expires_at: null,
          callback_url: null,
        })
        store.messages.addEvent(id, "queued", now, "accepted")
      }
    })
  }
  store.close()
}

async function run(count: number, stopAfter: number) {
  const dir = mkdtempSync(join(tmpdir(), "signalbox-backlog-"))
  const stamps = join(dir, "submits.tsv")
  const t0 = performance.now()
  fill(join(dir, "signalbox.db"), count)
  log(`queued ${count} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  const smsc = await spawnSmsc(["--receipts", "auto", "--stamps", stamps])
  const gateway = await spawnGateway(
    dir,
    `[[connectors]]
id = "smsc"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "bench"
sessions = 2
window = 200
tps = 100000
`,
  )
  const rss = rssSampler(() => gateway.proc.pid)
  // Wait for `stopAfter` submits, reading the gateway's own counter (no database reads).
  for (;;) {
    const res = await fetch(`${gateway.url}/v1/connectors`, { headers: BENCH_HEADERS })
    const body = (await res.json()) as { data: { counters: { sent: number } }[] }
    if ((body.data[0]?.counters.sent ?? 0) >= stopAfter) break
    await Bun.sleep(100)
  }
  rss.stop()
  gateway.proc.kill("SIGTERM")
  await gateway.proc.exited
  await smsc.stop()
  const submits = readStamps(stamps)
  rmSync(dir, { recursive: true, force: true })
  const rate = (n: number) => {
    const first = submits[0]!.at
    const last = submits[Math.min(n, submits.length) - 1]!.at
    return Math.round((Math.min(n, submits.length) - 1) / ((last - first) / 1000))
  }
  const windowRate = (from: number, to: number) => {
    const a = submits[from]?.at
    const b = submits[Math.min(to, submits.length) - 1]?.at
    return a === undefined || b === undefined
      ? null
      : Math.round((Math.min(to, submits.length) - 1 - from) / ((b - a) / 1000))
  }
  return { rate, windowRate, rss: rss.peak(), submits: submits.length }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y)
  return sorted[Math.floor(sorted.length / 2)]!
}
const smallRates: number[] = []
let smallRss = 0
for (let r = 0; r < Number(values.rounds); r++) {
  const a = await run(small, small)
  smallRates.push(a.rate(small))
  smallRss = Math.max(smallRss, a.rss)
}
const smallRate = median(smallRates)
log(`small: ${small} queued → ${smallRates.join(", ")}/s (median ${smallRate}), rss ${smallRss} MB`)
const b = await run(large, measure)
const windows: number[] = []
for (let from = 0; from + small <= measure; from += small) {
  const w = b.windowRate(from, from + small)
  if (w !== null) windows.push(w)
}
const largeRate = median(windows)
const overall = b.rate(measure)
log(
  `large: ${large} queued → median of ${windows.length} windows ${largeRate}/s, overall ${overall}/s, rss ${b.rss} MB`,
)
process.stdout.write(
  `${JSON.stringify({
    small,
    large,
    measured: measure,
    small_per_s: smallRate,
    large_per_s: largeRate,
    large_overall_per_s: overall,
    ratio: Number((largeRate / smallRate).toFixed(3)),
    rss_mb: b.rss,
    small_rss_mb: smallRss,
  })}\n`,
)
