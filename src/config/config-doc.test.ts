import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import type { TSchema } from "@sinclair/typebox"
import { DOC_PATH, extractGenerated, renderConfigDoc, tomlValue } from "./config-doc.ts"
import { CONNECTOR_SCHEMAS, RouteSchema, SECTION_SCHEMAS } from "./schema.ts"

const EXAMPLE = resolve(import.meta.dir, "../../config/signalbox.toml")

function allKeys(): [string, TSchema][] {
  return [...Object.values(SECTION_SCHEMAS), ...Object.values(CONNECTOR_SCHEMAS), RouteSchema]
    .flatMap((schema) => Object.entries(schema.properties))
    .map(([key, prop]) => [key, prop as TSchema])
}

describe("renderConfigDoc", () => {
  test("matches the generated reference in docs/config.md", () => {
    // On failure: bun src/config/config-doc.ts --write
    expect(extractGenerated(readFileSync(DOC_PATH, "utf8"))).toBe(renderConfigDoc())
  })

  test("lists every key with its environment variable", () => {
    const doc = renderConfigDoc()
    expect(doc).toContain("| `http.listen` |")
    expect(doc).toContain("`SIGNALBOX_LOG__LEVEL`<br>`SIGNALBOX_LOG_LEVEL`")
    expect(doc).toContain("`SIGNALBOX_CONNECTORS__<i>__SYSTEM_ID`")
    for (const [key] of allKeys()) expect(doc).toContain(`.${key}\` |`)
  })
})

describe("config/signalbox.toml", () => {
  test("shows every key commented out at its default", () => {
    const lines = new Set(readFileSync(EXAMPLE, "utf8").split("\n"))
    const missing = allKeys()
      .filter(([key, prop]) => {
        if (prop.default === undefined) return ![...lines].some((l) => l.startsWith(`# ${key} = `))
        return !lines.has(`# ${key} = ${tomlValue(prop, prop.default)}`)
      })
      .map(([key]) => key)
    expect(missing).toEqual([])
  })
})
