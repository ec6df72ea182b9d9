import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import type { Principal } from "../../core/auth.ts"
import { requireLive, requireScope } from "../../core/scopes.ts"
import { ALL_EVENTS, WEBHOOK_EVENTS } from "../../core/webhooks/webhook-service.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { DeliveryView, IdParams, Nullable, pageLimit, pageQuery, problems } from "../schemas.ts"

const EVENTS_DESCRIPTION = `Event types to receive: ${WEBHOOK_EVENTS.join(", ")}; or "${ALL_EVENTS}" for every event, including ones added later.`

// No maxLength here: the service answers `invalid_webhook_url` for every bad URL, long ones too.
const Url = t.String({
  minLength: 1,
  description: "Absolute http(s) URL of at most 2048 characters that receives signed POSTs",
  examples: ["https://example.com/hooks/sms"],
})
const Events = t.Array(t.String({ minLength: 1, maxLength: 64 }), {
  minItems: 1,
  maxItems: 32,
  description: EVENTS_DESCRIPTION,
  examples: [["message.delivered", "message.failed"]],
})
const Description = t.String({ maxLength: 500 })

const CreateBody = t.Object(
  { url: Url, events: Events, description: t.Optional(Description) },
  { additionalProperties: false },
)
const CREATE_FIELDS = ["url", "events", "description"] as const

const UpdateBody = t.Object(
  {
    url: t.Optional(Url),
    events: t.Optional(Events),
    description: t.Optional(Nullable(Description)),
    status: t.Optional(
      t.Union([t.Literal("active"), t.Literal("disabled")], {
        description:
          "`active` re-enables a suspended or disabled endpoint (its paused deliveries resume); `disabled` pauses it",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
const UPDATE_FIELDS = ["url", "events", "description", "status"] as const

const EndpointView = t.Object({
  id: t.String({ examples: ["whk_01kbc5n2xq8r0m3v5c9d2e4f6g"] }),
  url: t.String(),
  events: t.Array(t.String()),
  description: Nullable(t.String()),
  status: t.Union([t.Literal("active"), t.Literal("suspended"), t.Literal("disabled")]),
  secret: t.String({
    description: "Signing secret (whsec_…): in full only in the create answer, masked afterwards",
  }),
  consecutive_failures: Type.Integer({ description: "Failed attempts since the last 2xx" }),
  failing_since: Nullable(t.String()),
  suspended_reason: Nullable(t.String()),
  created_at: t.String(),
  updated_at: t.String(),
})

const DeliveryQuery = t.Object({
  limit: pageLimit(100),
  cursor: t.Optional(t.String()),
  status: t.Optional(
    t.Union(
      ["pending", "delivering", "succeeded", "failed", "paused", "abandoned"].map((s) =>
        t.Literal(s),
      ),
    ),
  ),
})

/**
 * Managing webhooks needs `webhooks.write` (design.md §7); the admin key has every scope. The
 * endpoints are the account's live configuration: a sandbox key may list them but not change
 * them, ping them, or read the callback signing secret.
 */
function requireWebhookAccess(principal: Principal, request: Request): void {
  requireScope(principal, "webhooks.write")
  if (request.method !== "GET" || new URL(request.url).pathname.endsWith("/callback-secret"))
    requireLive(principal, "change webhooks or read their secrets")
}

const tags = ["Webhooks"]

export function webhookRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.webhooks", prefix: "/v1/webhooks" })
    .use(authPlugin(deps))
    .onBeforeHandle(({ principal, request }) => requireWebhookAccess(principal, request))
    .post(
      "/",
      async ({ body, principal, set }) => {
        const created = await deps.webhooks.create(principal.accountId, body)
        set.status = 201
        return created
      },
      {
        parse: jsonBody(CREATE_FIELDS, deps.maxBodyBytes),
        body: CreateBody,
        response: {
          201: EndpointView,
          ...problems(400, 401, 403, 413, 422),
        },
        detail: {
          summary: "Create a webhook endpoint",
          description:
            "Subscribes a URL to events of your account. The answer carries the signing secret (`whsec_…`) in full; it is masked in every later answer, so store it now. Deliveries are signed per Standard Webhooks (see docs/webhooks.md).",
          tags,
        },
      },
    )
    .get("/", ({ query, principal }) => deps.webhooks.list(principal.accountId, query), {
      query: pageQuery(100),
      response: {
        200: t.Object({ data: t.Array(EndpointView), next_cursor: Nullable(t.String()) }),
        ...problems(401, 403, 422),
      },
      detail: { summary: "List webhook endpoints, newest first", tags },
    })
    .get("/callback-secret", ({ principal }) => deps.webhooks.callbackSecret(principal.accountId), {
      response: { 200: t.Object({ secret: t.String() }), ...problems(401, 403) },
      detail: {
        summary: "The secret that signs per-message callback_url deliveries",
        description:
          "A message sent with `callback_url` has no endpoint of its own: its status events are signed with this account-wide secret (created on first use).",
        tags,
      },
    })
    .get("/:id", ({ params, principal }) => deps.webhooks.get(principal.accountId, params.id), {
      params: IdParams,
      response: { 200: EndpointView, ...problems(401, 403, 404) },
      detail: { summary: "A webhook endpoint with its health", tags },
    })
    .patch(
      "/:id",
      ({ params, body, principal }) => deps.webhooks.update(principal.accountId, params.id, body),
      {
        params: IdParams,
        parse: jsonBody(UPDATE_FIELDS, deps.maxBodyBytes),
        body: UpdateBody,
        response: {
          200: EndpointView,
          ...problems(400, 401, 403, 404, 413, 422),
        },
        detail: {
          summary: "Change a webhook endpoint, or re-enable a suspended one",
          description:
            '`status: "active"` re-enables a suspended or disabled endpoint: its failure count resets and its paused deliveries are sent again. A new `url` also resets the failure count.',
          tags,
        },
      },
    )
    .delete(
      "/:id",
      async ({ params, principal, set }) => {
        await deps.webhooks.remove(principal.accountId, params.id)
        set.status = 204
      },
      {
        params: IdParams,
        response: { 204: t.Void(), ...problems(401, 403, 404) },
        detail: { summary: "Delete a webhook endpoint with its delivery log", tags },
      },
    )
    .post(
      "/:id/ping",
      async ({ params, principal, set }) => {
        const delivery = await deps.webhooks.ping(principal.accountId, params.id)
        set.status = 202
        return delivery
      },
      {
        params: IdParams,
        response: { 202: DeliveryView, ...problems(401, 403, 404, 409) },
        detail: {
          summary: "Send a signed test event to this endpoint",
          description:
            "Enqueues a `webhook.ping` delivery to this endpoint only and answers 202 with it; follow it in the delivery log. A failing endpoint is probed at once rather than at its next retry time.",
          tags,
        },
      },
    )
    .get(
      "/:id/deliveries",
      ({ params, query, principal }) =>
        deps.webhooks.deliveries(principal.accountId, params.id, query),
      {
        params: IdParams,
        query: DeliveryQuery,
        response: {
          200: t.Object({ data: t.Array(DeliveryView), next_cursor: Nullable(t.String()) }),
          ...problems(401, 403, 404, 422),
        },
        detail: { summary: "The endpoint's deliveries, newest first, with every attempt", tags },
      },
    )
}
