/**
 * Shared pieces of the benchmarks: the fake SMSC and the gateway as separate processes, an RSS
 * sampler, percentiles. Benchmarks print one JSON line on stdout; progress goes to stderr.
 */

import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { Subprocess } from "bun"

export const ROOT = join(import.meta.dir, "..")
export const BENCH_KEY = "sk_live_bench_0123456789abcdefghijklmnop"
export const BENCH_HEADERS = {
  authorization: `Bearer ${BENCH_KEY}`,
  "content-type": "application/json",
}

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`)
}

/** Resolves with the first JSON line on `stream` that passes `test`, then keeps draining it. */
export async function readJsonLine(
  stream: ReadableStream<Uint8Array>,
  test: (o: Record<string, unknown>) => boolean,
) {
  const reader = stream.getReader()
  const decoder = new TextDecoder()
  let buf = ""
  for (;;) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`stream ended before the expected line:\n${buf}`)
    buf += decoder.decode(value)
    for (const line of buf.split("\n")) {
      try {
        const o = JSON.parse(line) as Record<string, unknown>
        if (test(o)) {
          void (async () => {
            for (;;) if ((await reader.read()).done) return
          })()
          return o
        }
      } catch {}
    }
  }
}

export interface SmscProcess {
  proc: Subprocess<"ignore", "pipe", "inherit">
  port: number
  /** SIGTERM, and wait for the stamps file to be flushed. */
  stop(): Promise<void>
}

/**
 * `bun test/fakes/smsc-main.ts` with these flags (see its header); `--port 0` unless given.
 * `lean` runs bench/lean-smsc.ts instead (happy path with receipts only; takes --stamps).
 */
export async function spawnSmsc(
  args: string[],
  kind: "smpp" | "lean" = "smpp",
): Promise<SmscProcess> {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(ROOT, kind === "lean" ? "bench/lean-smsc.ts" : "test/fakes/smsc-main.ts"),
      ...(args.includes("--port") ? [] : ["--port", "0"]),
      ...args,
    ],
    {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
    },
  )
  const { port } = (await readJsonLine(proc.stdout, (o) => typeof o.port === "number")) as {
    port: number
  }
  return {
    proc,
    port,
    async stop() {
      proc.kill("SIGTERM")
      await proc.exited
    },
  }
}

export interface GatewayProcess {
  proc: Subprocess<"ignore", "pipe", "inherit">
  url: string
}

/** Writes `<dir>/signalbox.toml` (http on port 0, the bench key, the db in `dir`) + `toml`, starts `serve`, waits for /readyz. */
export async function spawnGateway(
  dir: string,
  toml: string,
  opts: { synchronous?: string; waitReady?: boolean } = {},
): Promise<GatewayProcess> {
  const config = join(dir, "signalbox.toml")
  writeFileSync(
    config,
    `[http]
listen = "127.0.0.1:0"
[storage]
path = ${JSON.stringify(join(dir, "signalbox.db"))}
synchronous = "${opts.synchronous ?? "normal"}"
[auth]
admin_key = "${BENCH_KEY}"
[log]
level = "warn"
${toml}
`,
  )
  // BENCH_PROFILE=dir writes a CPU profile of the gateway there (bun --cpu-prof).
  const profile = process.env.BENCH_PROFILE
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : []
  const proc = Bun.spawn(
    [process.execPath, ...profile, join(ROOT, "src/main.ts"), "serve", "--config", config],
    {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "inherit",
      // info for the one "listening" line this reads the URL from
      env: { ...process.env, SIGNALBOX_LOG__LEVEL: "info" },
    },
  )
  const { url } = (await readJsonLine(proc.stdout, (o) => typeof o.url === "string")) as {
    url: string
  }
  if (opts.waitReady !== false) {
    for (;;) {
      const r = await fetch(`${url}/readyz`).catch(() => null)
      if (r?.status === 200) break
      await Bun.sleep(20)
    }
  }
  return { proc, url }
}

/** Samples a process's resident memory every `everyMs`; `peak()` in MB. */
export function rssSampler(pid: () => number, everyMs = 100) {
  let peak = 0
  const timer = setInterval(() => {
    try {
      const kb = Number(
        /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid()}/status`, "utf8"))?.[1] ?? 0,
      )
      peak = Math.max(peak, kb / 1024)
    } catch {}
  }, everyMs)
  return {
    peak: () => Math.round(peak),
    stop: () => clearInterval(timer),
  }
}

export function percentile(xs: ArrayLike<number>, p: number): number | null {
  const sorted = Float64Array.from(xs).sort()
  if (sorted.length === 0) return null
  return Number(
    sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(2),
  )
}

/** Reads a `--stamps` file: one `destination<TAB>epoch ms` line per submit_sm, in arrival order. */
export function readStamps(file: string): { dest: string; at: number }[] {
  const out: { dest: string; at: number }[] = []
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [dest, t] = line.split("\t")
    if (dest && t) out.push({ dest, at: Number(t) })
  }
  return out
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    // After the command: state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return 0
  }
}
