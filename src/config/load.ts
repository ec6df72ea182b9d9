/**
 * Loads the configuration: defaults < file < environment. Nothing is read at import; callers
 * pass the environment, so tests and the CLI decide what the loader sees.
 *
 * Every problem is collected and reported at once, one per line, each naming the full key path
 * (and the environment variable, when the value came from one): a config with three mistakes
 * takes one restart to fix, not three.
 */

import { existsSync, readFileSync, statSync } from "node:fs"
import { resolve } from "node:path"
import type { TObject, TSchema } from "@sinclair/typebox"
import { isCountryCode } from "../codec/phone.ts"
import {
  applyEnvEntries,
  coerceEnvText,
  ENV_CONFIG,
  ENV_DATA_DIR,
  type EnvEntry,
  EnvValue,
  readEnvEntries,
} from "./env.ts"
import {
  CATCH_ALL_PREFIX,
  CONNECTOR_SCHEMAS,
  type Config,
  type ConnectorConfig,
  DEFAULT_CONNECTOR_ID,
  DEFAULT_DATA_DIR,
  describeExpected,
  type HttpConfig,
  type PricesConfig,
  type QueueConfig,
  type RouteConfig,
  RouteSchema,
  SECTION_SCHEMAS,
  STORAGE_FILE_NAME,
  type StorageConfig,
  type WebhooksConfig,
} from "./schema.ts"

export class ConfigError extends Error {
  /** One entry per problem; `message` holds them one per line. */
  readonly errors: readonly string[]

  constructor(message: string, errors: readonly string[] = [message]) {
    super(message)
    this.name = "ConfigError"
    this.errors = errors
  }
}

export interface LoadConfigOptions {
  /** From `--config FILE`; wins over SIGNALBOX_CONFIG. */
  file?: string
  env: Record<string, string | undefined>
  /** Base for relative paths (the file, storage.path, SIGNALBOX_DATA_DIR); default process.cwd(). */
  cwd?: string
}

/** SQLite's name for a database that lives in memory; it is not a path and is not resolved. */
const MEMORY_DATABASE = ":memory:"

const TOP_LEVEL_KEYS = [...Object.keys(SECTION_SCHEMAS), "connectors", "routes"]

export function loadConfig(options: LoadConfigOptions): Config {
  const cwd = options.cwd ?? process.cwd()
  const env = options.env
  const chosen = chooseFile(options, cwd)
  const raw = chosen ? readToml(chosen.path, chosen.origin) : {}
  const errors: string[] = []

  const { entries, errors: envErrors } = readEnvEntries(env)
  errors.push(...envErrors)

  if (isEmptyList(raw.connectors)) {
    raw.connectors = [{ id: DEFAULT_CONNECTOR_ID, type: "simulator" }]
  }
  // Routes are defaulted from the connectors as they stand after the overlay, so their entries
  // are applied in a second step.
  const isRouteEntry = (e: EnvEntry) => e.target.kind === "item" && e.target.list === "routes"
  applyEnvEntries(
    raw,
    entries.filter((e) => !isRouteEntry(e)),
    errors,
  )

  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL_KEYS.includes(key)) errors.push(`${key}: unknown key`)
  }

  const reader = new Reader(errors)
  const dataDir = env[ENV_DATA_DIR] || DEFAULT_DATA_DIR
  const http = reader.object(SECTION_SCHEMAS.http, raw.http ?? {}, "http", {
    refine: { listen: (v) => parseListen(v as string) !== null },
  }) as HttpConfig
  const storage = reader.object(SECTION_SCHEMAS.storage, raw.storage ?? {}, "storage", {
    defaults: { path: resolve(cwd, dataDir, STORAGE_FILE_NAME) },
  }) as StorageConfig
  const auth = reader.object(SECTION_SCHEMAS.auth, raw.auth ?? {}, "auth")
  const log = reader.object(SECTION_SCHEMAS.log, raw.log ?? {}, "log")
  const queue = reader.object(SECTION_SCHEMAS.queue, raw.queue ?? {}, "queue") as QueueConfig
  const webhooks = reader.object(
    SECTION_SCHEMAS.webhooks,
    raw.webhooks ?? {},
    "webhooks",
  ) as WebhooksConfig
  const prices = readPrices(reader, raw.prices, errors)

  if (typeof storage.path === "string" && storage.path !== MEMORY_DATABASE) {
    storage.path = resolve(cwd, storage.path)
  }
  if (queue.retry_cap_ms < queue.retry_base_ms) {
    errors.push(
      `queue.retry_cap_ms: expected at least queue.retry_base_ms (${queue.retry_base_ms}), got ${queue.retry_cap_ms}`,
    )
  }

  const connectors = readConnectors(reader, raw.connectors)
  const ids = checkConnectors(connectors, errors)
  if (isEmptyList(raw.routes)) {
    // No ids means the connectors are already in error; a route over none would only add noise.
    raw.routes = ids.size > 0 ? [{ prefix: CATCH_ALL_PREFIX, connectors: [...ids.keys()] }] : []
  }
  applyEnvEntries(raw, entries.filter(isRouteEntry), errors)
  const routes = readRoutes(reader, raw.routes)
  // A connector whose id is itself invalid would make every route naming it look wrong too.
  const idsComplete =
    Array.isArray(raw.connectors) && connectors.every((c) => typeof c.id === "string")
  checkRoutes(routes, idsComplete ? ids : null, errors)

  if (errors.length > 0) {
    const where = chosen ? ` (${chosen.path})` : ""
    throw new ConfigError(
      `invalid configuration${where}:\n${errors.map((e) => `  ${e}`).join("\n")}`,
      errors,
    )
  }
  return {
    source: chosen?.path ?? null,
    http,
    storage,
    auth: auth as Config["auth"],
    log: log as Config["log"],
    queue,
    webhooks,
    prices,
    connectors,
    routes,
  }
}

