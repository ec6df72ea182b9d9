import { defineCommand } from "citty"
import { callApi, clientArgs, print } from "./client.ts"

interface SenderId {
  id: string
  account_id: string
  value: string
  country_code: string
  purpose: string
  status: string
  reason: string | null
}

function line(s: SenderId): string {
  return `${s.id}  ${s.account_id}  ${s.value}  ${s.country_code}  ${s.status}${s.reason ? ` (${s.reason})` : ""}  ${s.purpose}`
}

const approve = defineCommand({
  meta: { name: "approve", description: "Approve a sender ID (operator)" },
  args: {
    ...clientArgs,
    id: { type: "positional", required: true, description: "Sender ID id (snd_…)" },
  },
  async run({ args }) {
    print(
      args,
      line(
        await callApi<SenderId>(
          "sender-ids approve",
          args,
          "POST",
          `/v1/sender-ids/${encodeURIComponent(args.id)}/approve`,
        ),
      ),
    )
  },
})

const reject = defineCommand({
  meta: { name: "reject", description: "Reject (or withdraw) a sender ID (operator)" },
  args: {
    ...clientArgs,
    id: { type: "positional", required: true, description: "Sender ID id (snd_…)" },
    reason: { type: "string", description: "Why, shown to the customer" },
  },
  async run({ args }) {
    const body = args.reason ? { reason: args.reason } : {}
    print(
      args,
      line(
        await callApi<SenderId>(
          "sender-ids reject",
          args,
          "POST",
          `/v1/sender-ids/${encodeURIComponent(args.id)}/reject`,
          body,
        ),
      ),
    )
  },
})

const list = defineCommand({
  meta: { name: "list", description: "List sender IDs (the operator sees every account's)" },
  args: {
    ...clientArgs,
    status: { type: "string", description: "pending | approved | rejected" },
    customer: { type: "string", description: "Only this customer's (id or external_ref)" },
  },
  async run({ args }) {
    const params = new URLSearchParams({ limit: "100" })
    if (args.status) params.set("status", args.status)
    if (args.customer) params.set("customer_id", args.customer)
    const page = await callApi<{ data: SenderId[] }>(
      "sender-ids list",
      args,
      "GET",
      `/v1/sender-ids?${params}`,
    )
    for (const s of page.data) print(args, line(s))
  },
})

export const senderIdsCommand = defineCommand({
  meta: {
    name: "sender-ids",
    description: "Sender IDs and their review (through the running gateway)",
  },
  subCommands: { approve, reject, list },
})
