import { defineCommand } from "citty"
import { callApi, clientArgs, integer, print } from "./client.ts"

interface Key {
  id: string
  key?: string
  account_id: string
  prefix: string
  mode: string
  scopes: string[]
  label: string
  last_used_at: string | null
  revoked_at: string | null
}

const create = defineCommand({
  meta: { name: "create", description: "Create an API key and print it (shown once)" },
  args: {
    ...clientArgs,
    account: {
      type: "string",
      description: "Customer id or external_ref (default: the key's own account)",
    },
    scopes: {
      type: "string",
      required: true,
      description:
        "Comma-separated: sms.send,sms.read,wallet.read,sender_ids.read,sender_ids.write,webhooks.write,connect.customers,admin",
    },
    mode: { type: "string", description: "live (default) or test (sandbox)", default: "live" },
    label: { type: "string", required: true, description: "What the key is for" },
    "per-second": { type: "string", description: "Requests per second allowed" },
    "per-hour": { type: "string", description: "Requests per hour allowed" },
  },
  async run({ args }) {
    const body: Record<string, unknown> = {
      scopes: args.scopes
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
      mode: args.mode,
      label: args.label,
    }
    if (args.account) body.account_id = args.account
    const perSecond = integer("keys create", "per-second", args["per-second"])
    const perHour = integer("keys create", "per-hour", args["per-hour"])
    if (perSecond !== undefined || perHour !== undefined) {
      body.rate_limit = {
        ...(perSecond !== undefined ? { per_second: perSecond } : {}),
        ...(perHour !== undefined ? { per_hour: perHour } : {}),
      }
    }
    const k = await callApi<Key>("keys create", args, "POST", "/v1/keys", body)
    print(args, `${k.id}  ${k.account_id}  ${k.mode}  ${k.scopes.join(",")}`)
    print(args, `key (shown once, only its hash is stored): ${k.key}`)
  },
})

const list = defineCommand({
  meta: { name: "list", description: "List an account's keys (never the keys themselves)" },
  args: {
    ...clientArgs,
    account: {
      type: "string",
      description: "Customer id or external_ref (default: the key's own account)",
    },
  },
  async run({ args }) {
    const params = new URLSearchParams({ limit: "100" })
    if (args.account) params.set("account_id", args.account)
    const page = await callApi<{ data: Key[] }>("keys list", args, "GET", `/v1/keys?${params}`)
    for (const k of page.data) {
      const state = k.revoked_at
        ? `revoked ${k.revoked_at}`
        : `last used ${k.last_used_at ?? "never"}`
      print(args, `${k.id}  ${k.prefix}…  ${k.mode}  ${k.scopes.join(",")}  ${state}  ${k.label}`)
    }
  },
})

const revoke = defineCommand({
  meta: { name: "revoke", description: "Revoke a key: it answers 401 from the next request on" },
  args: {
    ...clientArgs,
    id: { type: "positional", required: true, description: "Key id (key_…)" },
  },
  async run({ args }) {
    const k = await callApi<Key>(
      "keys revoke",
      args,
      "POST",
      `/v1/keys/${encodeURIComponent(args.id)}/revoke`,
    )
    print(args, `${k.id}  revoked at ${k.revoked_at}`)
  },
})

export const keysCommand = defineCommand({
  meta: { name: "keys", description: "API keys (through the running gateway)" },
  subCommands: { create, list, revoke },
})
