/**
 * Accept-path micro benchmark: the gateway's CPU per POST /v1/messages with nothing dispatched
 * (every message is scheduled a day ahead), to see what the HTTP + validation + commit path costs.
 *
 *   bun bench/accept-only.ts [--requests 20000] [--clients 64] [--recipients 1]
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { BENCH_HEADERS, cpuSeconds, percentile, spawnGateway } from "./support.ts"

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "20000" },
    clients: { type: "string", default: "64" },
    recipients: { type: "string", default: "1" },
  },
})
const requests = Number(values.requests)
const perRequest = Number(values.recipients)
const dir = mkdtempSync(join(tmpdir(), "signalbox-accept-"))
const gateway = await spawnGateway(dir, "")
const at = new Date(Date.now() + 86_400_000).toISOString()
const latencies = new Float64Array(requests)
let next = 0
const cpu0 = cpuSeconds(gateway.proc.pid)
const t0 = performance.now()
await Promise.all(
  Array.from({ length: Number(values.clients) }, async () => {
    for (;;) {
      const i = next++
      if (i >= requests) return
      const to = Array.from(
        { length: perRequest },
        (_, r) => `+4915${String(i * perRequest + r).padStart(9, "0")}`,
      )
      const s = performance.now()
      const res = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: BENCH_HEADERS,
        body: JSON.stringify({
          to: perRequest === 1 ? to[0] : to,
          message: `Benchmark message ${i}`,
          scheduled_at: at,
        }),
      })
      await res.arrayBuffer()
      latencies[i] = performance.now() - s
    }
  }),
)
const seconds = (performance.now() - t0) / 1000
const cpu = cpuSeconds(gateway.proc.pid) - cpu0
gateway.proc.kill("SIGTERM")
await gateway.proc.exited
rmSync(dir, { recursive: true, force: true })
process.stdout.write(
  `${JSON.stringify({
    requests,
    recipients_per_request: perRequest,
    requests_per_s: Math.round(requests / seconds),
    p99_ms: percentile(latencies, 99),
    gateway_cpu_us_per_request: Math.round((cpu * 1e6) / requests),
  })}\n`,
)
