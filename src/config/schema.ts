/**
 * The configuration schema. These TypeBox objects are the one source for validation (load.ts),
 * environment names (env.ts), the reference table in docs/config.md (config-doc.ts) and the TS
 * types. Keys stay snake_case in TS as well, so the file, the docs and the code share a spelling.
 *
 * Non-standard schema options read by this module's code:
 * - `expect`: how an error message and the docs describe a valid value, where the generic
 *   wording ("a string") would not help.
 * - `docDefault`: the default as the docs show it, for defaults computed at load time.
 * - `keyExpect`: on a table of free keys (Type.Record), how an error message describes a valid key.
 */

import { type Static, type TLiteral, type TSchema, type TUnion, Type } from "@sinclair/typebox"
import { MAX_CREDITS_PER_SEGMENT } from "../lib/credit-bounds.ts"
import type { LogLevel } from "../lib/logger.ts"

// ---- [http] ----------------------------------------------------------------------------------

/** Loopback only: exposing the gateway beyond the host should be a deliberate choice. */
export const DEFAULT_LISTEN = "127.0.0.1:8080"
/**
 * 1 MiB: a 1,000-recipient batch of long texts is a few hundred KB; a larger body is a mistake
 * or abuse, and it is refused (413) before it is parsed.
 */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576

// ---- [storage] -------------------------------------------------------------------------------

/** Relative to the working directory, like every relative path in the configuration. */
export const DEFAULT_DATA_DIR = "./data"
/** The database file inside the data directory (SIGNALBOX_DATA_DIR or DEFAULT_DATA_DIR). */
export const STORAGE_FILE_NAME = "signalbox.db"
/**
 * "normal" in WAL mode survives a crash of the process (kill -9, OOM); only an OS crash or power
 * loss can lose the last commits. "full" fsyncs every commit and costs throughput.
 */
export const DEFAULT_SYNCHRONOUS = "normal"

// ---- [log] -----------------------------------------------------------------------------------

/** One line per request and per message state change: enough to operate, not enough to drown. */
export const DEFAULT_LOG_LEVEL = "info"

// ---- [queue] ---------------------------------------------------------------------------------

/**
 * 5 submit attempts with the backoff below ride out a carrier hiccup of tens of seconds; a longer
 * outage fails the message visibly rather than delivering it hours late.
 */
export const DEFAULT_MAX_ATTEMPTS = 5
/** 1 s: the first retry comes after roughly the time a carrier takes to recover from a throttle. */
export const DEFAULT_RETRY_BASE_MS = 1_000
/** 60 s: no retry waits longer than a minute, so a recovered route is used again quickly. */
export const DEFAULT_RETRY_CAP_MS = 60_000

// ---- [prices] --------------------------------------------------------------------------------

/** What migration 0006 seeds the table with: one credit per SMS segment, the common unit. */
export const DEFAULT_CREDITS_PER_SEGMENT = 1

// ---- [[connectors]] type = "smpp" ------------------------------------------------------------

