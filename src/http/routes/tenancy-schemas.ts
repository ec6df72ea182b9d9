/** TypeBox shapes shared by the tenancy routes (customers, keys, money, sender IDs). */
import { Type } from "@sinclair/typebox"
import { t } from "elysia"
import { Nullable, pageQuery } from "../schemas.ts"

export const PageQuery = pageQuery(100)

export const BalanceView = t.Object({
  sms_credits: Type.Integer({ description: "Available SMS credits" }),
  wallet_balance: Type.Integer({ description: "Wallet, in minor units of the currency (cents)" }),
  currency: t.String(),
  reserved: Type.Integer({ description: "Credits held for accepted messages not yet sent" }),
  metered: t.Boolean({ description: "false: the account is not charged (the operator)" }),
})

export const LedgerEntryView = t.Object({
  id: t.String({ examples: ["led_42"] }),
  account_id: t.String(),
  kind: t.String({ description: "topup | deduct | reserve | capture | release | adjust" }),
  unit: t.Union([t.Literal("credits"), t.Literal("wallet")]),
  amount: Type.Integer({ description: "Signed change of the available balance of `unit`" }),
  reserved_change: Type.Integer({ description: "Signed change of `reserved`" }),
  balance_after: Type.Integer(),
  reserved_after: Type.Integer(),
  message_id: Nullable(t.String()),
  batch_id: Nullable(t.String()),
  counterparty_id: Nullable(t.String({ description: "The other account of a transfer" })),
  reason: t.String(),
  created_at: t.String(),
})

export const RateLimit = t.Object({
  per_second: Nullable(Type.Integer({ minimum: 1 })),
  per_hour: Nullable(Type.Integer({ minimum: 1 })),
})

export const KeyView = t.Object({
  id: t.String({ examples: ["key_01kbc5n2xq8r0m3v5c9d2e4f6g"] }),
  account_id: t.String(),
  prefix: t.String({ description: "The first characters of the key, to recognise it" }),
  mode: t.Union([t.Literal("live"), t.Literal("test")]),
  scopes: t.Array(t.String()),
  label: t.String(),
  rate_limit: RateLimit,
  created_at: t.String(),
  last_used_at: Nullable(t.String()),
  revoked_at: Nullable(t.String()),
})

export const CreatedKeyView = t.Composite([
  KeyView,
  t.Object({ key: t.String({ description: "The key: shown in this answer only; store it now" }) }),
])
