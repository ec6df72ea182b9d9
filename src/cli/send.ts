import { defineCommand } from "citty"
import { callApi, clientArgs, print } from "./client.ts"

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
    ...clientArgs,
    wait: {
      type: "boolean",
      description: "Wait until every message reaches a final status",
      default: false,
    },
  },
  async run({ args }) {
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
    const answer = await callApi<Record<string, unknown>>(
      "send",
      args,
      "POST",
      "/v1/messages",
      body,
    )
    const messages = answer.messages as {
      id: string
      to: string
      status: string
      segments: number
      encoding: string
    }[]
    for (const m of messages)
      print(args, `${m.id}  ${m.to}  ${m.status}  ${m.segments} part(s) ${m.encoding}`)
    if (!args.wait) return
    const final = new Set(["delivered", "failed", "expired", "canceled"])
    const deadline = Date.now() + 120_000
    const pending = new Set(messages.map((m) => m.id))
    while (pending.size > 0 && Date.now() < deadline) {
      await Bun.sleep(250)
      for (const id of [...pending]) {
        const m = await callApi<{ status: string; to: string; error: { code: string } | null }>(
          "send",
          { ...args, json: false },
          "GET",
          `/v1/messages/${id}`,
        )
        if (final.has(m.status)) {
          pending.delete(id)
          print(args, `${id}  ${m.to}  ${m.status}${m.error ? ` (${m.error.code})` : ""}`)
        }
      }
    }
    if (pending.size > 0) {
      process.stderr.write(`signalbox send: ${pending.size} message(s) not final after 120 s\n`)
      process.exit(1)
    }
  },
})