/** IANA-registered SMPP port; most carriers use it for plain-TCP binds. */
export const DEFAULT_SMPP_PORT = 2775
/** Most binds run over a VPN or plain TCP; SMPP over TLS is opt-in per carrier. */
export const DEFAULT_SMPP_TLS = false
/** Most carriers expect an empty system_type; some assign one with the account. */
export const DEFAULT_SMPP_SYSTEM_TYPE = ""
/** Many accounts allow exactly one bind; raise it only when the carrier contract allows more. */
export const DEFAULT_SMPP_SESSIONS = 1
/** 10 outstanding submit_sm: a common carrier limit; beyond it carriers answer ESME_RTHROTTLED. */
export const DEFAULT_SMPP_WINDOW = 10
/** Messages per second across the connector: a conservative contracted rate. */
export const DEFAULT_SMPP_TPS = 100
/** SMPP 3.4 §5.2.19: data_coding 0 is the SMSC default alphabet, GSM 03.38 on most carriers. */
export const DEFAULT_SMPP_ENCODING = "gsm7"
/** Well under the 60–120 s after which carriers and NAT boxes drop an idle bind. */
export const DEFAULT_ENQUIRE_LINK_S = 30
/** Carriers answer in milliseconds; no submit_sm_resp after 10 s means the link is broken. */
export const DEFAULT_RESPONSE_TIMEOUT_S = 10
/** First rebind attempt after a drop: quick, since most drops are a single reset connection. */
export const DEFAULT_RECONNECT_MIN_S = 1
/** Rebind attempts back off to one a minute, so a recovered carrier is used within a minute. */
export const DEFAULT_RECONNECT_MAX_S = 60
/** Receipts are the only way a message reaches "delivered"; carriers bill the same either way. */
export const DEFAULT_REGISTERED_DELIVERY = true
/** -1 = choose per sender: alphanumeric 5/0, short code 3/0, international number 1/1. */
export const AUTOMATIC_TON_NPI = -1

// ---- [[connectors]] type = "simulator" -------------------------------------------------------

/** The connector used when none is configured, so a fresh install can send at once. */
export const DEFAULT_CONNECTOR_ID = "simulator"
/** 0.5 s: "sent" is visible before "delivered" in a demo, and tests stay fast. */
export const DEFAULT_SIMULATOR_DELAY_MS = 500
/** Every simulated message is delivered unless a test asks for failures. */
export const DEFAULT_SIMULATOR_FAILURE_RATE = 0
/** High enough that the simulator is never the bottleneck of a benchmark of the gateway. */
export const DEFAULT_SIMULATOR_TPS = 1_000

/** TS 23.040 §9.2.3.24.1 leaves reassembly time to the receiver; 10 minutes covers SMSC resends. */
export const DEFAULT_MO_REASSEMBLY_TIMEOUT_S = 600
/** Bounds memory (~10,000 × 160 bytes) when a peer sends parts that never complete. */
export const DEFAULT_MO_REASSEMBLY_MAX_PARTS = 10_000

// ---- [[connectors]] type = "modem" -----------------------------------------------------------

/** What USB modems (Huawei, ZTE, SIMCom, Quectel) use; CDC-ACM devices ignore it. */
export const DEFAULT_MODEM_BAUD = 115_200
/** A modem sends roughly one SMS every 1–3 s; pacing keeps the queue honest. */
export const DEFAULT_MODEM_TPS = 1
/** Local commands answer in milliseconds; +COPS? can take seconds. */
export const DEFAULT_MODEM_COMMAND_TIMEOUT_MS = 5_000
/** +CMGS waits for the network; TS 27.005 allows long answers. */
export const DEFAULT_MODEM_SEND_TIMEOUT_MS = 60_000
export const DEFAULT_MODEM_POLL_INTERVAL_MS = 30_000
/** A cold start on a weak signal can take a minute or more. */
export const DEFAULT_MODEM_REGISTRATION_TIMEOUT_MS = 120_000
/** Parts of one message can arrive hours apart on a congested network; the SIM holds them meanwhile. */
export const DEFAULT_MODEM_REASSEMBLY_TIMEOUT_MS = 24 * 60 * 60 * 1000
export const DEFAULT_MODEM_REOPEN_MIN_MS = 1_000
export const DEFAULT_MODEM_REOPEN_MAX_MS = 60_000

// ---- [[routes]] ------------------------------------------------------------------------------

/** The prefix that matches every destination. */
export const CATCH_ALL_PREFIX = "*"

// ---- schema ----------------------------------------------------------------------------------

const CONNECTOR_ID_PATTERN = "^[a-z0-9_-]{1,64}$"
const CONNECTOR_ID_EXPECT = "an id of 1 to 64 characters from a-z, 0-9, _ and -"

export const LOG_LEVELS = [
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "fatal",
  "silent",
] as const satisfies readonly LogLevel[]

