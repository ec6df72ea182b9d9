import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import { requireLive, requireOperator, requireScope } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { Nullable, pageLimit, problems } from "../schemas.ts"
import { BalanceView, LedgerEntryView } from "./tenancy-schemas.ts"

const PriceTable = t.Object({
  default: Type.Integer({
    minimum: 0,
    description: "Credits per segment for every country not listed",
  }),
  countries: t.Record(t.String(), Type.Integer({ minimum: 0 }), {
    description: "ISO 3166-1 alpha-2 → credits per segment",
    examples: [{ GH: 2, NG: 3 }],
  }),
})

const AccountQuery = t.Object({
  account_id: t.Optional(
    t.String({ description: "A customer's id or external_ref; default: your own account" }),
  ),
})

/** Balance, ledger (`wallet.read`) and the price table (`wallet.read` to read, operator to change). */
export function moneyRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.money", prefix: "/v1" })
    .use(authPlugin(deps))
    .get("/balance", ({ query, principal }) => deps.accounts.balance(principal, query.account_id), {
      query: AccountQuery,
      response: { 200: BalanceView, ...problems(401, 403, 404) },
      detail: { summary: "SMS credits, wallet and reserved credits", tags: ["Money"] },
    })
    .get("/ledger", ({ query, principal }) => deps.accounts.ledger(principal, query), {
      query: t.Object({
        account_id: t.Optional(t.String()),
        limit: pageLimit(100),
        cursor: t.Optional(t.String()),
      }),
      response: {
        200: t.Object({ data: t.Array(LedgerEntryView), next_cursor: Nullable(t.String()) }),
        ...problems(401, 403, 404, 422),
      },
      detail: {
        summary: "Every movement of the balance, newest first",
        description:
          "The sums of `amount` (per unit) and `reserved_change` over all entries equal the balance.",
        tags: ["Money"],
      },
    })
    .get(
      "/prices",
      ({ principal }) => {
        requireScope(principal, "wallet.read")
        return deps.prices.view()
      },
      {
        response: { 200: PriceTable, ...problems(401, 403) },
        detail: { summary: "Credits per segment by destination country", tags: ["Money"] },
      },
    )
    .put(
      "/prices",
      ({ body, principal }) => {
        requireOperator(principal)
        requireLive(principal, "change prices")
        return deps.prices.replace(body)
      },
      {
        parse: jsonBody(["default", "countries"], deps.maxBodyBytes),
        body: t.Object(
          { default: PriceTable.properties.default, countries: PriceTable.properties.countries },
          { additionalProperties: false },
        ),
        response: { 200: PriceTable, ...problems(400, 401, 403, 422) },
        detail: {
          summary: "Replace the price table (operator)",
          description:
            "Applies to messages accepted from now on; reserved credits keep the price they were accepted at. When the config has [prices], the next start restores that table.",
          tags: ["Money"],
        },
      },
    )
}
