import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { Subprocess } from "bun"
import { TEST_ADMIN_KEY, writeTestConfig } from "./gateway.ts"

const ROOT = join(import.meta.dir, "..", "..")

export interface GatewayProcess {
  proc: Subprocess<"ignore", "pipe", "pipe">
  url: string
  output(): string
  /** fetch against the gateway with the admin key; `json` is sent as the body. */
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>
}

/** The command that runs the gateway from source: `bun src/main.ts`. */
export const FROM_SOURCE = [process.execPath, join(ROOT, "src", "main.ts")]

export interface SpawnOptions {
  /** What runs `serve`: from source unless it names another (the compiled binary). */
  command?: string[]
  /** Added to the environment, which is otherwise PATH and HOME. */
  env?: Record<string, string>
  /** Where the config is written (default `dataDir/signalbox.toml`). */
  configPath?: string
  /** What `--config` says (default `configPath`), e.g. `/dev/fd/3` with `fds`. */
  configArg?: string
  /** Descriptors the process inherits as 3, 4, … ("ignore": none at that number) */
  fds?: (number | "ignore")[]
}

/** Writes a config into `dataDir` and starts `<command> serve --config …` as a separate process. */
export async function spawnGateway(
  dataDir: string,
  toml = "",
  options: SpawnOptions = {},
): Promise<GatewayProcess> {
  const file = options.configPath ?? join(dataDir, "signalbox.toml")
  // info level: the "signalbox listening" line carries the URL this helper waits for.
  writeTestConfig(file, join(dataDir, "signalbox.db"), toml, "info")
  const proc = Bun.spawn(
    [...(options.command ?? FROM_SOURCE), "serve", "--config", options.configArg ?? file],
    {
      cwd: dataDir,
      stdio: ["ignore", "pipe", "pipe", ...(options.fds ?? [])],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    },
  ) as Subprocess<"ignore", "pipe", "pipe">
  let text = ""
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${text}`)), 20_000)
    void (async () => {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) {
          clearTimeout(timer)
          reject(
            new Error(
              `gateway exited before listening:\n${text}\n${await new Response(proc.stderr).text()}`,
            ),
          )
          return
        }
        text += decoder.decode(value)
        const match = /"url":"(http:\/\/[^"]+)"/.exec(text)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
          // Keep draining so the child never blocks on a full pipe.
          void (async () => {
            for (;;) {
              const next = await reader.read().catch(() => ({ done: true, value: undefined }))
              if (next.done) return
              text += decoder.decode(next.value)
            }
          })()
          return
        }
      }
    })()
  })
  return {
    proc,
    url,
    output: () => text,
    api: (path, { json, ...init } = {}) =>
      fetch(`${url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      }),
  }
}

/** The environment a running process has now (after any exec), from /proc. */
export function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean)
  return new Map(entries.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]))
}