function oneOf<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown>,
): TUnion<TLiteral<T[number]>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  )
}

export const HttpSchema = Type.Object(
  {
    listen: Type.String({
      default: DEFAULT_LISTEN,
      expect: 'host:port such as "127.0.0.1:8080" or "[::1]:8080" (port 0 to 65535)',
      description:
        'Address and port of the REST API. Port 0 picks a free port (tests). IPv6 hosts in brackets: "[::1]:8080".',
    }),
    max_body_bytes: Type.Integer({
      minimum: 1,
      default: DEFAULT_MAX_BODY_BYTES,
      description: "Largest accepted request body; larger requests get 413 payload_too_large.",
    }),
  },
  { additionalProperties: false },
)

export const StorageSchema = Type.Object(
  {
    path: Type.String({
      minLength: 1,
      docDefault: "`$SIGNALBOX_DATA_DIR/signalbox.db`, else `./data/signalbox.db`",
      description:
        'SQLite database file. A relative path resolves against the working directory, not the config file\'s directory. ":memory:" is kept as is.',
    }),
    synchronous: oneOf(["normal", "full"], {
      default: DEFAULT_SYNCHRONOUS,
      description:
        'SQLite `synchronous` in WAL mode: "normal" survives a process crash (kill -9), "full" also survives power loss, at a cost in throughput.',
    }),
  },
  { additionalProperties: false },
)

export const AuthSchema = Type.Object(
  {
    admin_key: Type.String({
      default: "",
      description:
        "API key of the admin account. Empty: one is generated at first start and printed once.",
    }),
  },
  { additionalProperties: false },
)

export const LogSchema = Type.Object(
  {
    level: oneOf(LOG_LEVELS, {
      default: DEFAULT_LOG_LEVEL,
      description: "Least severe level written to stdout (JSON lines).",
    }),
  },
  { additionalProperties: false },
)

export const QueueSchema = Type.Object(
  {
    max_attempts: Type.Integer({
      minimum: 1,
      default: DEFAULT_MAX_ATTEMPTS,
      description:
        "Submit attempts for temporary errors before a message is failed with retries_exhausted.",
    }),
    retry_base_ms: Type.Integer({
      minimum: 1,
      default: DEFAULT_RETRY_BASE_MS,
      description: "Smallest delay before a retry (capped exponential backoff with full jitter).",
    }),
    retry_cap_ms: Type.Integer({
      minimum: 1,
      default: DEFAULT_RETRY_CAP_MS,
      description: "Largest delay before a retry; at least `retry_base_ms`.",
    }),
  },
  { additionalProperties: false },
)

export const DEFAULT_PRIVATE_TARGETS = "operator"

export const WebhooksSchema = Type.Object(
  {
    private_targets: oneOf(["operator", "all"], {
      default: DEFAULT_PRIVATE_TARGETS,
      description:
        "Who may send webhooks and callbacks to loopback, private and link-local addresses (this " +
        'box, its network, a cloud metadata service): "operator" (the admin account only; ' +
        "partners' and customers' endpoints must be public) or \"all\" (a single-business install).",
    }),
  },
  { additionalProperties: false },
)

const creditsPerSegment = (options: Record<string, unknown>) =>
  Type.Integer({ minimum: 0, maximum: MAX_CREDITS_PER_SEGMENT, ...options })

/**
 * Optional as a whole: without [prices] the stored table (PUT /v1/prices, else the migration's
 * default) is kept; with it, the table is replaced at every start. `countries` is a table of
 * country codes; load.ts also checks that libphonenumber knows each code.
 */
