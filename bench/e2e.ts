/**
 * End-to-end benchmark: gateway and fake SMSC run as separate processes; this process is the
 * HTTP load. Prints one JSON line.
 *
 *   bun bench/e2e.ts [--messages 20000] [--clients 64] [--recipients 1] [--synchronous normal]
 *     [--smsc lean|smpp] [--load raw|fetch] [--warmup 2000] [--account admin|customer]
 *     [--webhook]
 *
 * --smsc lean (default) is bench/lean-smsc.ts, raw SMPP frames; smpp is the test fake built on
 * the `smpp` library (~4× the fixture CPU). --load raw (default) sends over bench/http-keepalive.ts,
 * fetch over `fetch`. Both fixtures share the 2 cores with the gateway, so their cost shows in
 * the gateway's rates; the *_cpu_ms_per_1k figures give each process's share.
 * --account customer sends as a customer with prepaid SMS credits (created through the API), so
 * every message also moves credits through the ledger (reserve at accept, capture when sent);
 * admin (default) sends as the operator, whose messages are not metered.
 * --webhook subscribes an endpoint to message.sent and message.delivered (two webhook deliveries
 * per message), served by a receiver in this process that answers 204; the run then waits for
 * every delivery to succeed too (webhooks_per_s).
 * --warmup N first sends N messages (to other numbers) and waits for their delivery, unmeasured:
 * a fresh process answers its first ~300 ms of requests from cold code; --warmup 0 measures that.
 *
 * accepted_per_s   recipients committed (202) per second of the send phase
 * delivered_per_s  recipients `delivered` (receipt stored) per second, first send → last delivery
 * p50/p99_accept_ms  HTTP request latency as the client sees it
 * p99_submit_ms    HTTP 202 → the submit_sm for that recipient seen by the SMSC
 * rss_mb           the gateway's peak resident memory, sampled every 100 ms
 * gateway_cpu_ms_per_1k  the gateway's CPU (user + system) per 1,000 messages delivered
 */
import { Database } from "bun:sqlite"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseArgs } from "node:util"
import { keepAliveClient } from "./http-keepalive.ts"
import {
  BENCH_HEADERS,
  cpuSeconds,
  log,
  percentile,
  readStamps,
  rssSampler,
  spawnGateway,
  spawnSmsc,
} from "./support.ts"

const { values } = parseArgs({
  options: {
    messages: { type: "string", default: "20000" },
    clients: { type: "string", default: "64" },
    recipients: { type: "string", default: "1" },
    synchronous: { type: "string", default: "normal" },
    sessions: { type: "string", default: "2" },
    window: { type: "string", default: "200" },
    smsc: { type: "string", default: "lean" },
    load: { type: "string", default: "raw" },
    warmup: { type: "string", default: "2000" },
    keep: { type: "boolean", default: false },
    account: { type: "string", default: "admin" },
    webhook: { type: "boolean", default: false },
  },
})
const total = Number(values.messages)
const clients = Number(values.clients)
const perRequest = Number(values.recipients)
const warmup = Number(values.warmup)
const dir = mkdtempSync(join(tmpdir(), "signalbox-bench-"))
const stampFile = join(dir, "submits.tsv")
const dbPath = join(dir, "signalbox.db")

if (values.smsc !== "lean" && values.smsc !== "smpp") throw new Error("--smsc lean|smpp")
if (values.load !== "raw" && values.load !== "fetch") throw new Error("--load raw|fetch")
if (values.account !== "admin" && values.account !== "customer")
  throw new Error("--account admin|customer")
const smsc = await spawnSmsc(["--receipts", "auto", "--stamps", stampFile], values.smsc)
const gateway = await spawnGateway(
  dir,
  `[[connectors]]
id = "smsc"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "bench"
password = "bench"
sessions = ${values.sessions}
window = ${values.window}
tps = 100000
`,
  { synchronous: values.synchronous },
)
const url = gateway.url
const rss = rssSampler(() => gateway.proc.pid)
const headers = values.account === "customer" ? await customerHeaders() : BENCH_HEADERS
const receiver = values.webhook ? await webhookReceiver() : null
const db = new Database(dbPath, { readonly: true })
const countDelivered = db.query<{ n: number }, []>(
  "SELECT count(*) AS n FROM messages WHERE status = 'delivered'",
)

