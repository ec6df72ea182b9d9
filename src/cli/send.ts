import { defineCommand } from "citty"
import { isFinalStatus } from "../store/index.ts"
import { callApi, clientArgs, gatewayOf, print } from "./client.ts"

interface SentView {
  id: string
  to: string
  status: string
  segments: number
  encoding: string
}

interface FinalView {
  id: string
  to: string
  status: string
  error: { code: string } | null
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
    ...clientArgs,
    wait: {
      type: "boolean",
      description: "Wait until every message reaches a final status",
      default: false,
    },
  },
  async run({ args }) {
    // Resolved once: --wait calls the API again every 250 ms.
    const opts = { ...args, ...gatewayOf("send", args) }
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
    const answer = await callApi<{ batch_id: string; messages: SentView[] }>(
      "send",
      // With --wait and --json, the final statuses are the JSON printed (below).
      { ...opts, json: args.json && !args.wait },
      "POST",
      "/v1/messages",
      body,
    )
    for (const m of answer.messages)
      print(args, `${m.id}  ${m.to}  ${m.status}  ${m.segments} part(s) ${m.encoding}`)
    if (!args.wait) return
    const deadline = Date.now() + 120_000
    const pending = new Set(answer.messages.map((m) => m.id))
    const ended: FinalView[] = []
    while (pending.size > 0 && Date.now() < deadline) {
      await Bun.sleep(250)
      // The batch in one request (a request holds at most 1,000 recipients, one page).
      const page = await callApi<{ data: FinalView[] }>(
        "send",
        { ...opts, json: false },
        "GET",
        `/v1/messages?batch_id=${encodeURIComponent(answer.batch_id)}&limit=1000`,
      )
      for (const m of page.data) {
        if (!pending.has(m.id) || !isFinalStatus(m.status)) continue
        pending.delete(m.id)
        ended.push(m)
        print(args, `${m.id}  ${m.to}  ${m.status}${m.error ? ` (${m.error.code})` : ""}`)
      }
    }
    if (args.json) {
      const messages = ended.map((m) => ({ id: m.id, to: m.to, status: m.status, error: m.error }))
      process.stdout.write(`${JSON.stringify({ batch_id: answer.batch_id, messages }, null, 2)}\n`)
    }
    if (pending.size > 0) {
      process.stderr.write(`signalbox send: ${pending.size} message(s) not final after 120 s\n`)
      process.exit(1)
    }
  },
})
