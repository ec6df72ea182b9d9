// The signature checks that README.md and docs/webhooks.md tell users to paste: extracted as
// written, run against deliveries signed by the independent `standardwebhooks` package.
import { describe, expect, test } from "bun:test"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Webhook } from "standardwebhooks"
import { generateSecret } from "../../src/core/webhooks/signature.ts"
import { tempDir } from "../support/temp-dir.ts"

type Verify = (secret: string, headers: Headers, rawBody: string) => void

/** The first ```ts block of a document that defines verifySignalboxWebhook, loaded as a module. */
async function snippetOf(doc: string, dir: string): Promise<Verify> {
  const text = readFileSync(join(import.meta.dir, "../..", doc), "utf8")
  const block = [...text.matchAll(/```ts\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .find((code) => code.includes("export function verifySignalboxWebhook"))
  if (!block) throw new Error(`${doc} has no verifySignalboxWebhook snippet`)
  const file = join(dir, `${doc.replace(/\W/g, "_")}.ts`)
  writeFileSync(file, block)
  return ((await import(file)) as { verifySignalboxWebhook: Verify }).verifySignalboxWebhook
}

function signed(secret: string, body: string, at = new Date()): Headers {
  const id = `msg_${crypto.randomUUID()}`
  const signature = new Webhook(secret).sign(id, at, body)
  return new Headers({
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  })
}

describe.each(["README.md", "docs/webhooks.md"])("the verification snippet in %s", (doc) => {
  const body = JSON.stringify({ type: "message.received", data: { message: "YES ✓" } })

  test("accepts a genuine delivery and refuses a changed body, another secret and an old one", async () => {
    using dir = tempDir()
    const verify = await snippetOf(doc, dir.path)
    const secret = generateSecret()
    const headers = signed(secret, body)
    expect(() => verify(secret, headers, body)).not.toThrow()
    expect(() => verify(secret, headers, body.replace("YES", "NO"))).toThrow(
      "no matching signature",
    )
    expect(() => verify(generateSecret(), headers, body)).toThrow("no matching signature")
    const old = signed(secret, body, new Date(Date.now() - 10 * 60_000))
    expect(() => verify(secret, old, body)).toThrow("timestamp out of tolerance")
    expect(() => verify(secret, new Headers(), body)).toThrow("missing webhook headers")
  })

  test("accepts a header holding several signatures when one matches (secret rotation)", async () => {
    using dir = tempDir()
    const verify = await snippetOf(doc, dir.path)
    const secret = generateSecret()
    const headers = signed(secret, body)
    const other = signed(generateSecret(), body).get("webhook-signature")!
    headers.set("webhook-signature", `${other} ${headers.get("webhook-signature")}`)
    expect(() => verify(secret, headers, body)).not.toThrow()
  })
})
