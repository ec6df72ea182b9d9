import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { Nullable, problems } from "../schemas.ts"
import { BalanceView, CreatedKeyView, LedgerEntryView, PageQuery } from "./tenancy-schemas.ts"

/** Largest opening balance: far beyond any real one, well inside exact integer arithmetic. */
const MAX_AMOUNT = 1_000_000_000_000

const AccountView = t.Object({
  id: t.String({ examples: ["acc_01kbc5n2xq8r0m3v5c9d2e4f6g"] }),
  kind: t.Union([t.Literal("root"), t.Literal("partner"), t.Literal("customer")]),
  parent_id: Nullable(t.String()),
  full_name: t.String(),
  phone: Nullable(t.String()),
  country_code: Nullable(t.String()),
  email: Nullable(t.String()),
  external_ref: Nullable(t.String()),
  label: Nullable(t.String()),
  status: t.Union([t.Literal("active"), t.Literal("suspended")]),
  currency: t.String(),
  balance: BalanceView,
  created_at: t.String(),
  updated_at: t.String(),
})

const CreatedAccountView = t.Composite([
  AccountView,
  t.Object({
    api_key: Nullable(CreatedKeyView, {
      description:
        "The new account's first key (scope admin), in full: only in the 201 answer. null when the external_ref already existed (200).",
    }),
  }),
])

const CreateBody = t.Object(
  {
    full_name: t.String({ minLength: 1, maxLength: 200 }),
    phone: t.String({
      minLength: 1,
      maxLength: 32,
      description: "E.164, or national with country_code",
    }),
    country_code: t.String({
      minLength: 2,
      maxLength: 2,
      description: "ISO 3166-1 alpha-2",
      examples: ["GH"],
    }),
    email: t.Optional(t.String({ maxLength: 254 })),
    external_ref: t.Optional(
      t.String({
        minLength: 1,
        maxLength: 128,
        description:
          "Your id for the customer: the same ref again returns the existing customer (200)",
      }),
    ),
    label: t.Optional(t.String({ maxLength: 100 })),
    initial_sms_credits: t.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_AMOUNT,
        description: "Funded by the caller: a partner pays from its own credits",
      }),
    ),
    initial_wallet_balance: t.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_AMOUNT,
        description: "Minor units of the currency (cents)",
      }),
    ),
    currency: t.Optional(
      t.String({ minLength: 3, maxLength: 3, description: "ISO 4217; default: the caller's" }),
    ),
    kind: t.Optional(
      t.Union([t.Literal("customer"), t.Literal("partner")], {
        description: "partner: operator only",
      }),
    ),
  },
  { additionalProperties: false },
)
const CREATE_FIELDS = [
  "full_name",
  "phone",
  "country_code",
  "email",
  "external_ref",
  "label",
  "initial_sms_credits",
  "initial_wallet_balance",
  "currency",
  "kind",
] as const

const PatchBody = t.Object(
  {
    status: t.Optional(
      t.Union([t.Literal("active"), t.Literal("suspended")], {
        description: "suspended: every key of the account (and of its customers) answers 401",
      }),
    ),
    full_name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
    phone: t.Optional(t.String({ minLength: 1, maxLength: 32 })),
    email: t.Optional(Nullable(t.String({ maxLength: 254 }))),
    label: t.Optional(Nullable(t.String({ maxLength: 100 }))),
  },
  { additionalProperties: false, minProperties: 1 },
)
const PATCH_FIELDS = ["status", "full_name", "phone", "email", "label"] as const

const CreditsBody = t.Object(
  {
    amount: Type.Integer({
      description: "Positive tops up, negative takes back (never below zero)",
    }),
    reason: t.String({ minLength: 1, maxLength: 200 }),
    unit: t.Optional(
      t.Union([t.Literal("credits"), t.Literal("wallet")], {
        description: "credits (default) or wallet (minor units)",
      }),
    ),
  },
  { additionalProperties: false },
)
const CREDITS_FIELDS = ["amount", "reason", "unit"] as const

const IdParams = t.Object({
  id: t.String({ description: "The customer's id (acc_…) or your external_ref" }),
})
const tags = ["Customers"]

/** Provisioning customers: needs `connect.customers` (design.md §7). */
export function customerRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.customers", prefix: "/v1/customers" })
    .use(authPlugin(deps))
    .post(
      "/",
      async ({ body, principal, set }) => {
        const { created, customer } = await deps.accounts.create(principal, body)
        set.status = created ? 201 : 200
        return customer
      },
      {
        parse: jsonBody(CREATE_FIELDS, deps.maxBodyBytes),
        body: CreateBody,
        response: {
          200: CreatedAccountView,
          201: CreatedAccountView,
          ...problems(400, 401, 402, 403, 413, 422),
        },
        detail: {
          summary: "Create a customer with its first API key",
          description:
            "Creates an account under yours and answers 201 with it and its first key (shown once). The same `external_ref` again answers 200 with the existing customer and `api_key: null`: safe to retry. Initial credits are paid by the caller when it is a partner (402 if it has too few).",
          tags,
        },
      },
    )
    .get("/", ({ query, principal }) => deps.accounts.list(principal, query), {
      query: PageQuery,
      response: {
        200: t.Object({ data: t.Array(AccountView), next_cursor: Nullable(t.String()) }),
        ...problems(401, 403, 422),
      },
      detail: { summary: "Your customers, newest first", tags },
    })
    .get("/:id", ({ params, principal }) => deps.accounts.get(principal, params.id), {
      params: IdParams,
      response: { 200: AccountView, ...problems(401, 403, 404) },
      detail: { summary: "A customer, by id or external_ref, with its balance", tags },
    })
    .patch(
      "/:id",
      ({ params, body, principal }) => deps.accounts.update(principal, params.id, body),
      {
        params: IdParams,
        parse: jsonBody(PATCH_FIELDS, deps.maxBodyBytes),
        body: PatchBody,
        response: {
          200: AccountView,
          ...problems(400, 401, 403, 404, 422),
        },
        detail: { summary: "Suspend or resume a customer, or change its details", tags },
      },
    )
    .post(
      "/:id/credits",
      async ({ params, body, principal, request, set }) => {
        const result = await deps.accounts.addCredits(
          principal,
          params.id,
          body,
          request.headers.get("idempotency-key") ?? undefined,
        )
        set.status = result.status
        if (result.replayed) set.headers["idempotent-replayed"] = "true"
        return result.body
      },
      {
        params: IdParams,
        parse: jsonBody(CREDITS_FIELDS, deps.maxBodyBytes),
        body: CreditsBody,
        response: {
          200: t.Object({ account_id: t.String(), balance: BalanceView, entry: LedgerEntryView }),
          ...problems(400, 401, 402, 403, 404, 409, 422),
        },
        detail: {
          summary: "Top a customer up, or take credits back",
          description:
            "Moves credits (or wallet funds) to the customer; a negative amount takes them back, never below zero (402). A partner pays from, and gets back into, its own balance. Honours `Idempotency-Key`.",
          tags,
        },
      },
    )
}