type Post = (body: string) => Promise<{ status: number }>

/** A receiver answering 204, subscribed to the two events every delivered message makes. */
async function webhookReceiver() {
  let received = 0
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      await req.arrayBuffer()
      received++
      return new Response(null, { status: 204 })
    },
  })
  const res = await fetch(`${url}/v1/webhooks`, {
    method: "POST",
    headers: BENCH_HEADERS,
    body: JSON.stringify({
      url: `http://127.0.0.1:${server.port}/hooks`,
      events: ["message.sent", "message.delivered"],
    }),
  })
  if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`)
  return { server, received: () => received }
}

/** A customer with enough credits for every message of the run, and an unlimited key's headers. */
async function customerHeaders(): Promise<Record<string, string>> {
  const res = await fetch(`${url}/v1/customers`, {
    method: "POST",
    headers: BENCH_HEADERS,
    body: JSON.stringify({
      full_name: "Bench customer",
      phone: "+233201234567",
      country_code: "GH",
      initial_sms_credits: (warmup + total) * 10,
    }),
  })
  const customer = (await res.json()) as { id?: string }
  if (res.status !== 201) throw new Error(`customer: ${JSON.stringify(customer)}`)
  // Its first key has the default rate limit (100 requests/s); the operator grants none.
  const keyRes = await fetch(`${url}/v1/keys`, {
    method: "POST",
    headers: BENCH_HEADERS,
    body: JSON.stringify({
      account_id: customer.id,
      scopes: ["sms.send"],
      mode: "live",
      label: "bench",
      rate_limit: { per_second: null, per_hour: null },
    }),
  })
  const key = (await keyRes.json()) as { key?: string }
  if (keyRes.status !== 201 || !key.key) throw new Error(`key: ${JSON.stringify(key)}`)
  return { ...BENCH_HEADERS, authorization: `Bearer ${key.key}` }
}

async function connect(): Promise<Post> {
  if (values.load === "fetch") {
    return async (body) => {
      const res = await fetch(`${url}/v1/messages`, { method: "POST", headers, body })
      await res.arrayBuffer()
      return res
    }
  }
  const conn = await keepAliveClient(url, headers)
  return (body) => conn.post("/v1/messages", body)
}

/** Sends `count` recipients to numbers under `prefix`, one client per connection. */
async function send(posts: Post[], count: number, prefix: string) {
  const requests = Math.ceil(count / perRequest)
  const latencies = new Float64Array(requests)
  const acceptedAt = new Map<string, number>() // destination digits → epoch ms of the 202
  let next = 0
  let failures = 0
  const client = async (post: Post) => {
    for (;;) {
      const i = next++
      if (i >= requests) return
      const to: string[] = []
      for (let r = 0; r < perRequest && i * perRequest + r < count; r++) {
        to.push(`${prefix}${String(i * perRequest + r).padStart(9, "0")}`)
      }
      const t0 = performance.now()
      const res = await post(
        JSON.stringify({ to: perRequest === 1 ? to[0] : to, message: `Benchmark message ${i}` }),
      )
      const t1 = performance.now()
      latencies[i] = t1 - t0
      if (res.status !== 202) {
        failures++
        continue
      }
      const at = performance.timeOrigin + t1
      for (const d of to) acceptedAt.set(d.slice(1), at)
    }
  }
  await Promise.all(posts.map(client))
  return { latencies, acceptedAt, failures }
}

/** Waits until `n` messages in all are delivered (5 minutes at most); the count reached. */
async function deliveredReaches(n: number): Promise<number> {
  let delivered = 0
  const deadline = Date.now() + 300_000
  while (Date.now() < deadline) {
    delivered = countDelivered.get()!.n
    if (delivered >= n) break
    await Bun.sleep(100)
  }
  return delivered
}

/**
 * With --webhook: waits until `n` webhooks in all were answered (5 minutes at most). The rate
 * counts what arrived since the send phase started, so a run cut short reports what it did.
 */
async function webhooksReach(
  n: number,
  atStart: number,
): Promise<{ received: number; per_s: number; timed_out: boolean }> {
  const deadline = Date.now() + 300_000
  while (receiver!.received() < n && Date.now() < deadline) await Bun.sleep(50)
  const ended = performance.timeOrigin + performance.now()
  const received = receiver!.received()
  return {
    received,
    per_s: Math.round((received - atStart) / ((ended - started) / 1000)),
    timed_out: received < n,
  }
}

const posts = await Promise.all(Array.from({ length: clients }, connect))
if (warmup > 0) {
  // Not measured: JIT compilation and the first claims of a fresh process (docs/performance.md).
  const w = await send(posts, warmup, "+4916")
  await deliveredReaches(w.acceptedAt.size)
  log(`warm-up: ${w.acceptedAt.size} sent and delivered`)
}
const warmedUp = countDelivered.get()!.n
const cpuAtStart = cpuSeconds(gateway.proc.pid)
const smscCpuAtStart = cpuSeconds(smsc.proc.pid)
const loadCpuAtStart = process.cpuUsage()
const started = performance.timeOrigin + performance.now()
const webhooksAtStart = receiver?.received() ?? 0
const { latencies, acceptedAt, failures } = await send(posts, total, "+4915")
const sendEnded = performance.timeOrigin + performance.now()
const accepted = acceptedAt.size
log(
  `accepted ${accepted} in ${((sendEnded - started) / 1000).toFixed(2)} s (${failures} failed requests)`,
)
const delivered = (await deliveredReaches(warmedUp + accepted)) - warmedUp
const deliveredEnded = performance.timeOrigin + performance.now()
const webhooks = receiver ? await webhooksReach(2 * (warmedUp + accepted), webhooksAtStart) : null
db.close()
rss.stop()
const gatewayCpu = cpuSeconds(gateway.proc.pid) - cpuAtStart
const smscCpu = cpuSeconds(smsc.proc.pid) - smscCpuAtStart
const loadCpuUsage = process.cpuUsage(loadCpuAtStart)
const loadCpu = (loadCpuUsage.user + loadCpuUsage.system) / 1e6

await smsc.stop()
const submitLatency: number[] = []
for (const { dest, at } of readStamps(stampFile)) {
  const a = acceptedAt.get(dest)
  if (a !== undefined) submitLatency.push(Math.max(0, at - a))
}
receiver?.server.stop(true)
gateway.proc.kill("SIGTERM")
await gateway.proc.exited

const pct = percentile
const result = {
  messages: total,
  clients,
  recipients_per_request: perRequest,
  synchronous: values.synchronous,
  smsc: values.smsc,
  load: values.load,
  warmup,
  account: values.account,
  accepted,
  delivered,
  failed_requests: failures,
  accepted_per_s: Math.round(accepted / ((sendEnded - started) / 1000)),
  delivered_per_s: Math.round(delivered / ((deliveredEnded - started) / 1000)),
  ...(webhooks
    ? {
        webhooks_received: webhooks.received,
        webhooks_per_s: webhooks.per_s,
        webhooks_timed_out: webhooks.timed_out,
      }
    : {}),
  p50_accept_ms: pct(latencies, 50),
  p99_accept_ms: pct(latencies, 99),
  p99_submit_ms: pct(submitLatency, 99),
  rss_mb: rss.peak(),
  // The gateway's own CPU per 1,000 messages (accept → delivered): steadier than rates on a
  // shared machine, and what optimisation changes.
  gateway_cpu_ms_per_1k: Math.round((gatewayCpu * 1000 * 1000) / Math.max(1, delivered)),
  smsc_cpu_ms_per_1k: Math.round((smscCpu * 1000 * 1000) / Math.max(1, delivered)),
  load_cpu_ms_per_1k: Math.round((loadCpu * 1000 * 1000) / Math.max(1, delivered)),
}
process.stdout.write(`${JSON.stringify(result)}\n`)
if (!values.keep) rmSync(dir, { recursive: true, force: true })