export const PricesSchema = Type.Object(
  {
    default: creditsPerSegment({
      default: DEFAULT_CREDITS_PER_SEGMENT,
      description:
        "Credits per segment for every destination whose country is not in `countries`, non-geographic numbers included. Like every [prices] key, used only when [prices] is set (file or environment): the table then replaces the stored one at each start.",
    }),
    countries: Type.Record(Type.String({ pattern: "^[A-Za-z]{2}$" }), creditsPerSegment({}), {
      expect: `a table of ISO 3166-1 alpha-2 country codes to integers from 0 to ${MAX_CREDITS_PER_SEGMENT}, such as { GH = 2, NG = 1 }`,
      keyExpect: 'an ISO 3166-1 alpha-2 country code such as "GH"',
      docDefault: "`{}`",
      description:
        "Credits per segment by destination country (ISO 3166-1 alpha-2, any letter case); every other destination pays `default`. In the environment: `GH=2,NG=1`.",
    }),
  },
  { additionalProperties: false },
)

/**
 * Empty by default: without a country nothing can tell which country a national number belongs
 * to, so such addresses are kept as received (as before the key existed). load.ts also checks
 * that libphonenumber knows the code.
 */
const connectorCountry = () =>
  Type.String({
    default: "",
    pattern: "^([A-Za-z]{2})?$",
    expect: 'an ISO 3166-1 alpha-2 country code such as "GH", or empty',
    description:
      "The country of this connector's numbers (ISO 3166-1 alpha-2): national-format inbound senders and our own number are read as numbers of this country and stored in E.164. Empty, or digits that are not a valid number there: kept as received.",
  })

const connectorId = () =>
  Type.String({
    pattern: CONNECTOR_ID_PATTERN,
    expect: CONNECTOR_ID_EXPECT,
    description: "Unique name of the connector, used by routes, logs and the API.",
  })

export const SmppConnectorSchema = Type.Object(
  {
    id: connectorId(),
    type: Type.Literal("smpp", { description: "An SMPP 3.4 carrier bind." }),
    host: Type.String({ minLength: 1, description: "Carrier SMSC host name or address." }),
    port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: DEFAULT_SMPP_PORT,
      description: "Carrier SMSC port.",
    }),
    tls: Type.Boolean({ default: DEFAULT_SMPP_TLS, description: "Bind over TLS." }),
    // SMPP 3.4 §5.2.1: system_id is a C-Octet String of at most 16 octets including the NUL.
    system_id: Type.String({
      minLength: 1,
      maxLength: 15,
      description: "Account name the carrier assigned (SMPP 3.4: at most 15 characters).",
    }),
    // SMPP 3.4 §5.2.2 allows 8 characters, but some carriers issue longer passwords.
    password: Type.String({
      maxLength: 64,
      default: "",
      description:
        "Bind password. SMPP 3.4 allows at most 8 characters; up to 64 are accepted for carriers that exceed the spec.",
    }),
    // SMPP 3.4 §5.2.3: system_type is at most 13 octets including the NUL.
    system_type: Type.String({
      maxLength: 12,
      default: DEFAULT_SMPP_SYSTEM_TYPE,
      description: "system_type sent in the bind, if the carrier asks for one.",
    }),
    sessions: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: DEFAULT_SMPP_SESSIONS,
      description: "Parallel binds (transceiver sessions) to open.",
    }),
    window: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: DEFAULT_SMPP_WINDOW,
      description: "Outstanding submit_sm without a response, per session.",
    }),
    tps: Type.Number({
      exclusiveMinimum: 0,
      default: DEFAULT_SMPP_TPS,
      description: "Messages per second across all sessions of this connector.",
    }),
    default_encoding: oneOf(["gsm7", "latin1", "ascii"], {
      default: DEFAULT_SMPP_ENCODING,
      description: "What data_coding 0 means to this carrier.",
    }),
    enquire_link_s: Type.Number({
      // Fractions allowed (tests use tens of milliseconds); no carrier needs less than this.
      minimum: 0.01,
      default: DEFAULT_ENQUIRE_LINK_S,
      description: "Seconds between enquire_link keep-alives on an idle session.",
    }),
    response_timeout_s: Type.Number({
      // Fractions allowed (tests use tens of milliseconds); no carrier needs less than this.
      minimum: 0.01,
      default: DEFAULT_RESPONSE_TIMEOUT_S,
      description:
        "Seconds to wait for a response; a submit_sm without one is a temporary failure.",
    }),
    reconnect_min_s: Type.Number({
      // Fractions allowed (tests use tens of milliseconds); no carrier needs less than this.
      minimum: 0.01,
      default: DEFAULT_RECONNECT_MIN_S,
      description: "Seconds before the first rebind after a session drops.",
    }),
    reconnect_max_s: Type.Number({
      // Fractions allowed (tests use tens of milliseconds); no carrier needs less than this.
      minimum: 0.01,
      default: DEFAULT_RECONNECT_MAX_S,
      description: "Longest wait between rebind attempts; at least `reconnect_min_s`.",
    }),
    registered_delivery: Type.Boolean({
      default: DEFAULT_REGISTERED_DELIVERY,
      description: "Ask the carrier for delivery receipts.",
    }),
    source_ton: Type.Integer({
      minimum: -1,
      maximum: 6,
      default: AUTOMATIC_TON_NPI,
      description:
        "Type of number of the sender. -1: automatic (alphanumeric 5, short code 3, international number 1).",
    }),
    source_npi: Type.Integer({
      minimum: -1,
      maximum: 18,
      default: AUTOMATIC_TON_NPI,
      description:
        "Numbering plan of the sender. -1: automatic (alphanumeric 0, short code 0, international number 1).",
    }),
    country: connectorCountry(),
    mo_reassembly_timeout_s: Type.Number({
      minimum: 0.01,
      default: DEFAULT_MO_REASSEMBLY_TIMEOUT_S,
      description:
        "Seconds an incomplete multi-part inbound message waits for its missing parts (from its first part); then the held parts are dropped and counted.",
    }),
    mo_reassembly_max_parts: Type.Integer({
      minimum: 1,
      default: DEFAULT_MO_REASSEMBLY_MAX_PARTS,
      description:
        "Most inbound parts held (in the database, per connector) for reassembly; beyond it the oldest set is dropped.",
    }),
  },
  { additionalProperties: false },
)

