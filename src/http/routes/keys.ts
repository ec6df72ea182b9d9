import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import { SCOPES } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { IdParams, Nullable, pageLimit, problems } from "../schemas.ts"
import { CreatedKeyView, KeyView } from "./tenancy-schemas.ts"

const CreateBody = t.Object(
  {
    account_id: t.Optional(
      t.String({ description: "A customer's id or external_ref; default: your own account" }),
    ),
    scopes: t.Array(t.String({ minLength: 1, maxLength: 64 }), {
      minItems: 1,
      maxItems: 16,
      description: `Any of ${SCOPES.join(", ")}; admin implies every scope of the account`,
      examples: [["sms.send", "sms.read"]],
    }),
    mode: t.Union([t.Literal("live"), t.Literal("test")], {
      description: "test: a sandbox key (sk_test_…): simulated, never charged",
    }),
    label: t.String({ minLength: 1, maxLength: 100 }),
    rate_limit: t.Optional(
      t.Object(
        {
          per_second: t.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000 }))),
          per_hour: t.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 1_000_000_000 }))),
        },
        {
          additionalProperties: false,
          description:
            "Requests allowed; only the operator sets more than the defaults (100/s, 100,000/h) or null (no limit)",
        },
      ),
    ),
  },
  { additionalProperties: false },
)
const CREATE_FIELDS = ["account_id", "scopes", "mode", "label", "rate_limit"] as const

const ListQuery = t.Object({
  account_id: t.Optional(
    t.String({ description: "A customer's id or external_ref; default: your own account" }),
  ),
  limit: pageLimit(100),
  cursor: t.Optional(t.String()),
})

const tags = ["API keys"]

/** Own keys need `admin`; a customer's keys need `connect.customers`. */
export function keyRoutes(deps: HttpDeps) {
  const revoke = ({
    params,
    principal,
  }: {
    params: { id: string }
    principal: Parameters<HttpDeps["keys"]["revoke"]>[0]
  }) => deps.keys.revoke(principal, params.id)
  const revokeHook = {
    params: IdParams,
    response: { 200: KeyView, ...problems(401, 403, 404) },
    detail: { summary: "Revoke a key: it answers 401 from the next request on", tags },
  }
  return new Elysia({ name: "routes.keys", prefix: "/v1/keys" })
    .use(authPlugin(deps))
    .post(
      "/",
      async ({ body, principal, set }) => {
        const created = await deps.keys.create(principal, body)
        set.status = 201
        return created
      },
      {
        parse: jsonBody(CREATE_FIELDS, deps.maxBodyBytes),
        body: CreateBody,
        response: {
          201: CreatedKeyView,
          ...problems(400, 401, 403, 404, 413, 422),
        },
        detail: {
          summary: "Create an API key",
          description:
            "Answers 201 with the key (`sk_live_…` or `sk_test_…`) in full: it is stored only as a SHA-256 hash and never shown again.",
          tags,
        },
      },
    )
    .get("/", ({ query, principal }) => deps.keys.list(principal, query), {
      query: ListQuery,
      response: {
        200: t.Object({ data: t.Array(KeyView), next_cursor: Nullable(t.String()) }),
        ...problems(401, 403, 404, 422),
      },
      detail: { summary: "An account's keys (never the keys themselves), newest first", tags },
    })
    .post("/:id/revoke", revoke, revokeHook)
    .delete("/:id", revoke, revokeHook)
}
