import { Elysia, t } from "elysia"
import { isOperator, requireLive, requireOperator } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { IdParams, Nullable, pageLimit, problems } from "../schemas.ts"

const AssignBody = t.Object(
  {
    number: t.String({
      minLength: 3,
      maxLength: 32,
      description: "One of our numbers: E.164 (+…) or a short code of 3 to 8 digits",
      examples: ["+233200000001", "12345"],
    }),
    keyword: t.Optional(
      t.String({
        maxLength: 20,
        description:
          "Only inbound messages whose first word is this keyword (case-insensitive); absent: the whole number",
        examples: ["PIZZA"],
      }),
    ),
    connector: t.Optional(
      t.String({
        maxLength: 64,
        description:
          "Only messages arriving on this connector. For a modem that cannot report its own number, this names the SIM's number.",
      }),
    ),
    account_id: t.Optional(
      t.String({ maxLength: 64, description: "The owner; default the caller's account" }),
    ),
  },
  { additionalProperties: false },
)
const ASSIGN_FIELDS = ["number", "keyword", "connector", "account_id"] as const

const NumberView = t.Object({
  id: t.String({ examples: ["num_01kbc5n2xq8r0m3v5c9d2e4f6g"] }),
  account_id: t.String(),
  number: t.String(),
  keyword: Nullable(t.String()),
  connector: Nullable(t.String()),
  created_at: t.String(),
})

const tags = ["Numbers"]

export function numberRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.numbers", prefix: "/v1/numbers" })
    .use(authPlugin(deps))
    .post(
      "/",
      async ({ body, principal, set }) => {
        requireOperator(principal)
        requireLive(principal, "assign numbers")
        const created = await deps.numbers.assign(principal.accountId, body)
        set.status = 201
        return created
      },
      {
        parse: jsonBody(ASSIGN_FIELDS, deps.maxBodyBytes),
        body: AssignBody,
        response: {
          201: NumberView,
          ...problems(400, 401, 403, 409, 413, 422),
        },
        detail: {
          summary: "Assign a number, or a keyword on a number, to an account",
          description:
            "Inbound messages sent to the number (or, with `keyword`, those whose first word is the keyword) belong to the account: they are listed, threaded and sent as `message.received` webhooks there. The operator's admin key only. 409 `number_already_assigned` when the same number, keyword and connector are taken. See docs/two-way.md.",
          tags,
        },
      },
    )
    .get(
      "/",
      ({ query, principal }) =>
        deps.numbers.list(principal.accountId, isOperator(principal), query),
      {
        query: t.Object({
          account_id: t.Optional(
            t.String({ description: "Operator only: one account's assignments" }),
          ),
          limit: pageLimit(200),
          cursor: t.Optional(t.String()),
        }),
        response: {
          200: t.Object({ data: t.Array(NumberView), next_cursor: Nullable(t.String()) }),
          ...problems(401, 422),
        },
        detail: {
          summary: "Numbers and keywords, newest first",
          description: "The caller's own; the operator sees every account's.",
          tags,
        },
      },
    )
    .delete(
      "/:id",
      async ({ params, principal, set }) => {
        requireOperator(principal)
        requireLive(principal, "remove number assignments")
        await deps.numbers.remove(params.id)
        set.status = 204
      },
      {
        params: IdParams,
        response: { 204: t.Void(), ...problems(401, 403, 404) },
        detail: { summary: "Remove a number or keyword assignment", tags },
      },
    )
}
