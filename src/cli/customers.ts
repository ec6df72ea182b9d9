import { defineCommand } from "citty"
import { callApi, clientArgs, integer, print } from "./client.ts"

interface Account {
  id: string
  kind: string
  status: string
  full_name: string
  external_ref: string | null
  currency: string
  balance: { sms_credits: number; reserved: number; wallet_balance: number; metered: boolean }
  api_key?: { id: string; key: string } | null
}

const create = defineCommand({
  meta: {
    name: "create",
    description: "Create a customer (or, with --partner, a partner) and print its first API key",
  },
  args: {
    ...clientArgs,
    name: { type: "string", required: true, description: "Full name" },
    phone: {
      type: "string",
      required: true,
      description: "Phone (E.164, or national with --country)",
    },
    country: { type: "string", required: true, description: "ISO 3166-1 alpha-2 country code" },
    email: { type: "string", description: "Email address" },
    ref: {
      type: "string",
      description: "Your id for it (external_ref): the same ref again finds the same customer",
    },
    label: { type: "string", description: "A label" },
    credits: { type: "string", description: "Initial SMS credits" },
    wallet: { type: "string", description: "Initial wallet balance, in minor units (cents)" },
    currency: { type: "string", description: "ISO 4217 currency (default: the caller's)" },
    partner: {
      type: "boolean",
      description: "Create a partner account (it provisions customers of its own)",
      default: false,
    },
  },
  async run({ args }) {
    const body: Record<string, unknown> = {
      full_name: args.name,
      phone: args.phone,
      country_code: args.country,
    }
    if (args.email) body.email = args.email
    if (args.ref) body.external_ref = args.ref
    if (args.label) body.label = args.label
    const credits = integer("customers create", "credits", args.credits)
    if (credits !== undefined) body.initial_sms_credits = credits
    const wallet = integer("customers create", "wallet", args.wallet)
    if (wallet !== undefined) body.initial_wallet_balance = wallet
    if (args.currency) body.currency = args.currency
    if (args.partner) body.kind = "partner"
    const a = await callApi<Account>("customers create", args, "POST", "/v1/customers", body)
    if (a.api_key) {
      print(
        args,
        `${a.id}  ${a.kind} created${a.external_ref ? ` (ref ${a.external_ref})` : ""}, ${a.balance.sms_credits} credits`,
      )
      print(args, `first API key (shown once, only its hash is stored): ${a.api_key.key}`)
    } else {
      print(
        args,
        `${a.id}  already exists (ref ${a.external_ref}); no new key was made: create one with \`signalbox keys create --account ${a.id}\``,
      )
    }
  },
})

const list = defineCommand({
  meta: { name: "list", description: "List your customers, newest first" },
  args: {
    ...clientArgs,
    limit: { type: "string", description: "Page size (1-100, default 20)" },
    cursor: { type: "string", description: "next_cursor of the previous page" },
  },
  async run({ args }) {
    const params = new URLSearchParams()
    if (args.limit) params.set("limit", args.limit)
    if (args.cursor) params.set("cursor", args.cursor)
    const page = await callApi<{ data: Account[]; next_cursor: string | null }>(
      "customers list",
      args,
      "GET",
      `/v1/customers?${params}`,
    )
    for (const a of page.data) {
      print(
        args,
        `${a.id}  ${a.kind}  ${a.status}  credits=${a.balance.sms_credits} reserved=${a.balance.reserved} wallet=${a.balance.wallet_balance} ${a.currency}  ${a.external_ref ?? "-"}  ${a.full_name}`,
      )
    }
    if (page.next_cursor) print(args, `more: --cursor ${page.next_cursor}`)
  },
})

export const customersCommand = defineCommand({
  meta: {
    name: "customers",
    description: "Customer and partner accounts (through the running gateway)",
  },
  subCommands: { create, list },
})
