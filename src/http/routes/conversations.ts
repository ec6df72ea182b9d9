import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import { requireScope } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { IdParams, Nullable, pageQuery, problems } from "../schemas.ts"

const ConversationView = t.Object({
  id: t.String({ examples: ["cnv_01kbc5n2xq8r0m3v5c9d2e4f6g"] }),
  our_number: Nullable(
    t.String({
      description: "Our number; null when the connector cannot tell (a modem without +CNUM)",
    }),
  ),
  their_number: t.String(),
  connector: t.String({
    description: "Replies go out on this connector: the one the last inbound message came in on",
  }),
  opted_out: t.Boolean({
    description: "Their number opted out of this account: replies are refused",
  }),
  last_message_at: t.String(),
  created_at: t.String(),
})

const ConversationMessage = t.Object({
  direction: t.Union([t.Literal("inbound"), t.Literal("outbound")]),
  id: t.String({ description: "inb_… (GET /v1/inbound) or msg_… (GET /v1/messages/{id})" }),
  from: Nullable(t.String()),
  to: Nullable(t.String()),
  message: t.String(),
  encoding: t.String(),
  parts: Type.Integer({ description: "Parts it arrived in, or segments sent" }),
  connector: Nullable(t.String()),
  status: Nullable(t.String({ description: "Outbound only" })),
  error_code: Nullable(t.String()),
  at: t.String({ description: "When the gateway stored it: the conversation's order" }),
})

const ReplyBody = t.Object(
  {
    message: t.String({
      minLength: 1,
      description: "Text; GSM-7 or UCS-2 is chosen automatically. Up to 1,600 characters.",
    }),
    idempotency_key: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
  },
  { additionalProperties: false },
)
const REPLY_FIELDS = ["message", "idempotency_key"] as const

const ReplyResponse = t.Object({
  id: t.String(),
  conversation_id: t.String(),
  to: t.String(),
  from: Nullable(t.String()),
  connector: t.String(),
  status: t.Union([t.Literal("queued"), t.Literal("scheduled")]),
  segments: Type.Integer(),
  encoding: t.Union([t.Literal("gsm7"), t.Literal("ucs2")]),
})

const tags = ["Conversations"]

export function conversationRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.conversations", prefix: "/v1/conversations" })
    .use(authPlugin(deps))
    .get(
      "/",
      ({ query, principal }) => {
        requireScope(principal, "sms.read")
        return deps.conversations.list(principal, query)
      },
      {
        query: pageQuery(1000),
        response: {
          200: t.Object({ data: t.Array(ConversationView), next_cursor: Nullable(t.String()) }),
          ...problems(401, 403, 422),
        },
        detail: {
          summary: "Conversations, most recent activity first",
          description:
            "A conversation starts with the first inbound message from their number to our number and threads both directions from then on. See docs/two-way.md.",
          tags,
        },
      },
    )
    .get(
      "/:id",
      ({ params, principal }) => {
        requireScope(principal, "sms.read")
        return deps.conversations.get(principal, params.id)
      },
      {
        params: IdParams,
        response: { 200: ConversationView, ...problems(401, 403, 404) },
        detail: { summary: "One conversation", tags },
      },
    )
    .get(
      "/:id/messages",
      ({ params, query, principal }) => {
        requireScope(principal, "sms.read")
        return deps.conversations.messages(principal, params.id, query)
      },
      {
        params: IdParams,
        query: pageQuery(1000),
        response: {
          200: t.Object({ data: t.Array(ConversationMessage), next_cursor: Nullable(t.String()) }),
          ...problems(401, 403, 404, 422),
        },
        detail: {
          summary: "The conversation's messages, both directions, oldest first",
          description:
            "Inbound messages, replies sent here, and messages sent with POST /v1/messages from our number to theirs, in the order the gateway stored them.",
          tags,
        },
      },
    )
    .post(
      "/:id/messages",
      async ({ params, body, principal, request, set }) => {
        requireScope(principal, "sms.send")
        const result = await deps.conversations.reply(
          principal,
          params.id,
          {
            message: body.message,
            idempotencyKey: request.headers.get("idempotency-key") ?? body.idempotency_key,
          },
          deps.send,
        )
        set.status = result.status
        if (result.replayed) set.headers["idempotent-replayed"] = "true"
        return result.body
      },
      {
        params: IdParams,
        parse: jsonBody(REPLY_FIELDS, deps.maxBodyBytes),
        body: ReplyBody,
        response: {
          202: ReplyResponse,
          ...problems(400, 401, 403, 404, 409, 413, 422),
        },
        detail: {
          summary: "Reply in a conversation",
          description:
            "Sends the text to their number from our number, through the connector the conversation came in on (no route or failover applies). Validated, checked against opt-outs and idempotent exactly like POST /v1/messages; 422 `recipient_opted_out` when they opted out; 409 `connector_not_configured` when the conversation's connector is no longer in the configuration.",
          tags,
        },
      },
    )
}
