/**
 * The environment overlay. Every key has a mechanical name, `SIGNALBOX_<SECTION>__<KEY>` for the
 * single tables and `SIGNALBOX_<LIST>__<INDEX>__<KEY>` for entries of connectors and routes, so
 * no table of names can fall out of step with the schema. Values stay text (EnvValue) until the
 * loader meets them at their place in the schema; it coerces them there and names the variable
 * in any error.
 */
import type { TSchema } from "@sinclair/typebox"
import { LIST_NAMES, type ListName, SECTION_SCHEMAS, type SectionName } from "./schema.ts"

export const ENV_PREFIX = "SIGNALBOX_"

/** Names the overlay does not read: they choose the file and the default data directory. */
export const ENV_CONFIG = "SIGNALBOX_CONFIG"
export const ENV_DATA_DIR = "SIGNALBOX_DATA_DIR"

/** Short names for keys that are set per deployment; the mechanical name wins if both are set. */
export const ENV_ALIASES: Readonly<Record<string, { section: SectionName; key: string }>> = {
  SIGNALBOX_ADMIN_KEY: { section: "auth", key: "admin_key" },
  SIGNALBOX_LOG_LEVEL: { section: "log", key: "level" },
}

/** A value from the environment, still text; `name` is the variable it came from. */
export class EnvValue {
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}
}

export type EnvTarget =
  | { kind: "section"; section: SectionName; key: string }
  | { kind: "item"; list: ListName; index: number; key: string }

export interface EnvEntry {
  name: string
  text: string
  target: EnvTarget
}

export function sectionEnvName(section: string, key: string): string {
  return `${ENV_PREFIX}${section.toUpperCase()}__${key.toUpperCase()}`
}

export function itemEnvName(list: string, index: number | string, key: string): string {
  return `${ENV_PREFIX}${list.toUpperCase()}__${index}__${key.toUpperCase()}`
}

function isSection(name: string): name is SectionName {
  return Object.hasOwn(SECTION_SCHEMAS, name)
}

function isList(name: string): name is ListName {
  return (LIST_NAMES as readonly string[]).includes(name)
}

function parseName(name: string): EnvTarget | string {
  const parts = name.slice(ENV_PREFIX.length).toLowerCase().split("__")
  const [first = "", second = "", third = ""] = parts
  if (isSection(first)) {
    if (parts.length !== 2 || second === "") {
      return `expected ${sectionEnvName(first, "<KEY>")}`
    }
    return { kind: "section", section: first, key: second }
  }
  if (isList(first)) {
    if (parts.length !== 3 || !/^\d+$/.test(second) || third === "") {
      return `expected ${itemEnvName(first, "<INDEX>", "<KEY>")}`
    }
    return { kind: "item", list: first, index: Number(second), key: third }
  }
  const known = [...Object.keys(SECTION_SCHEMAS), ...LIST_NAMES].join(", ")
  return `unknown configuration variable: no section "${first}" (sections: ${known})`
}

/**
 * Reads the overlay entries from the environment: aliases first, then mechanical names, so a
 * mechanical name overrides its alias. Variables without "__" are not overlay keys and are
 * ignored (SIGNALBOX_CONFIG, SIGNALBOX_DATA_DIR and the aliases are handled by name).
 */
export function readEnvEntries(env: Record<string, string | undefined>): {
  entries: EnvEntry[]
  errors: string[]
} {
  const aliases: EnvEntry[] = []
  const entries: EnvEntry[] = []
  const errors: string[] = []
  for (const name of Object.keys(env).sort()) {
    const text = env[name]
    if (text === undefined || !name.startsWith(ENV_PREFIX)) continue
    const alias = ENV_ALIASES[name]
    if (alias) {
      aliases.push({ name, text, target: { kind: "section", ...alias } })
      continue
    }
    if (!name.includes("__")) continue
    const target = parseName(name)
    if (typeof target === "string") errors.push(`${name}: ${target}`)
    else entries.push({ name, text, target })
  }
  return { entries: [...aliases, ...entries], errors }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}

/**
 * Writes entries into the parsed file as EnvValues. A list entry must already exist (in the file
 * or as a default): the environment overrides entries, it does not create them. Where the file
 * holds the wrong type for a section or list, the entry is skipped; the loader reports the file.
 */
export function applyEnvEntries(
  raw: Record<string, unknown>,
  entries: readonly EnvEntry[],
  errors: string[],
): void {
  for (const { name, text, target } of entries) {
    const value = new EnvValue(name, text)
    if (target.kind === "section") {
      if (raw[target.section] === undefined) raw[target.section] = {}
      const section = raw[target.section]
      if (isTable(section)) section[target.key] = value
      continue
    }
    const list = raw[target.list]
    if (!Array.isArray(list)) continue
    const item: unknown = list[target.index]
    if (item === undefined) {
      errors.push(
        `${name}: there is no ${target.list}[${target.index}] (${list.length} configured); the environment can only override existing entries`,
      )
      continue
    }
    if (isTable(item)) item[target.key] = value
  }
}

/**
 * Turns environment text into the type the schema expects. Text that does not convert is
 * returned unchanged, so the check that follows reports it as it was written.
 */
export function coerceEnvText(schema: TSchema, text: string): unknown {
  switch (schema.type) {
    case "integer":
      return /^[+-]?\d+$/.test(text.trim()) ? Number(text.trim()) : text
    case "number": {
      const n = Number(text.trim())
      return text.trim() !== "" && Number.isFinite(n) ? n : text
    }
    case "boolean": {
      const t = text.trim().toLowerCase()
      if (t === "true" || t === "1") return true
      if (t === "false" || t === "0") return false
      return text
    }
    case "array":
      return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "")
    default:
      return text
  }
}