export const SimulatorConnectorSchema = Type.Object(
  {
    id: connectorId(),
    type: Type.Literal("simulator", {
      description: "Accepts every message and produces receipts itself; no network.",
    }),
    delivery_delay_ms: Type.Integer({
      minimum: 0,
      default: DEFAULT_SIMULATOR_DELAY_MS,
      description: 'Time from submit to the "delivered" receipt.',
    }),
    failure_rate: Type.Number({
      minimum: 0,
      maximum: 1,
      default: DEFAULT_SIMULATOR_FAILURE_RATE,
      description: "Fraction of messages that get an UNDELIV receipt instead.",
    }),
    tps: Type.Number({
      exclusiveMinimum: 0,
      default: DEFAULT_SIMULATOR_TPS,
      description: "Messages per second the simulator accepts.",
    }),
  },
  { additionalProperties: false },
)

export const ModemConnectorSchema = Type.Object(
  {
    id: connectorId(),
    type: Type.Literal("modem", {
      description: "A USB/serial GSM modem with a SIM, driven by AT commands in PDU mode.",
    }),
    device: Type.String({
      minLength: 1,
      description:
        "Serial device: /dev/ttyUSB2, /dev/ttyACM0, or better a stable /dev/serial/by-id/… path.",
    }),
    baud: Type.Integer({
      minimum: 300,
      default: DEFAULT_MODEM_BAUD,
      description: "Line speed (CDC-ACM modems ignore it).",
    }),
    pin: Type.String({
      pattern: "^([0-9]{4,8})?$",
      expect: "4 to 8 digits, or empty",
      default: "",
      description:
        "SIM PIN, entered once if the SIM asks; empty: none. A wrong PIN is never retried (it could lock the SIM). Never logged.",
    }),
    smsc: Type.String({
      pattern: "^(\\+?[0-9]{3,20})?$",
      expect: "a service-centre number such as +233240000000, or empty",
      default: "",
      description: "Service-centre number set with AT+CSCA; empty: keep the SIM's.",
    }),
    country: connectorCountry(),
    tps: Type.Number({
      exclusiveMinimum: 0,
      default: DEFAULT_MODEM_TPS,
      description: "Parts per second; a modem sends roughly one SMS every 1–3 s.",
    }),
    command_timeout_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_COMMAND_TIMEOUT_MS,
      description: 'Deadline of every AT command and of the "> " prompt of +CMGS.',
    }),
    send_timeout_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_SEND_TIMEOUT_MS,
      description: "Deadline for +CMGS to answer once the PDU is sent (the network round trip).",
    }),
    poll_interval_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_POLL_INTERVAL_MS,
      description:
        "How often signal (+CSQ), registration (+CREG?) and operator (+COPS?) are read, and the SIM inbox is tidied.",
    }),
    registration_timeout_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_REGISTRATION_TIMEOUT_MS,
      description: "How long initialisation waits for network registration before it starts over.",
    }),
    reassembly_timeout_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_REASSEMBLY_TIMEOUT_MS,
      description:
        "How long an incomplete multi-part inbound message waits on the SIM for its parts; then it is stored with the missing parts marked.",
    }),
    reopen_min_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_REOPEN_MIN_MS,
      description: "First wait before reopening a vanished device.",
    }),
    reopen_max_ms: Type.Integer({
      minimum: 10,
      default: DEFAULT_MODEM_REOPEN_MAX_MS,
      description: "Longest wait between reopen attempts.",
    }),
  },
  { additionalProperties: false },
)

