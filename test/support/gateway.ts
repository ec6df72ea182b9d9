import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { createGateway, type Gateway, type GatewayOptions } from "../../src/app.ts"
import { loadConfig } from "../../src/config/load.ts"
import { createLogger, type Logger } from "../../src/lib/logger.ts"
import { tempDir } from "./temp-dir.ts"

export const TEST_ADMIN_KEY = "sk_live_test_admin_key_0123456789abcdef"

/** The config every test gateway starts from: loopback port 0, its own database, a known key. */
export function writeTestConfig(
  file: string,
  dbPath: string,
  toml: string,
  logLevel?: string,
): void {
  const log = logLevel ? `[log]\nlevel = "${logLevel}"\n` : ""
  writeFileSync(
    file,
    `[http]\nlisten = "127.0.0.1:0"\n[storage]\npath = ${JSON.stringify(dbPath)}\n[auth]\nadmin_key = "${TEST_ADMIN_KEY}"\n${log}${toml}\n`,
  )
}

export interface TestGateway {
  gateway: Gateway
  url: string
  key: string
  dataDir: string
  dbPath: string
  /** fetch against the gateway with the admin key. */
  api(path: string, init?: RequestInit & { json?: unknown; key?: string | null }): Promise<Response>
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/**
 * Starts the real gateway in this process on 127.0.0.1 port 0 with a temp data folder, from a
 * TOML text run through the real config loader. `toml` is appended to the test defaults.
 */
export async function startGateway(
  toml = "",
  opts: { dataDir?: string; webhooks?: GatewayOptions["webhooks"]; logger?: Logger } = {},
): Promise<TestGateway> {
  const dir = opts.dataDir ? null : tempDir("signalbox-gw-")
  const dataDir = opts.dataDir ?? dir!.path
  const dbPath = join(dataDir, "signalbox.db")
  const file = join(dataDir, "signalbox.toml")
  writeTestConfig(file, dbPath, toml)
  const config = loadConfig({ file, env: {} })
  const gateway = createGateway(config, {
    logger: opts.logger ?? createLogger((process.env.TEST_LOG_LEVEL as "info") ?? "silent"),
    ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
  })
  await gateway.start()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await gateway.stop()
    dir?.[Symbol.dispose]()
  }
  return {
    gateway,
    url: gateway.url,
    key: TEST_ADMIN_KEY,
    dataDir,
    dbPath,
    api(path, init = {}) {
      const headers = new Headers(init.headers)
      const key = init.key === undefined ? TEST_ADMIN_KEY : init.key
      if (key !== null && !headers.has("authorization"))
        headers.set("authorization", `Bearer ${key}`)
      let body = init.body
      if (init.json !== undefined) {
        headers.set("content-type", "application/json")
        body = JSON.stringify(init.json)
      }
      return fetch(`${gateway.url}${path}`, { ...init, headers, body })
    },
    stop,
    [Symbol.asyncDispose]: stop,
  }
}
