import { defineCommand } from "citty"
import { loadConfig } from "../config/load.ts"

function defaultUrl(configFile: string | undefined): string {
  try {
    const config = loadConfig({ file: configFile, env: process.env })
    const listen = config.http.listen
      .replace(/^0\.0\.0\.0:/, "127.0.0.1:")
      .replace(/^\[::\]:/, "[::1]:")
    return `http://${listen}`
  } catch {
    return "http://127.0.0.1:8080"
  }
}

export const sendCommand = defineCommand({
  meta: { name: "send", description: "Send an SMS through a running gateway and show its status" },
  args: {
    to: {
      type: "string",
      required: true,
      description: "Recipient in E.164 (+233…); comma-separate several",
    },
    message: { type: "string", required: true, description: "Text to send" },
    from: { type: "string", description: "Sender ID or number" },
    at: { type: "string", description: "Send later: ISO 8601 time with zone" },
    priority: { type: "string", description: "0 (lowest) to 10 (highest); default 5" },
    url: {
      type: "string",
      description: "Gateway base URL (default: from the config's http.listen)",
    },
    key: {
      type: "string",
      description: "API key (default: $SIGNALBOX_API_KEY, else $SIGNALBOX_ADMIN_KEY)",
    },
    config: { type: "string", description: "Config file used to find the gateway's address" },
    wait: {
      type: "boolean",
      description: "Wait until every message reaches a final status",
      default: false,
    },
  },
  async run({ args }) {
    const url = (args.url ?? defaultUrl(args.config)).replace(/\/$/, "")
    const key = args.key ?? process.env.SIGNALBOX_API_KEY ?? process.env.SIGNALBOX_ADMIN_KEY
    if (!key) {
      process.stderr.write("signalbox send: no API key; pass --key or set SIGNALBOX_API_KEY\n")
      process.exit(2)
    }
    const recipients = args.to
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
    const body: Record<string, unknown> = {
      to: recipients.length === 1 ? recipients[0] : recipients,
      message: args.message,
    }
    if (args.from) body.from = args.from
    if (args.at) body.scheduled_at = args.at
    if (args.priority !== undefined) body.priority = Number(args.priority)
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" }
    let response: Response
    try {
      response = await fetch(`${url}/v1/messages`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      })
    } catch (error) {
      process.stderr.write(
        `signalbox send: cannot reach the gateway at ${url}: ${(error as Error).message}\n`,
      )
      process.exit(1)
    }
    const answer = (await response.json()) as Record<string, unknown>
    if (!response.ok) {
      process.stderr.write(
        `signalbox send: ${response.status} ${answer.code ?? ""}: ${answer.detail ?? JSON.stringify(answer)}\n`,
      )
      process.exit(1)
    }
    const messages = answer.messages as {
      id: string
      to: string
      status: string
      segments: number
      encoding: string
    }[]
    for (const m of messages) {
      process.stdout.write(`${m.id}  ${m.to}  ${m.status}  ${m.segments} part(s) ${m.encoding}\n`)
    }
    if (!args.wait) return
    const final = new Set(["delivered", "failed", "expired", "canceled"])
    const deadline = Date.now() + 120_000
    const pending = new Set(messages.map((m) => m.id))
    while (pending.size > 0 && Date.now() < deadline) {
      await Bun.sleep(250)
      for (const id of [...pending]) {
        const r = await fetch(`${url}/v1/messages/${id}`, { headers })
        const m = (await r.json()) as { status: string; to: string; error: { code: string } | null }
        if (final.has(m.status)) {
          pending.delete(id)
          process.stdout.write(
            `${id}  ${m.to}  ${m.status}${m.error ? ` (${m.error.code})` : ""}\n`,
          )
        }
      }
    }
    if (pending.size > 0) {
      process.stderr.write(`signalbox send: ${pending.size} message(s) not final after 120 s\n`)
      process.exit(1)
    }
  },
})
