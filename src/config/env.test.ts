import { describe, expect, test } from "bun:test"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Type } from "@sinclair/typebox"
import { coerceEnvText, readEnvEntries } from "./env.ts"
import { ConfigError, loadConfig } from "./load.ts"
import type { Config } from "./schema.ts"

type Env = Record<string, string | undefined>

function load(env: Env, file?: string): Config {
  const cwd = mkdtempSync(join(tmpdir(), "signalbox-env-"))
  if (file === undefined) return loadConfig({ env, cwd })
  writeFileSync(join(cwd, "signalbox.toml"), file)
  return loadConfig({ env, cwd, file: "signalbox.toml" })
}

function errorsOf(fn: () => unknown): readonly string[] {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err.errors
    throw err
  }
  throw new Error("expected a ConfigError")
}

const SMPP = `
[http]
listen = "127.0.0.1:8080"
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "10.0.0.1"
system_id = "gw"
port = 2775
`

describe("env overlay", () => {
  test("overrides the file and the defaults, coerced to the key's type", () => {
    const config = load(
      {
        SIGNALBOX_HTTP__LISTEN: "0.0.0.0:9090",
        SIGNALBOX_HTTP__MAX_BODY_BYTES: "4096",
        SIGNALBOX_STORAGE__SYNCHRONOUS: "full",
        SIGNALBOX_QUEUE__MAX_ATTEMPTS: "2",
      },
      SMPP,
    )
    expect(config.http).toEqual({ listen: "0.0.0.0:9090", max_body_bytes: 4096 })
    expect(config.storage.synchronous).toBe("full")
    expect(config.queue.max_attempts).toBe(2)
  })

  test("resolves a relative SIGNALBOX_STORAGE__PATH against cwd", () => {
    const cwd = mkdtempSync(join(tmpdir(), "signalbox-env-"))
    const config = loadConfig({ env: { SIGNALBOX_STORAGE__PATH: "x/y.db" }, cwd })
    expect(config.storage.path).toBe(join(cwd, "x", "y.db"))
  })

  test("overrides an array entry by index, with booleans and numbers", () => {
    const config = load(
      {
        SIGNALBOX_CONNECTORS__0__PORT: "2776",
        SIGNALBOX_CONNECTORS__0__TLS: "1",
        SIGNALBOX_CONNECTORS__0__REGISTERED_DELIVERY: "false",
        SIGNALBOX_CONNECTORS__0__TPS: "12.5",
        SIGNALBOX_CONNECTORS__0__PASSWORD: "s3cret",
      },
      SMPP,
    )
    expect(config.connectors[0]).toMatchObject({
      port: 2776,
      tls: true,
      registered_delivery: false,
      tps: 12.5,
      password: "s3cret",
    })
  })

  test("overrides the default simulator connector and catch-all route", () => {
    const config = load({
      SIGNALBOX_CONNECTORS__0__ID: "sim",
      SIGNALBOX_CONNECTORS__0__DELIVERY_DELAY_MS: "5",
      SIGNALBOX_CONNECTORS__0__FAILURE_RATE: "0.5",
    })
    expect(config.connectors).toEqual([
      { id: "sim", type: "simulator", delivery_delay_ms: 5, failure_rate: 0.5, tps: 1000 },
    ])
    expect(config.routes).toEqual([
      {
        name: "",
        prefix: "*",
        country: "",
        account: "",
        from: "",
        connectors: ["sim"],
        weights: [],
      },
    ])
  })

  test("reads a list as comma-separated values", () => {
    const config = load(
      { SIGNALBOX_ROUTES__0__CONNECTORS: " carrier-a , sim " },
      `${SMPP}
[[connectors]]
id = "sim"
type = "simulator"
[[routes]]
prefix = "+233"
connectors = ["sim"]
`,
    )
    expect(config.routes).toEqual([
      {
        name: "",
        prefix: "+233",
        country: "",
        account: "",
        from: "",
        connectors: ["carrier-a", "sim"],
        weights: [],
      },
    ])
  })

  test("refuses an index that does not exist", () => {
    expect(errorsOf(() => load({ SIGNALBOX_CONNECTORS__1__PORT: "1" }, SMPP))).toEqual([
      "SIGNALBOX_CONNECTORS__1__PORT: there is no connectors[1] (1 configured); the environment can only override existing entries",
    ])
  })

  test("names the variable when its value is invalid", () => {
    const errors = errorsOf(() =>
      load(
        {
          SIGNALBOX_CONNECTORS__0__PORT: "abc",
          SIGNALBOX_CONNECTORS__0__TLS: "yes",
          SIGNALBOX_ROUTES__0__CONNECTORS: "carrier-a,Bad",
        },
        SMPP,
      ),
    )
    expect(errors).toEqual([
      'connectors[0].port (from SIGNALBOX_CONNECTORS__0__PORT): expected an integer from 1 to 65535, got "abc"',
      'connectors[0].tls (from SIGNALBOX_CONNECTORS__0__TLS): expected true or false, got "yes"',
      'routes[0].connectors[1] (from SIGNALBOX_ROUTES__0__CONNECTORS): expected an id of 1 to 64 characters from a-z, 0-9, _ and -, got "Bad"',
    ])
  })

  test("refuses overlay-shaped variables that name no key", () => {
    const errors = errorsOf(() =>
      load(
        {
          SIGNALBOX_HTTPS__LISTEN: "x",
          SIGNALBOX_HTTP__LISEN: "x",
          SIGNALBOX_CONNECTORS__FIRST__PORT: "1",
          SIGNALBOX_LOG__LEVEL__X: "info",
          SIGNALBOX_CONNECTORS__0__FAILURE_RATE: "0.1",
        },
        SMPP,
      ),
    )
    expect(errors).toEqual([
      "SIGNALBOX_CONNECTORS__FIRST__PORT: expected SIGNALBOX_CONNECTORS__<INDEX>__<KEY>",
      'SIGNALBOX_HTTPS__LISTEN: unknown configuration variable: no section "https" (sections: http, storage, auth, log, queue, webhooks, prices, connectors, routes)',
      "SIGNALBOX_LOG__LEVEL__X: expected SIGNALBOX_LOG__<KEY>",
      "http.lisen (from SIGNALBOX_HTTP__LISEN): unknown key",
      "connectors[0].failure_rate (from SIGNALBOX_CONNECTORS__0__FAILURE_RATE): unknown key (type smpp; only valid for type simulator)",
    ])
  })

  test("applies the aliases SIGNALBOX_ADMIN_KEY and SIGNALBOX_LOG_LEVEL", () => {
    const config = load({ SIGNALBOX_ADMIN_KEY: "sk_1", SIGNALBOX_LOG_LEVEL: "silent" })
    expect(config.auth.admin_key).toBe("sk_1")
    expect(config.log.level).toBe("silent")
  })

  test("lets the mechanical name win over its alias", () => {
    const config = load({ SIGNALBOX_LOG__LEVEL: "debug", SIGNALBOX_LOG_LEVEL: "silent" })
    expect(config.log.level).toBe("debug")
  })

  test("ignores variables without __ and the non-overlay names", () => {
    const config = load({
      SIGNALBOX_SOMETHING: "x",
      SIGNALBOX_DATA_DIR: "/srv/sb",
      SIGNALBOX_CONFIG: "",
      SIGNALBOX_HTTP__LISTEN: undefined,
      OTHER__THING: "y",
    })
    expect(config.source).toBeNull()
    expect(config.http.listen).toBe("127.0.0.1:8080")
    expect(config.storage.path).toBe("/srv/sb/signalbox.db")
  })
})

