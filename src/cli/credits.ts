import { defineCommand } from "citty"
import { callApi, clientArgs, integer, print } from "./client.ts"

const add = defineCommand({
  meta: {
    name: "add",
    description: "Top a customer up (a negative amount takes credits back, never below zero)",
  },
  args: {
    ...clientArgs,
    customer: { type: "string", required: true, description: "Customer id or external_ref" },
    amount: {
      type: "string",
      required: true,
      description: "Credits to add; negative to take back",
    },
    reason: { type: "string", required: true, description: "Why (kept in the ledger)" },
    wallet: {
      type: "boolean",
      description: "Move wallet funds (minor units) instead of SMS credits",
      default: false,
    },
  },
  async run({ args }) {
    const amount = integer("credits add", "amount", args.amount)!
    const body = { amount, reason: args.reason, ...(args.wallet ? { unit: "wallet" } : {}) }
    const r = await callApi<{
      account_id: string
      balance: { sms_credits: number; wallet_balance: number; reserved: number; currency: string }
    }>(
      "credits add",
      args,
      "POST",
      `/v1/customers/${encodeURIComponent(args.customer)}/credits`,
      body,
    )
    const b = r.balance
    print(
      args,
      `${r.account_id}  credits=${b.sms_credits} reserved=${b.reserved} wallet=${b.wallet_balance} ${b.currency}`,
    )
  },
})

export const creditsCommand = defineCommand({
  meta: { name: "credits", description: "SMS credits and wallets (through the running gateway)" },
  subCommands: { add },
})
