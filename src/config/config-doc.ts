/**
 * Renders the reference tables of docs/config.md from the schema, so the docs cannot drift from
 * what the loader accepts (config-doc.test.ts compares them).
 *
 *   bun src/config/config-doc.ts           print the generated block
 *   bun src/config/config-doc.ts --write   replace the block in docs/config.md
 */
import { readFileSync, writeFileSync } from "node:fs"
import { resolve } from "node:path"
import type { TObject, TSchema } from "@sinclair/typebox"
import { ENV_ALIASES, itemEnvName, sectionEnvName } from "./env.ts"
import { CONNECTOR_SCHEMAS, describeExpected, RouteSchema, SECTION_SCHEMAS } from "./schema.ts"

export const DOC_PATH = resolve(import.meta.dir, "../../docs/config.md")
export const BEGIN_MARKER =
  "<!-- BEGIN GENERATED REFERENCE: edit src/config/schema.ts, then run `bun src/config/config-doc.ts --write` -->"
export const END_MARKER = "<!-- END GENERATED REFERENCE -->"

/** A value as it is written in TOML; a fraction (a number of at most 1) keeps its ".0". */
export function tomlValue(schema: TSchema, value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value)
  if (typeof value === "number") {
    const fraction = schema.type === "number" && schema.maximum !== undefined && schema.maximum <= 1
    return fraction && Number.isInteger(value) ? value.toFixed(1) : String(value)
  }
  if (Array.isArray(value)) {
    return `[${value.map((v) => tomlValue(schema.items as TSchema, v)).join(", ")}]`
  }
  return String(value)
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|")
}

function defaultCell(schema: TSchema): string {
  if (typeof schema.docDefault === "string") return schema.docDefault
  if (schema.default !== undefined) return `\`${tomlValue(schema, schema.default)}\``
  return "required"
}

function table(
  schema: TObject,
  keyName: (key: string) => string,
  envNames: (key: string) => string[],
): string[] {
  const lines = [
    "| Key | Accepts | Default | Environment | Description |",
    "| --- | --- | --- | --- | --- |",
  ]
  for (const [key, prop] of Object.entries(schema.properties)) {
    const env = envNames(key)
      .map((n) => `\`${n}\``)
      .join("<br>")
    const description = typeof prop.description === "string" ? prop.description : ""
    lines.push(
      `| \`${keyName(key)}\` | ${cell(describeExpected(prop))} | ${cell(defaultCell(prop))} | ${env} | ${cell(description)} |`,
    )
  }
  return lines
}

export function renderConfigDoc(): string {
  const out = [BEGIN_MARKER, ""]
  for (const [section, schema] of Object.entries(SECTION_SCHEMAS)) {
    out.push(`### \`[${section}]\``, "")
    out.push(
      ...table(
        schema,
        (key) => `${section}.${key}`,
        (key) => [
          sectionEnvName(section, key),
          ...Object.entries(ENV_ALIASES)
            .filter(([, a]) => a.section === section && a.key === key)
            .map(([name]) => name),
        ],
      ),
      "",
    )
  }
  for (const [type, schema] of Object.entries(CONNECTOR_SCHEMAS)) {
    out.push(`### \`[[connectors]]\` with \`type = "${type}"\``, "")
    out.push(
      ...table(
        schema,
        (key) => `connectors[i].${key}`,
        (key) => [itemEnvName("connectors", "<i>", key)],
      ),
      "",
    )
  }
  out.push("### `[[routes]]`", "")
  out.push(
    ...table(
      RouteSchema,
      (key) => `routes[i].${key}`,
      (key) => [itemEnvName("routes", "<i>", key)],
    ),
    "",
  )
  out.push(END_MARKER)
  return out.join("\n")
}

/** The generated block as it stands in `doc`, markers included; null if the markers are missing. */
export function extractGenerated(doc: string): string | null {
  const begin = doc.indexOf(BEGIN_MARKER)
  const end = doc.indexOf(END_MARKER)
  if (begin < 0 || end < begin) return null
  return doc.slice(begin, end + END_MARKER.length)
}

if (import.meta.main) {
  const rendered = renderConfigDoc()
  if (process.argv.includes("--write")) {
    const doc = readFileSync(DOC_PATH, "utf8")
    const current = extractGenerated(doc)
    if (current === null) {
      console.error(`${DOC_PATH}: markers not found; add ${BEGIN_MARKER} and ${END_MARKER}`)
      process.exit(1)
    }
    writeFileSync(
      DOC_PATH,
      doc.replace(current, () => rendered),
    )
  } else {
    console.log(rendered)
  }
}