/**
 * [prices], or null when neither the file nor the environment has it (the stored table is then
 * kept). Country codes come back upper case; a country listed twice in different case is refused.
 */
function readPrices(reader: Reader, input: unknown, errors: string[]): PricesConfig | null {
  if (input === undefined) return null
  const prices = reader.object(SECTION_SCHEMAS.prices, input, "prices", {
    defaults: { countries: {} },
  }) as PricesConfig
  if (!isTable(prices.countries)) return prices
  const countries: Record<string, number> = {}
  const seen = new Map<string, string>()
  for (const [key, credits] of Object.entries(prices.countries)) {
    const code = key.toUpperCase()
    const first = seen.get(code)
    if (!isCountryCode(code)) errors.push(`prices.countries.${key}: unknown country code "${key}"`)
    else if (first !== undefined) {
      errors.push(
        `prices.countries.${key}: "${code}" is listed twice (also prices.countries.${first})`,
      )
    } else {
      seen.set(code, key)
      countries[code] = credits
    }
  }
  prices.countries = countries
  return prices
}

/**
 * Unique ids, the smpp reconnect bounds and a known `country`; returns the first index of each
 * valid id.
 */
function checkConnectors(connectors: ConnectorConfig[], errors: string[]): Map<string, number> {
  const ids = new Map<string, number>()
  connectors.forEach((c, i) => {
    if (c.type === "smpp" && c.reconnect_max_s < c.reconnect_min_s) {
      errors.push(
        `connectors[${i}].reconnect_max_s: expected at least reconnect_min_s (${c.reconnect_min_s}), got ${c.reconnect_max_s}`,
      )
    }
    if (
      (c.type === "smpp" || c.type === "modem") &&
      typeof c.country === "string" &&
      c.country !== "" &&
      !isCountryCode(c.country)
    ) {
      errors.push(`connectors[${i}].country: unknown country code "${c.country}"`)
    }
    if (typeof c.id !== "string") return
    const first = ids.get(c.id)
    if (first === undefined) ids.set(c.id, i)
    else errors.push(`connectors[${i}].id: duplicate id "${c.id}" (also connectors[${first}].id)`)
  })
  return ids
}

/**
 * Each route matches by exactly one of prefix and country, a country is known, weights pair up
 * with connectors, no two routes have the same match, no id twice in a route, and (when `ids` is
 * known) every id is configured.
 */