/**
 * Connector schemas by `type`. A new kind of connector (modem) is one more schema here and one
 * more member of ConnectorSchema; the loader, env overlay and docs pick it up from this table.
 */
export const CONNECTOR_SCHEMAS = {
  smpp: SmppConnectorSchema,
  simulator: SimulatorConnectorSchema,
  modem: ModemConnectorSchema,
} as const

export type ConnectorType = keyof typeof CONNECTOR_SCHEMAS

export const ConnectorSchema = Type.Union([
  SmppConnectorSchema,
  SimulatorConnectorSchema,
  ModemConnectorSchema,
])

export const RouteSchema = Type.Object(
  {
    name: Type.String({
      default: "",
      description:
        "Name shown in GET /v1/routes and message timelines; empty: described from the match.",
    }),
    prefix: Type.String({
      default: CATCH_ALL_PREFIX,
      pattern: "^(\\*|\\+[0-9]{1,15})$",
      expect: '"*" or "+" followed by 1 to 15 digits',
      description:
        'Destinations this route covers: an E.164 prefix such as "+233", or "*" for all. Leave it at "*" when `country` is set.',
    }),
    country: Type.String({
      default: "",
      pattern: "^([A-Za-z]{2})?$",
      expect: 'an ISO 3166-1 alpha-2 country code such as "GH"',
      description:
        "Destinations this route covers, by the country of the number (ISO 3166-1 alpha-2). Ranks just above the country's calling-code prefix.",
    }),
    account: Type.String({
      default: "",
      description:
        "Only messages of this account id; empty: any account. Narrowed routes win over wider ones.",
    }),
    from: Type.String({
      default: "",
      description: "Only messages sent with exactly this sender; empty: any sender.",
    }),
    connectors: Type.Array(
      Type.String({ pattern: CONNECTOR_ID_PATTERN, expect: CONNECTOR_ID_EXPECT }),
      {
        minItems: 1,
        expect: "a non-empty array of connector ids",
        description:
          "Connector ids to try, in order: the first usable one takes the message, the next ones are failover.",
      },
    ),
    weights: Type.Array(Type.Integer({ minimum: 1, expect: "an integer of at least 1" }), {
      default: [],
      expect: "an array of positive integers, one per connector",
      description:
        "Load sharing: one weight per connector, traffic split in proportion among the usable ones (smooth weighted round-robin). Empty: strict failover order.",
    }),
  },
  { additionalProperties: false },
)

