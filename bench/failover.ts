/**
 * Failover benchmark (issue 3): two carriers, one dropping its bind every `--drop-every-ms`.
 *
 *   bun bench/failover.ts [--messages 20000] [--clients 64] [--drop-every-ms 2000]
 *
 * Run 1 (baseline): one healthy carrier. Run 2: route ["flappy", "healthy"] in failover order,
 * where "flappy" closes every bound session every 2 s. Both runs send the same HTTP load and wait
 * until every accepted message is final (delivered or failed) in SQLite.
 *
 * baseline_per_s   final messages per second, first request → last final, one healthy carrier
 * failover_per_s   the same with the flapping carrier first in the route
 * ratio            failover_per_s / baseline_per_s (target ≥ 0.7)
 * lost             accepted but not final (or missing) when the run ended (target 0)
 * by_connector     where the messages of run 2 ended up
 */
import { Database } from "bun:sqlite"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { BENCH_HEADERS, log, rssSampler, spawnGateway, spawnSmsc } from "./support.ts"

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    clients: { type: "string", default: "64" },
    "drop-every-ms": { type: "string", default: "2000" },
  },
})
const total = Number(values.messages)
const clients = Number(values.clients)

function smppConnector(id: string, port: number): string {
  return `[[connectors]]
id = "${id}"
type = "smpp"
host = "127.0.0.1"
port = ${port}
system_id = "bench"
sessions = 2
window = 200
tps = 100000
reconnect_min_s = 0.05
reconnect_max_s = 0.5
response_timeout_s = 2
`
}

async function run(flapping: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "signalbox-failover-"))
  const healthy = await spawnSmsc(["--receipts", "auto"])
  const flappy = flapping
    ? await spawnSmsc(["--receipts", "auto", "--drop-bind-every-ms", values["drop-every-ms"]!])
    : null
  const toml = flappy
    ? `${smppConnector("flappy", flappy.port)}${smppConnector("healthy", healthy.port)}
[[routes]]
prefix = "*"
connectors = ["flappy", "healthy"]
[queue]
retry_base_ms = 100
retry_cap_ms = 1000
`
    : `${smppConnector("healthy", healthy.port)}`
  const gateway = await spawnGateway(dir, toml)
  const rss = rssSampler(() => gateway.proc.pid)
  let next = 0
  let accepted = 0
  let failedRequests = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++
        if (i >= total) return
        const res = await fetch(`${gateway.url}/v1/messages`, {
          method: "POST",
          headers: BENCH_HEADERS,
          body: JSON.stringify({
            to: `+4915${String(i).padStart(9, "0")}`,
            message: `Failover bench ${i}`,
          }),
        })
        if (res.status === 202) accepted++
        else failedRequests++
        await res.arrayBuffer()
      }
    }),
  )
  const db = new Database(join(dir, "signalbox.db"), { readonly: true })
  const finals = db.query<{ n: number }, []>(
    "SELECT count(*) AS n FROM messages WHERE status IN ('delivered','failed','expired')",
  )
  const deadline = Date.now() + 300_000
  let final = 0
  while (Date.now() < deadline) {
    final = finals.get()!.n
    if (final >= accepted) break
    await Bun.sleep(50)
  }
  const elapsed = (performance.now() - started) / 1000
  const byStatus = Object.fromEntries(
    db
      .query<{ status: string; n: number }, []>(
        "SELECT status, count(*) AS n FROM messages GROUP BY status",
      )
      .all()
      .map((r) => [r.status, r.n]),
  )
  const byConnector = Object.fromEntries(
    db
      .query<{ c: string | null; n: number }, []>(
        "SELECT connector_id AS c, count(*) AS n FROM messages GROUP BY connector_id",
      )
      .all()
      .map((r) => [r.c ?? "none", r.n]),
  )
  const retried = db
    .query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE attempts > 1")
    .get()!.n
  db.close()
  rss.stop()
  gateway.proc.kill("SIGTERM")
  await gateway.proc.exited
  await healthy.stop()
  await flappy?.stop()
  rmSync(dir, { recursive: true, force: true })
  return {
    perSecond: Math.round(final / elapsed),
    accepted,
    final,
    failedRequests,
    byStatus,
    byConnector,
    retried,
    rss: rss.peak(),
  }
}

const baseline = await run(false)
log(`baseline: ${JSON.stringify(baseline)}`)
const failover = await run(true)
log(`failover: ${JSON.stringify(failover)}`)
process.stdout.write(
  `${JSON.stringify({
    messages: total,
    drop_every_ms: Number(values["drop-every-ms"]),
    baseline_per_s: baseline.perSecond,
    failover_per_s: failover.perSecond,
    ratio: Number((failover.perSecond / baseline.perSecond).toFixed(3)),
    accepted: failover.accepted,
    final: failover.final,
    lost: failover.accepted - failover.final,
    failed: failover.byStatus.failed ?? 0,
    retried: failover.retried,
    by_connector: failover.byConnector,
    rss_mb: failover.rss,
  })}\n`,
)