function checkRoutes(
  routes: RouteConfig[],
  ids: Map<string, number> | null,
  errors: string[],
): void {
  const matches = new Map<string, number>()
  routes.forEach((r, i) => {
    if (typeof r.prefix === "string" && typeof r.country === "string") {
      if (r.prefix !== CATCH_ALL_PREFIX && r.country !== "") {
        errors.push(
          `routes[${i}]: set only one of prefix ("${r.prefix}") and country ("${r.country}")`,
        )
      } else if (r.country !== "" && !isCountryCode(r.country)) {
        errors.push(`routes[${i}].country: unknown country code "${r.country}"`)
      } else {
        const key = `${r.country !== "" ? r.country.toUpperCase() : r.prefix}|${r.account}|${r.from}`
        const first = matches.get(key)
        if (first === undefined) matches.set(key, i)
        else errors.push(`routes[${i}]: same match as routes[${first}] (${describeRoute(r)})`)
      }
    }
    if (!Array.isArray(r.connectors)) return
    if (
      Array.isArray(r.weights) &&
      r.weights.length > 0 &&
      r.weights.length !== r.connectors.length
    ) {
      errors.push(
        `routes[${i}].weights: expected one weight per connector (${r.connectors.length}), got ${r.weights.length}`,
      )
    }
    const seen = new Set<string>()
    r.connectors.forEach((id, j) => {
      if (typeof id !== "string") return
      if (seen.has(id)) errors.push(`routes[${i}].connectors[${j}]: "${id}" is listed twice`)
      else if (ids && !ids.has(id)) {
        const known = [...ids.keys()].map((k) => `"${k}"`).join(", ")
        errors.push(`routes[${i}].connectors[${j}]: no connector has id "${id}" (known: ${known})`)
      }
      seen.add(id)
    })
  })
}

function describeRoute(r: RouteConfig): string {
  const parts = [r.country !== "" ? `country "${r.country.toUpperCase()}"` : `prefix "${r.prefix}"`]
  if (r.account) parts.push(`account "${r.account}"`)
  if (r.from) parts.push(`from "${r.from}"`)
  return parts.join(", ")
}

/**
 * Splits `http.listen` into what a server takes. The host is required (":8080" is refused, so
 * binding every interface is always spelled out); IPv6 hosts must be in brackets.
 */
export function parseListen(listen: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(listen)
  if (!m) return null
  const port = Number(m[3])
  if (port > 65535) return null
  return { host: m[1] ?? m[2] ?? "", port }
}

function chooseFile(
  options: LoadConfigOptions,
  cwd: string,
): { path: string; origin: string } | null {
  const fromEnv = options.env[ENV_CONFIG]
  const [file, origin] = options.file
    ? [options.file, "--config"]
    : fromEnv
      ? [fromEnv, ENV_CONFIG]
      : [undefined, ""]
  if (file === undefined) return null
  const path = resolve(cwd, file)
  if (!existsSync(path)) throw new ConfigError(`config file not found: ${path} (from ${origin})`)
  if (!statSync(path).isFile()) {
    throw new ConfigError(`config file is not a file: ${path} (from ${origin})`)
  }
  return { path, origin }
}