describe("readEnvEntries", () => {
  test("puts aliases before mechanical names", () => {
    const { entries } = readEnvEntries({ SIGNALBOX_LOG__LEVEL: "a", SIGNALBOX_LOG_LEVEL: "b" })
    expect(entries.map((e) => e.name)).toEqual(["SIGNALBOX_LOG_LEVEL", "SIGNALBOX_LOG__LEVEL"])
  })
})

describe("coerceEnvText", () => {
  test("converts text to the schema's type and leaves what does not convert", () => {
    expect(coerceEnvText(Type.Integer(), " 42 ")).toBe(42)
    expect(coerceEnvText(Type.Integer(), "-1")).toBe(-1)
    expect(coerceEnvText(Type.Integer(), "4.2")).toBe("4.2")
    expect(coerceEnvText(Type.Number(), "0.25")).toBe(0.25)
    expect(coerceEnvText(Type.Number(), "")).toBe("")
    expect(coerceEnvText(Type.Number(), "Infinity")).toBe("Infinity")
    expect(coerceEnvText(Type.Boolean(), "TRUE")).toBe(true)
    expect(coerceEnvText(Type.Boolean(), "0")).toBe(false)
    expect(coerceEnvText(Type.Boolean(), "no")).toBe("no")
    expect(coerceEnvText(Type.Array(Type.String()), "a,,b")).toEqual(["a", "b"])
    expect(coerceEnvText(Type.String(), " x ")).toBe(" x ")
  })
})
