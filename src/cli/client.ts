/**
 * The operator's CLI commands talk to the running gateway's API (not to its SQLite file), so a
 * revoked key or a suspended account takes effect at once in the server's caches.
 */
import { loadConfig } from "../config/load.ts"

export const clientArgs = {
  url: { type: "string", description: "Gateway base URL (default: from the config's http.listen)" },
  key: {
    type: "string",
    description:
      "API key (default: $SIGNALBOX_API_KEY, $SIGNALBOX_ADMIN_KEY, else the config's [auth] admin_key)",
  },
  config: { type: "string", description: "Config file (default: $SIGNALBOX_CONFIG)" },
  json: { type: "boolean", description: "Print the API's JSON answer", default: false },
} as const

export interface ClientOptions {
  url?: string
  key?: string
  config?: string
  json?: boolean
}

function fromConfig(file: string | undefined): { url: string; key: string } {
  try {
    const config = loadConfig({ file, env: process.env })
    const listen = config.http.listen
      .replace(/^0\.0\.0\.0:/, "127.0.0.1:")
      .replace(/^\[::\]:/, "[::1]:")
    return { url: `http://${listen}`, key: config.auth.admin_key }
  } catch {
    return { url: "http://127.0.0.1:8080", key: "" }
  }
}

function fail(command: string, message: string, code = 1): never {
  process.stderr.write(`signalbox ${command}: ${message}\n`)
  process.exit(code)
}

/**
 * Where the gateway is and the key to use: the flags, else the environment, else the config file
 * (read only for what the first two leave open). Exits 2 without a key. A command that calls
 * the API many times resolves this once and passes `{ ...opts, ...gatewayOf(…) }`.
 */
export function gatewayOf(command: string, opts: ClientOptions): { url: string; key: string } {
  const given = opts.key ?? process.env.SIGNALBOX_API_KEY ?? process.env.SIGNALBOX_ADMIN_KEY
  const defaults = opts.url === undefined || given === undefined ? fromConfig(opts.config) : null
  const url = (opts.url ?? defaults?.url ?? "").replace(/\/$/, "")
  const key = given ?? defaults?.key
  if (!key) fail(command, "no API key; pass --key or set SIGNALBOX_API_KEY", 2)
  return { url, key }
}

/** Calls the API; prints the problem and exits non-zero on an error answer. */
export async function callApi<T>(
  command: string,
  opts: ClientOptions,
  method: string,
  path: string,
  json?: unknown,
): Promise<T> {
  const { url, key } = gatewayOf(command, opts)
  const headers: Record<string, string> = { authorization: `Bearer ${key}` }
  if (json !== undefined) headers["content-type"] = "application/json"
  let response: Response
  try {
    response = await fetch(`${url}${path}`, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
    })
  } catch (error) {
    fail(command, `cannot reach the gateway at ${url}: ${(error as Error).message}`)
  }
  const answer = (await response.json()) as Record<string, unknown>
  if (!response.ok)
    fail(
      command,
      `${response.status} ${answer.code ?? ""}: ${answer.detail ?? JSON.stringify(answer)}`,
    )
  if (opts.json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`)
  return answer as T
}

export function print(opts: ClientOptions, line: string): void {
  if (!opts.json) process.stdout.write(`${line}\n`)
}

export function integer(
  command: string,
  name: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isSafeInteger(n)) fail(command, `--${name} must be a whole number, got "${value}"`, 2)
  return n
}
