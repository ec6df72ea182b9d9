import { describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Value } from "@sinclair/typebox/value"
import { MAX_CREDITS_PER_SEGMENT } from "../lib/credit-bounds.ts"
import { ConfigError, type LoadConfigOptions, loadConfig, parseListen } from "./load.ts"
import { type Config, ConfigSchema } from "./schema.ts"

const EXAMPLE = resolve(import.meta.dir, "../../config/signalbox.toml")

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "signalbox-config-"))
}

function writeConfig(text: string, dir = tempDir()): string {
  const file = join(dir, "signalbox.toml")
  writeFileSync(file, text)
  return file
}

function load(text: string, options: Partial<LoadConfigOptions> = {}): Config {
  const dir = tempDir()
  return loadConfig({ env: {}, cwd: dir, ...options, file: writeConfig(text, dir) })
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

function withoutSource(config: Config): unknown {
  const { source: _, ...rest } = config
  return rest
}

const SMPP = `
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
system_id = "gw"
`

describe("loadConfig", () => {
  test("starts on defaults with no file", () => {
    const cwd = tempDir()
    const config = loadConfig({ env: {}, cwd })
    expect(config).toEqual({
      source: null,
      http: { listen: "127.0.0.1:8080", max_body_bytes: 1048576 },
      storage: { path: join(cwd, "data", "signalbox.db"), synchronous: "normal" },
      auth: { admin_key: "" },
      log: { level: "info" },
      queue: { max_attempts: 5, retry_base_ms: 1000, retry_cap_ms: 60000 },
      webhooks: { private_targets: "operator" },
      prices: null,
      connectors: [
        { id: "simulator", type: "simulator", delivery_delay_ms: 500, failure_rate: 0, tps: 1000 },
      ],
      routes: [
        {
          name: "",
          prefix: "*",
          country: "",
          account: "",
          from: "",
          connectors: ["simulator"],
          weights: [],
        },
      ],
    })
    expect(Value.Check(ConfigSchema, withoutSource(config))).toBe(true)
  })

  test("puts the default database in SIGNALBOX_DATA_DIR", () => {
    const cwd = tempDir()
    const config = loadConfig({ env: { SIGNALBOX_DATA_DIR: "/var/lib/signalbox" }, cwd })
    expect(config.storage.path).toBe("/var/lib/signalbox/signalbox.db")
    const relative = loadConfig({ env: { SIGNALBOX_DATA_DIR: "state" }, cwd })
    expect(relative.storage.path).toBe(join(cwd, "state", "signalbox.db"))
  })

  test("parses a full file", () => {
    const dir = tempDir()
    const file = writeConfig(
      `
[http]
listen = "[::1]:9000"
max_body_bytes = 2048
[storage]
path = "db/sb.db"
synchronous = "full"
[auth]
admin_key = "sk_admin"
[log]
level = "debug"
[queue]
max_attempts = 3
retry_base_ms = 10
retry_cap_ms = 100
[webhooks]
private_targets = "all"
[prices]
default = 2
[prices.countries]
GH = 3
ng = 0
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "smpp.example.net"
port = 2776
tls = true
system_id = "gw"
password = "secret"
system_type = "vma"
sessions = 2
window = 20
tps = 50.5
default_encoding = "latin1"
enquire_link_s = 15
response_timeout_s = 5
reconnect_min_s = 2
reconnect_max_s = 30
registered_delivery = false
source_ton = 5
source_npi = 0
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 0
failure_rate = 0.25
tps = 10
[[routes]]
prefix = "+233"
connectors = ["carrier-a", "sim"]
[[routes]]
prefix = "*"
connectors = ["sim"]
`,
      dir,
    )
    const config = loadConfig({ file, env: {}, cwd: dir })
    expect(config).toEqual({
      source: file,
      http: { listen: "[::1]:9000", max_body_bytes: 2048 },
      storage: { path: join(dir, "db", "sb.db"), synchronous: "full" },
      auth: { admin_key: "sk_admin" },
      log: { level: "debug" },
      queue: { max_attempts: 3, retry_base_ms: 10, retry_cap_ms: 100 },
      webhooks: { private_targets: "all" },
      prices: { default: 2, countries: { GH: 3, NG: 0 } },
      connectors: [
        {
          id: "carrier-a",
          type: "smpp",
          host: "smpp.example.net",
          port: 2776,
          tls: true,
          system_id: "gw",
          password: "secret",
          system_type: "vma",
          sessions: 2,
          window: 20,
          tps: 50.5,
          default_encoding: "latin1",
          enquire_link_s: 15,
          response_timeout_s: 5,
          reconnect_min_s: 2,
          reconnect_max_s: 30,
          registered_delivery: false,
          source_ton: 5,
          source_npi: 0,
          country: "",
          mo_reassembly_timeout_s: 600,
          mo_reassembly_max_parts: 10000,
        },
        { id: "sim", type: "simulator", delivery_delay_ms: 0, failure_rate: 0.25, tps: 10 },
      ],
      routes: [
        {
          name: "",
          prefix: "+233",
          country: "",
          account: "",
          from: "",
          connectors: ["carrier-a", "sim"],
          weights: [],
        },
        {
          name: "",
          prefix: "*",
          country: "",
          account: "",
          from: "",
          connectors: ["sim"],
          weights: [],
        },
      ],
    })
    expect(Value.Check(ConfigSchema, withoutSource(config))).toBe(true)
  })

  test("fills smpp defaults and routes every connector in file order", () => {
    const config = load(`${SMPP}
[[connectors]]
id = "sim"
type = "simulator"
`)
    expect(config.connectors[0]).toMatchObject({
      port: 2775,
      tls: false,
      password: "",
      sessions: 1,
      window: 10,
      tps: 100,
      default_encoding: "gsm7",
      registered_delivery: true,
      source_ton: -1,
      source_npi: -1,
    })
    expect(config.routes).toEqual([
      {
        name: "",
        prefix: "*",
        country: "",
        account: "",
        from: "",
        connectors: ["carrier-a", "sim"],
        weights: [],
      },
    ])
  })

  test("keeps :memory: as the storage path", () => {
    expect(load(`[storage]\npath = ":memory:"`).storage.path).toBe(":memory:")
  })

  test("refuses an unknown key at the top level and names it", () => {
    expect(errorsOf(() => load(`colour = "blue"`))).toEqual(["colour: unknown key"])
  })

  test("refuses an unknown key in a section and names it", () => {
    expect(errorsOf(() => load(`[http]\nlisen = "0.0.0.0:80"`))).toEqual([
      "http.lisen: unknown key",
    ])
  })

  test("refuses an unknown key in a connector, with the connector type", () => {
    const errors = errorsOf(() => load(`${SMPP}hostt = "x"\n${SMPP.replace("carrier-a", "b")}`))
    expect(errors).toEqual(["connectors[0].hostt: unknown key (type smpp)"])
  })

  test("refuses a key that belongs to another connector type", () => {
    const errors = errorsOf(() => load(`${SMPP}failure_rate = 0.5\n`))
    expect(errors).toEqual([
      "connectors[0].failure_rate: unknown key (type smpp; only valid for type simulator)",
    ])
  })

  test("refuses wrong types and out-of-range values, naming key, expectation and value", () => {
    const errors = errorsOf(() =>
      load(`
[http]
listen = "localhost"
max_body_bytes = "big"
[storage]
synchronous = "off"
[log]
level = "verbose"
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = "abc"
tls = "yes"
tps = 0
system_id = "a-system-id-too-long"
sessions = 1.5
[[connectors]]
id = "Sim"
type = "simulator"
failure_rate = 2
`),
    )
    expect(errors).toEqual([
      'http.listen: expected host:port such as "127.0.0.1:8080" or "[::1]:8080" (port 0 to 65535), got "localhost"',
      'http.max_body_bytes: expected an integer of at least 1, got "big"',
      'storage.synchronous: expected one of "normal", "full", got "off"',
      'log.level: expected one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got "verbose"',
      'connectors[0].port: expected an integer from 1 to 65535, got "abc"',
      'connectors[0].tls: expected true or false, got "yes"',
      'connectors[0].system_id: expected a string of 1 to 15 characters, got "a-system-id-too-long"',
      "connectors[0].sessions: expected an integer from 1 to 64, got 1.5",
      "connectors[0].tps: expected a number greater than 0, got 0",
      'connectors[1].id: expected an id of 1 to 64 characters from a-z, 0-9, _ and -, got "Sim"',
      "connectors[1].failure_rate: expected a number from 0 to 1, got 2",
    ])
  })

  test("reports every error in one message, one per line", () => {
    const dir = tempDir()
    const file = writeConfig(`[http]\nlisen = 1\n[queue]\nmax_attempts = 0`, dir)
    expect(() => loadConfig({ file, env: {}, cwd: dir })).toThrow(
      `invalid configuration (${file}):\n  http.lisen: unknown key\n  queue.max_attempts: expected an integer of at least 1, got 0`,
    )
  })

  test("refuses a section that is not a table and connectors that are not an array", () => {
    const errors = errorsOf(() => load(`http = 5\n[connectors]\nid = "a"`))
    expect(errors).toEqual([
      "http: expected a table, got 5",
      "connectors: expected an array of tables ([[connectors]]), got a table",
    ])
  })

  test("requires host and system_id for smpp, and a known type", () => {
    const errors = errorsOf(() =>
      load(`
[[connectors]]
id = "a"
type = "smpp"
[[connectors]]
id = "b"
type = "fax"
[[connectors]]
id = "c"
`),
    )
    expect(errors).toEqual([
      "connectors[0].host: required for type smpp",
      "connectors[0].system_id: required for type smpp",
      'connectors[1].type: expected one of "smpp", "simulator", "modem", got "fax"',
      'connectors[2].type: required (one of "smpp", "simulator", "modem")',
    ])
  })

  test("refuses duplicate connector ids", () => {
    const errors = errorsOf(() => load(`${SMPP}${SMPP}`))
    expect(errors).toEqual(['connectors[1].id: duplicate id "carrier-a" (also connectors[0].id)'])
  })

  test("refuses a route naming a missing connector", () => {
    const errors = errorsOf(() =>
      load(`${SMPP}
[[routes]]
prefix = "+233"
connectors = ["carrier-a", "carrier-x"]
`),
    )
    expect(errors).toEqual([
      'routes[0].connectors[1]: no connector has id "carrier-x" (known: "carrier-a")',
    ])
  })

  test("refuses bad prefixes, duplicate prefixes and empty or repeated connector lists", () => {
    const errors = errorsOf(() =>
      load(`${SMPP}
[[routes]]
prefix = "233"
connectors = ["carrier-a"]
[[routes]]
prefix = "+1234567890123456"
connectors = []
[[routes]]
prefix = "*"
connectors = ["carrier-a", "carrier-a"]
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
`),
    )
    expect(errors).toEqual([
      'routes[0].prefix: expected "*" or "+" followed by 1 to 15 digits, got "233"',
      'routes[1].prefix: expected "*" or "+" followed by 1 to 15 digits, got "+1234567890123456"',
      "routes[1].connectors: expected a non-empty array of connector ids, got an array",
      'routes[2].connectors[1]: "carrier-a" is listed twice',
      'routes[3]: same match as routes[2] (prefix "*")',
    ])
  })

  test("refuses a route with both prefix and country, an unknown country, and mismatched weights", () => {
    const errors = errorsOf(() =>
      load(`${SMPP}
[[routes]]
prefix = "+233"
country = "GH"
connectors = ["carrier-a"]
[[routes]]
country = "XQ"
connectors = ["carrier-a"]
[[routes]]
country = "gh"
account = "acc_1"
connectors = ["carrier-a"]
weights = [1, 2]
[[routes]]
country = "GH"
account = "acc_1"
connectors = ["carrier-a"]
`),
    )
    expect(errors).toEqual([
      'routes[0]: set only one of prefix ("+233") and country ("GH")',
      'routes[1].country: unknown country code "XQ"',
      "routes[2].weights: expected one weight per connector (1), got 2",
      'routes[3]: same match as routes[2] (country "GH", account "acc_1")',
    ])
  })

  test("reads country, account, from and weights narrowing a route", () => {
    const config = load(`${SMPP}
[[connectors]]
id = "sim"
type = "simulator"
[[routes]]
name = "ghana-otp"
country = "GH"
account = "acc_1"
from = "ACME"
connectors = ["carrier-a", "sim"]
weights = [3, 1]
`)
    expect(config.routes).toEqual([
      {
        name: "ghana-otp",
        prefix: "*",
        country: "GH",
        account: "acc_1",
        from: "ACME",
        connectors: ["carrier-a", "sim"],
        weights: [3, 1],
      },
    ])
  })

  test("refuses a retry cap below the base and a reconnect max below the min", () => {
    const errors = errorsOf(() =>
      load(
        `[queue]\nretry_base_ms = 5000\nretry_cap_ms = 1000\n${SMPP}reconnect_min_s = 10\nreconnect_max_s = 5\n`,
      ),
    )
    expect(errors).toEqual([
      "queue.retry_cap_ms: expected at least queue.retry_base_ms (5000), got 1000",
      "connectors[0].reconnect_max_s: expected at least reconnect_min_s (10), got 5",
    ])
  })

  test("reads the file named by SIGNALBOX_CONFIG, relative to cwd", () => {
    const dir = tempDir()
    writeConfig(`[http]\nlisten = "0.0.0.0:0"`, dir)
    const config = loadConfig({ env: { SIGNALBOX_CONFIG: "signalbox.toml" }, cwd: dir })
    expect(config.source).toBe(join(dir, "signalbox.toml"))
    expect(config.http.listen).toBe("0.0.0.0:0")
  })

  test("prefers --config over SIGNALBOX_CONFIG", () => {
    const dir = tempDir()
    const file = writeConfig(`[log]\nlevel = "warn"`, dir)
    const config = loadConfig({ file, env: { SIGNALBOX_CONFIG: "/nonexistent.toml" }, cwd: dir })
    expect(config.log.level).toBe("warn")
  })

  test("refuses a named file that does not exist, naming the path", () => {
    const dir = tempDir()
    expect(() => loadConfig({ file: "missing.toml", env: {}, cwd: dir })).toThrow(
      `config file not found: ${join(dir, "missing.toml")} (from --config)`,
    )
    expect(() => loadConfig({ env: { SIGNALBOX_CONFIG: "/nope.toml" }, cwd: dir })).toThrow(
      "config file not found: /nope.toml (from SIGNALBOX_CONFIG)",
    )
  })

  test("refuses a directory as the config file", () => {
    const dir = tempDir()
    mkdirSync(join(dir, "conf"))
    expect(() => loadConfig({ file: "conf", env: {}, cwd: dir })).toThrow(ConfigError)
  })

  test("refuses bad TOML with the file name and the parser's message", () => {
    const dir = tempDir()
    const file = writeConfig(`[http]\nlisten = `, dir)
    expect(() => loadConfig({ file, env: {}, cwd: dir })).toThrow(
      `${file}: invalid TOML: Missing value after '='`,
    )
  })

  test("loads the shipped example as the defaults", () => {
    const cwd = tempDir()
    const config = loadConfig({ file: EXAMPLE, env: {}, cwd })
    expect(config.source).toBe(EXAMPLE)
    expect(withoutSource(config)).toEqual(withoutSource(loadConfig({ env: {}, cwd })))
  })

  test("loads the shipped example with every setting uncommented", () => {
    const text = readFileSync(EXAMPLE, "utf8").replace(
      /^# ([a-z_]+ = .*|\[\[?[a-z]+\]\]?)$/gm,
      "$1",
    )
    const cwd = tempDir()
    const config = load(text, { cwd })
    const defaults = loadConfig({ env: {}, cwd })
    expect(config.connectors.map((c) => c.type)).toEqual(["smpp", "simulator", "modem"])
    expect(config.connectors[1]).toEqual(defaults.connectors[0]!)
    expect(config.routes).toEqual([
      {
        name: "",
        prefix: "*",
        country: "",
        account: "",
        from: "",
        connectors: ["carrier-a", "simulator"],
        weights: [],
      },
    ])
    // The example's [prices] is commented out as a whole; uncommented, it declares the table the
    // database is seeded with.
    expect(defaults.prices).toBeNull()
    expect(config.prices).toEqual({ default: 1, countries: {} })
    const { connectors: _c, routes: _r, source: _s, prices: _p, ...sections } = config
    const { connectors: _dc, routes: _dr, source: _ds, prices: _dp, ...defaultSections } = defaults
    expect(sections).toEqual(defaultSections)
  })
})

describe("modem connectors", () => {
  test("fill every modem default; pin and smsc empty mean none", () => {
    const config = load(`[[connectors]]
id = "modem-1"
type = "modem"
device = "/dev/ttyUSB2"
`)
    expect(config.connectors[0]).toEqual({
      id: "modem-1",
      type: "modem",
      device: "/dev/ttyUSB2",
      baud: 115200,
      pin: "",
      smsc: "",
      country: "",
      tps: 1,
      command_timeout_ms: 5000,
      send_timeout_ms: 60000,
      poll_interval_ms: 30000,
      registration_timeout_ms: 120000,
      reassembly_timeout_ms: 86400000,
      reopen_min_ms: 1000,
      reopen_max_ms: 60000,
    })
  })

  test("refuses a missing device, a malformed PIN and an smpp-only key, naming each", () => {
    const errors = errorsOf(() =>
      load(`[[connectors]]
id = "modem-1"
type = "modem"
pin = "12a4"
host = "x"
`),
    )
    expect(errors).toEqual([
      "connectors[0].host: unknown key (type modem; only valid for type smpp)",
      "connectors[0].device: required for type modem",
      'connectors[0].pin: expected 4 to 8 digits, or empty, got "12a4"',
    ])
  })
})

describe("connector country", () => {
  test("reads country on smpp and modem connectors, from the file or the environment", () => {
    const config = load(
      `${SMPP}country = "GH"
[[connectors]]
id = "modem-1"
type = "modem"
device = "/dev/ttyUSB2"
`,
      { env: { SIGNALBOX_CONNECTORS__1__COUNTRY: "gh" } },
    )
    expect(config.connectors.map((c) => ("country" in c ? c.country : null))).toEqual(["GH", "gh"])
  })

  test("refuses a country that is not two letters, unknown to libphonenumber, or on a simulator", () => {
    const errors = errorsOf(() =>
      load(
        `${SMPP}country = "Ghana"
[[connectors]]
id = "modem-1"
type = "modem"
device = "/dev/ttyUSB2"
country = "XQ"
[[connectors]]
id = "sim"
type = "simulator"
country = "GH"
[[connectors]]
id = "carrier-b"
type = "smpp"
host = "127.0.0.1"
system_id = "gw"
`,
        { env: { SIGNALBOX_CONNECTORS__3__COUNTRY: "233" } },
      ),
    )
    expect(errors).toEqual([
      'connectors[0].country: expected an ISO 3166-1 alpha-2 country code such as "GH", or empty, got "Ghana"',
      "connectors[2].country: unknown key (type simulator; only valid for type smpp, modem)",
      'connectors[3].country (from SIGNALBOX_CONNECTORS__3__COUNTRY): expected an ISO 3166-1 alpha-2 country code such as "GH", or empty, got "233"',
      'connectors[1].country: unknown country code "XQ"',
    ])
  })
})

describe("prices", () => {
  test("is null without [prices], so the stored table is kept", () => {
    expect(load(`[queue]\nmax_attempts = 2`).prices).toBeNull()
  })

  test("reads the table with the default at 1 and country codes in upper case", () => {
    expect(load(`[prices.countries]\ngh = 2\nNG = 1`).prices).toEqual({
      default: 1,
      countries: { GH: 2, NG: 1 },
    })
    expect(load(`[prices]\ndefault = 0\ncountries = { GH = 1000000 }`).prices).toEqual({
      default: 0,
      countries: { GH: 1000000 },
    })
    expect(load(`[prices]`).prices).toEqual({ default: 1, countries: {} })
  })

  test("reads the table from the environment, which replaces the file's countries", () => {
    const config = load(`[prices.countries]\nGH = 2\nNG = 3`, {
      env: { SIGNALBOX_PRICES__DEFAULT: "4", SIGNALBOX_PRICES__COUNTRIES: "gh=5, CI = 6," },
    })
    expect(config.prices).toEqual({ default: 4, countries: { GH: 5, CI: 6 } })
    const fromEnvOnly = loadConfig({ env: { SIGNALBOX_PRICES__DEFAULT: "2" }, cwd: tempDir() })
    expect(fromEnvOnly.prices).toEqual({ default: 2, countries: {} })
  })

  test("refuses prices that are not whole numbers from 0 to 1000000, naming the key", () => {
    const errors = errorsOf(() =>
      load(`
[prices]
default = -1
colour = "blue"
[prices.countries]
GH = 1.5
NG = 1000001
CI = "2"
KE = 2
`),
    )
    expect(errors).toEqual([
      "prices.colour: unknown key",
      "prices.default: expected an integer from 0 to 1000000, got -1",
      "prices.countries.GH: expected an integer from 0 to 1000000, got 1.5",
      "prices.countries.NG: expected an integer from 0 to 1000000, got 1000001",
      'prices.countries.CI: expected an integer from 0 to 1000000, got "2"',
    ])
  })

  test("refuses country codes that are not two letters, unknown to libphonenumber, or listed twice", () => {
    const errors = errorsOf(() =>
      load(`
[prices.countries]
Ghana = 2
233 = 1
XQ = 1
GH = 2
gh = 3
`),
    )
    expect(errors).toEqual([
      'prices.countries.233: expected an ISO 3166-1 alpha-2 country code such as "GH" as the key, got "233"',
      'prices.countries.Ghana: expected an ISO 3166-1 alpha-2 country code such as "GH" as the key, got "Ghana"',
      'prices.countries.XQ: unknown country code "XQ"',
      'prices.countries.gh: "GH" is listed twice (also prices.countries.GH)',
    ])
  })

  test("refuses a [prices] or countries that is not a table, and malformed environment pairs", () => {
    expect(errorsOf(() => load(`prices = 1`))).toEqual(["prices: expected a table, got 1"])
    expect(errorsOf(() => load(`[prices]\ncountries = ["GH"]`))).toEqual([
      "prices.countries: expected a table of ISO 3166-1 alpha-2 country codes to integers from 0 to 1000000, such as { GH = 2, NG = 1 }, got an array",
    ])
    const errors = errorsOf(() =>
      loadConfig({
        env: { SIGNALBOX_PRICES__COUNTRIES: "GH:2", SIGNALBOX_PRICES__DEFAULT: "one" },
        cwd: tempDir(),
      }),
    )
    expect(errors).toEqual([
      'prices.default (from SIGNALBOX_PRICES__DEFAULT): expected an integer from 0 to 1000000, got "one"',
      'prices.countries (from SIGNALBOX_PRICES__COUNTRIES): expected KEY=value pairs separated by commas, such as "GH=2,NG=1", got "GH:2"',
    ])
    expect(
      errorsOf(() =>
        loadConfig({ env: { SIGNALBOX_PRICES__COUNTRIES: "GH=two,XQ=1" }, cwd: tempDir() }),
      ),
    ).toEqual([
      'prices.countries.GH (from SIGNALBOX_PRICES__COUNTRIES): expected an integer from 0 to 1000000, got "two"',
      'prices.countries.XQ: unknown country code "XQ"',
    ])
    // The same country twice: refused, as TOML refuses it, not the last one kept.
    expect(
      errorsOf(() =>
        loadConfig({ env: { SIGNALBOX_PRICES__COUNTRIES: "GH=2,GH=3" }, cwd: tempDir() }),
      ),
    ).toEqual(['prices.countries (from SIGNALBOX_PRICES__COUNTRIES): "GH" is listed twice'])
  })

  test("accepts the same bound as PUT /v1/prices", () => {
    // The config's schema and PUT /v1/prices share lib/credit-bounds.ts: one past it is refused.
    expect(errorsOf(() => load(`[prices]\ndefault = ${MAX_CREDITS_PER_SEGMENT + 1}`))).toEqual([
      `prices.default: expected an integer from 0 to ${MAX_CREDITS_PER_SEGMENT}, got ${MAX_CREDITS_PER_SEGMENT + 1}`,
    ])
  })
})

describe("parseListen", () => {
  test("splits IPv4, host names and bracketed IPv6", () => {
    expect(parseListen("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080 })
    expect(parseListen("localhost:0")).toEqual({ host: "localhost", port: 0 })
    expect(parseListen("[::1]:8080")).toEqual({ host: "::1", port: 8080 })
  })

  test("refuses a missing host, a bare IPv6 address and a port above 65535", () => {
    expect(parseListen(":8080")).toBeNull()
    expect(parseListen("::1:8080")).toBeNull()
    expect(parseListen("127.0.0.1:65536")).toBeNull()
    expect(parseListen("127.0.0.1")).toBeNull()
  })
})