function readToml(path: string, origin: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, "utf8")
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path} (from ${origin}): ${String(err)}`)
  }
  try {
    return Bun.TOML.parse(text) as Record<string, unknown>
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err)
    throw new ConfigError(`${path}: invalid TOML: ${detail.replace(/^TOML Parse error: /, "")}`)
  }
}

function isEmptyList(value: unknown): boolean {
  return value === undefined || (Array.isArray(value) && value.length === 0)
}

function isTable(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  )
}

/** How a value is shown after "got": as written in TOML where possible. */
function show(value: unknown): string {
  if (value instanceof EnvValue) return JSON.stringify(value.text)
  if (typeof value === "string") return JSON.stringify(value)
  if (Array.isArray(value)) return "an array"
  if (isTable(value)) return "a table"
  return String(value)
}

function label(path: string, value: unknown): string {
  return value instanceof EnvValue ? `${path} (from ${value.name})` : path
}

function matches(schema: TSchema, value: unknown): boolean {
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).some((s) => matches(s, value))
  if (schema.const !== undefined) return value === schema.const
  switch (schema.type) {
    case "integer":
      return Number.isInteger(value) && inRange(schema, value as number)
    case "number":
      return typeof value === "number" && Number.isFinite(value) && inRange(schema, value)
    case "boolean":
      return typeof value === "boolean"
    case "string":
      return (
        typeof value === "string" &&
        value.length >= (schema.minLength ?? 0) &&
        value.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
        (schema.pattern === undefined || new RegExp(schema.pattern).test(value))
      )
    default:
      throw new Error(`config schema: unsupported type ${String(schema.type)}`)
  }
}

function inRange(schema: TSchema, n: number): boolean {
  return (
    (schema.minimum === undefined || n >= schema.minimum) &&
    (schema.maximum === undefined || n <= schema.maximum) &&
    (schema.exclusiveMinimum === undefined || n > schema.exclusiveMinimum)
  )
}

interface ObjectOptions {
  /** Appended to "unknown key" messages: which connector type the keys were checked against. */
  type?: string
  /** Defaults computed at load time, for keys whose schema has none. */
  defaults?: Record<string, unknown>
  /** Checks a schema cannot express; the message is still the key's `expect`. */
  refine?: Record<string, (value: unknown) => boolean>
}

/** Walks raw values against the schema, collecting errors; invalid values come back undefined. */
class Reader {
  constructor(private readonly errors: string[]) {}

  fail(message: string): void {
    this.errors.push(message)
  }

  object(
    schema: TObject,
    input: unknown,
    path: string,
    options: ObjectOptions = {},
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    if (!isTable(input)) {
      this.errors.push(`${label(path, input)}: expected a table, got ${show(input)}`)
      return out
    }
    for (const [key, value] of Object.entries(input)) {
      if (Object.hasOwn(schema.properties, key)) continue
      const elsewhere = options.type
        ? Object.entries(CONNECTOR_SCHEMAS)
            .filter(([, s]) => Object.hasOwn(s.properties, key))
            .map(([t]) => t)
        : []
      const hint = elsewhere.length > 0 ? `; only valid for type ${elsewhere.join(", ")}` : ""
      const note = options.type ? ` (type ${options.type}${hint})` : ""
      this.errors.push(`${label(`${path}.${key}`, value)}: unknown key${note}`)
    }
    for (const [key, prop] of Object.entries(schema.properties)) {
      const value = input[key]
      if (value !== undefined) {
        out[key] = this.value(prop, value, `${path}.${key}`, options.refine?.[key])
      } else if (prop.default !== undefined) {
        out[key] = structuredClone(prop.default)
      } else if (options.defaults && Object.hasOwn(options.defaults, key)) {
        out[key] = options.defaults[key]
      } else {
        this.errors.push(
          `${path}.${key}: required${options.type ? ` for type ${options.type}` : ""}`,
        )
      }
    }
    return out
  }

  value(
    schema: TSchema,
    input: unknown,
    path: string,
    refine?: (value: unknown) => boolean,
  ): unknown {
    if (schema.type === "object") return this.record(schema, input, path)
    const value = input instanceof EnvValue ? coerceEnvText(schema, input.text) : input
    if (schema.type === "array") return this.array(schema, value, input, path)
    if (matches(schema, value) && (refine === undefined || refine(value))) return value
    this.errors.push(
      `${label(path, input)}: expected ${describeExpected(schema)}, got ${show(input)}`,
    )
    return undefined
  }

  private record(schema: TSchema, input: unknown, path: string): unknown {
    const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, TSchema>)
    const [keyPattern, items] = patterns[0] ?? []
    if (keyPattern === undefined || items === undefined) {
      throw new Error(`config schema: ${path} is a table without patternProperties`)
    }
    const table = input instanceof EnvValue ? envTable(input) : input
    if (typeof table === "string") {
      this.errors.push(`${label(path, input)}: ${table}`)
      return undefined
    }
    if (table === null) {
      this.errors.push(
        `${label(path, input)}: expected KEY=value pairs separated by commas, such as "GH=2,NG=1", got ${show(input)}`,
      )
      return undefined
    }
    if (!isTable(table)) {
      this.errors.push(
        `${label(path, input)}: expected ${describeExpected(schema)}, got ${show(input)}`,
      )
      return undefined
    }
    const keyExpect = typeof schema.keyExpect === "string" ? schema.keyExpect : keyPattern
    const key = new RegExp(keyPattern)
    const out: Record<string, unknown> = {}
    for (const [name, item] of Object.entries(table)) {
      const at = `${path}.${name}`
      if (!key.test(name)) {
        this.errors.push(
          `${label(at, item)}: expected ${keyExpect} as the key, got ${JSON.stringify(name)}`,
        )
        continue
      }
      const value = this.value(items, item, at)
      if (value !== undefined) out[name] = value
    }
    return out
  }

  private array(schema: TSchema, value: unknown, input: unknown, path: string): unknown {
    if (!Array.isArray(value) || value.length < (schema.minItems ?? 0)) {
      this.errors.push(
        `${label(path, input)}: expected ${describeExpected(schema)}, got ${show(input)}`,
      )
      return undefined
    }
    const items = schema.items as TSchema
    const from = input instanceof EnvValue ? ` (from ${input.name})` : ""
    const out: unknown[] = []
    value.forEach((item, i) => {
      if (matches(items, item)) out.push(item)
      else {
        this.errors.push(
          `${path}[${i}]${from}: expected ${describeExpected(items)}, got ${show(item)}`,
        )
        out.push(undefined)
      }
    })
    return out
  }
}

/**
 * A table whose keys are free, within a pattern (Type.Record). From the environment it is written
 * as comma-separated KEY=value pairs (`GH=2,NG=1`); each value is then converted like any other.
 */
function envTable(input: EnvValue): Record<string, EnvValue> | string | null {
  const table: Record<string, EnvValue> = {}
  for (const pair of input.text.split(",")) {
    if (pair.trim() === "") continue
    const eq = pair.indexOf("=")
    if (eq < 0) return null
    const key = pair.slice(0, eq).trim()
    // A key written twice would otherwise keep the last value without a word (TOML refuses it).
    if (Object.hasOwn(table, key)) return `"${key}" is listed twice`
    table[key] = new EnvValue(input.name, pair.slice(eq + 1).trim())
  }
  return table
}

function readConnectors(reader: Reader, input: unknown): ConnectorConfig[] {
  if (!Array.isArray(input)) {
    reader.fail(`connectors: expected an array of tables ([[connectors]]), got ${show(input)}`)
    return []
  }
  return input.map((item, i) => readConnector(reader, item, `connectors[${i}]`))
}

function readConnector(reader: Reader, input: unknown, path: string): ConnectorConfig {
  const types = Object.keys(CONNECTOR_SCHEMAS)
  if (!isTable(input)) {
    reader.fail(`${path}: expected a table, got ${show(input)}`)
    return {} as ConnectorConfig
  }
  const rawType = input.type
  const type = rawType instanceof EnvValue ? rawType.text : rawType
  if (typeof type !== "string" || !Object.hasOwn(CONNECTOR_SCHEMAS, type)) {
    const expected = `one of ${types.map((t) => `"${t}"`).join(", ")}`
    if (rawType === undefined) reader.fail(`${path}.type: required (${expected})`)
    else
      reader.fail(`${label(`${path}.type`, rawType)}: expected ${expected}, got ${show(rawType)}`)
    return {} as ConnectorConfig
  }
  const schema = CONNECTOR_SCHEMAS[type as keyof typeof CONNECTOR_SCHEMAS]
  return reader.object(schema, input, path, { type }) as ConnectorConfig
}

function readRoutes(reader: Reader, input: unknown): RouteConfig[] {
  if (!Array.isArray(input)) {
    reader.fail(`routes: expected an array of tables ([[routes]]), got ${show(input)}`)
    return []
  }
  return input.map((item, i) => reader.object(RouteSchema, item, `routes[${i}]`) as RouteConfig)
}
