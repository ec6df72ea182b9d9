import { Elysia, t } from "elysia"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { IdParams, Nullable, pageLimit, problems } from "../schemas.ts"

const Status = t.Union([t.Literal("pending"), t.Literal("approved"), t.Literal("rejected")])

const SenderIdView = t.Object({
  id: t.String({ examples: ["snd_01kbc5n2xq8r0m3v5c9d2e4f6g"] }),
  account_id: t.String(),
  value: t.String(),
  country_code: t.String(),
  purpose: t.String(),
  status: Status,
  is_default: t.Boolean({ description: "Used for messages sent without `from`, once approved" }),
  reason: Nullable(t.String({ description: "Why it was rejected" })),
  created_at: t.String(),
  updated_at: t.String(),
  reviewed_at: Nullable(t.String()),
})

const RegisterBody = t.Object(
  {
    value: t.String({
      minLength: 1,
      maxLength: 16,
      description: "Up to 11 letters/digits, or a number of up to 15 digits",
      examples: ["ACME"],
    }),
    country_code: t.String({
      minLength: 2,
      maxLength: 2,
      description: "ISO 3166-1 alpha-2 of the country it is registered for",
    }),
    purpose: t.String({
      minLength: 1,
      maxLength: 500,
      description: "What it is used for, for the operator's review",
    }),
    customer_id: t.Optional(
      t.String({ description: "A customer's id or external_ref; default: your own account" }),
    ),
    set_default: t.Optional(t.Boolean({ description: "Make it the account's default sender" })),
  },
  { additionalProperties: false },
)
const REGISTER_FIELDS = ["value", "country_code", "purpose", "customer_id", "set_default"] as const

const tags = ["Sender IDs"]

/** Register (`sender_ids.write`), read (`sender_ids.read`), review (operator). */
export function senderIdRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.sender-ids", prefix: "/v1/sender-ids" })
    .use(authPlugin(deps))
    .post(
      "/",
      async ({ body, principal, set }) => {
        const { created, sender } = await deps.senders.register(principal, body)
        set.status = created ? 201 : 200
        return sender
      },
      {
        parse: jsonBody(REGISTER_FIELDS, deps.maxBodyBytes),
        body: RegisterBody,
        response: {
          200: SenderIdView,
          201: SenderIdView,
          ...problems(400, 401, 403, 404, 422),
        },
        detail: {
          summary: "Register a sender ID for review",
          description:
            "Answers 201 with it `pending` until the operator approves it. The same value and country again answers 200 with the existing one (a rejected one goes back to `pending`).",
          tags,
        },
      },
    )
    .get("/", ({ query, principal }) => deps.senders.list(principal, query), {
      query: t.Object({
        customer_id: t.Optional(
          t.String({ description: "Only this customer's (id or external_ref)" }),
        ),
        status: t.Optional(Status),
        limit: pageLimit(100),
        cursor: t.Optional(t.String()),
      }),
      response: {
        200: t.Object({ data: t.Array(SenderIdView), next_cursor: Nullable(t.String()) }),
        ...problems(401, 403, 404, 422),
      },
      detail: { summary: "Your sender IDs and your customers', newest first", tags },
    })
    .get("/:id", ({ params, principal }) => deps.senders.get(principal, params.id), {
      params: IdParams,
      response: { 200: SenderIdView, ...problems(401, 403, 404) },
      detail: { summary: "A sender ID", tags },
    })
    .post(
      "/:id/approve",
      ({ params, principal }) => deps.senders.review(principal, params.id, "approved"),
      {
        params: IdParams,
        response: { 200: SenderIdView, ...problems(401, 403, 404) },
        detail: { summary: "Approve a sender ID (operator)", tags },
      },
    )
    .post(
      "/:id/reject",
      ({ params, body, principal }) =>
        deps.senders.review(principal, params.id, "rejected", body?.reason),
      {
        params: IdParams,
        // The body is optional: a rejection without a reason is allowed.
        parse: async ({ request }) => {
          const text = await request.text()
          if (text.trim() === "") return undefined
          return jsonBody(
            ["reason"],
            deps.maxBodyBytes,
          )({
            request: new Request(request.url, {
              method: "POST",
              headers: request.headers,
              body: text,
            }),
          })
        },
        body: t.Optional(
          t.Object(
            { reason: t.Optional(t.String({ maxLength: 500 })) },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: SenderIdView,
          ...problems(400, 401, 403, 404, 422),
        },
        detail: { summary: "Reject (or withdraw) a sender ID (operator)", tags },
      },
    )
}