/** The sections that are single tables, in the order the docs and the example file show them. */
export const SECTION_SCHEMAS = {
  http: HttpSchema,
  storage: StorageSchema,
  auth: AuthSchema,
  log: LogSchema,
  queue: QueueSchema,
  webhooks: WebhooksSchema,
  prices: PricesSchema,
} as const

export type SectionName = keyof typeof SECTION_SCHEMAS

/** The sections that are arrays of tables. */
export const LIST_NAMES = ["connectors", "routes"] as const

export type ListName = (typeof LIST_NAMES)[number]

/** The shape of a loaded configuration, minus `source`; for Value.Check in tests and tools. */
export const ConfigSchema = Type.Object(
  {
    ...SECTION_SCHEMAS,
    /** null: no [prices] in the file or the environment; the stored table is kept. */
    prices: Type.Union([PricesSchema, Type.Null()]),
    connectors: Type.Array(ConnectorSchema, { minItems: 1 }),
    routes: Type.Array(RouteSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
)

export type HttpConfig = Static<typeof HttpSchema>
export type StorageConfig = Static<typeof StorageSchema>
export type AuthConfig = Static<typeof AuthSchema>
export type LogConfig = Static<typeof LogSchema>
export type QueueConfig = Static<typeof QueueSchema>
export type WebhooksConfig = Static<typeof WebhooksSchema>
export type PricesConfig = Static<typeof PricesSchema>
export type SmppConnectorConfig = Static<typeof SmppConnectorSchema>
export type SimulatorConnectorConfig = Static<typeof SimulatorConnectorSchema>
export type ModemConnectorConfig = Static<typeof ModemConnectorSchema>
export type ConnectorConfig = SmppConnectorConfig | SimulatorConnectorConfig | ModemConnectorConfig
export type RouteConfig = Static<typeof RouteSchema>

export type Config = Static<typeof ConfigSchema> & {
  /** Absolute path of the file that was loaded; null when running on defaults and env only. */
  source: string | null
}

// ---- describing values -----------------------------------------------------------------------

function range(schema: TSchema): string {
  const min = schema.minimum as number | undefined
  const max = schema.maximum as number | undefined
  const exclusiveMin = schema.exclusiveMinimum as number | undefined
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`
  if (exclusiveMin !== undefined) return ` greater than ${exclusiveMin}`
  if (min !== undefined) return ` of at least ${min}`
  if (max !== undefined) return ` of at most ${max}`
  return ""
}

function length(schema: TSchema): string {
  const min = (schema.minLength as number | undefined) ?? 0
  const max = schema.maxLength as number | undefined
  if (max !== undefined)
    return min > 0 ? ` of ${min} to ${max} characters` : ` of at most ${max} characters`
  return ""
}

/** What a valid value looks like, as error messages and the reference table say it. */
export function describeExpected(schema: TSchema): string {
  if (typeof schema.expect === "string") return schema.expect
  if (Array.isArray(schema.anyOf)) {
    return `one of ${(schema.anyOf as TSchema[]).map((s) => JSON.stringify(s.const)).join(", ")}`
  }
  if (schema.const !== undefined) return JSON.stringify(schema.const)
  switch (schema.type) {
    case "integer":
      return `an integer${range(schema)}`
    case "number":
      return `a number${range(schema)}`
    case "boolean":
      return "true or false"
    case "string":
      return schema.minLength && schema.maxLength === undefined
        ? "a non-empty string"
        : `a string${length(schema)}`
    case "array":
      return `${schema.minItems ? "a non-empty " : "an "}array`
    default:
      return "a value"
  }
}
