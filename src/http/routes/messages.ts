import { Elysia, t } from "elysia"
import { requireScope } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import {
  DeliveryView,
  IdParams,
  ListQuery,
  MessageDetail,
  MessageList,
  problems,
  SEND_FIELDS,
  SendBody,
  SendResponse,
} from "../schemas.ts"

export function messageRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.messages", prefix: "/v1/messages" })
    .use(authPlugin(deps))
    .post(
      "/",
      async ({ body, principal, request, set }) => {
        requireScope(principal, "sms.send")
        const headerKey = request.headers.get("idempotency-key") ?? undefined
        const result = await deps.send({
          accountId: principal.accountId,
          mode: principal.mode,
          to: body.to,
          message: body.message,
          from: body.from,
          scheduledAt: body.scheduled_at,
          priority: body.priority,
          idempotencyKey: headerKey ?? body.idempotency_key,
          validity: body.validity,
          callbackUrl: body.callback_url,
        })
        set.status = result.status
        if (result.replayed) set.headers["idempotent-replayed"] = "true"
        return result.body
      },
      {
        parse: jsonBody(SEND_FIELDS, deps.maxBodyBytes),
        body: SendBody,
        response: {
          202: SendResponse,
          ...problems(400, 401, 402, 403, 409, 413, 422, 429),
        },
        detail: {
          summary: "Send a message to one or many recipients",
          description:
            "Validates every recipient, stores one message per recipient and answers 202 once the rows are committed. The same `Idempotency-Key` (header or field) with the same body returns the first answer; with another body, 409.",
          tags: ["Messages"],
        },
      },
    )
    .get(
      "/:id",
      ({ params, principal }) => {
        requireScope(principal, "sms.read")
        return deps.getMessage(principal, params.id)
      },
      {
        params: IdParams,
        response: { 200: MessageDetail, ...problems(401, 404) },
        detail: { summary: "A message with its parts and full timeline", tags: ["Messages"] },
      },
    )
    .get(
      "/:id/callbacks",
      ({ params, principal }) => {
        requireScope(principal, "sms.read")
        return deps.messageCallbacks(principal, params.id)
      },
      {
        params: IdParams,
        response: {
          200: t.Object({
            data: t.Array(t.Object({ url: t.String(), ...DeliveryView.properties })),
          }),
          ...problems(401, 404),
        },
        detail: {
          summary: "The message's callback_url deliveries, with every attempt",
          description:
            "Each status event sent to the message's own `callback_url`, oldest first, with its attempts: what was sent, when, and what the receiver answered. Empty when the message has no callback_url.",
          tags: ["Messages"],
        },
      },
    )
    .post(
      "/:id/cancel",
      ({ params, principal }) => {
        requireScope(principal, "sms.send")
        return deps.cancelMessage(principal, params.id)
      },
      {
        params: IdParams,
        response: { 200: MessageDetail, ...problems(401, 404, 409) },
        detail: {
          summary: "Cancel a queued or scheduled message",
          description:
            "Ends the message `canceled` if it has not been handed to a connector yet. A message already sending or sent cannot be called back: 409 `message_not_cancellable`.",
          tags: ["Messages"],
        },
      },
    )
    .get(
      "/",
      ({ query, principal }) => {
        requireScope(principal, "sms.read")
        return deps.listMessages(principal, query)
      },
      {
        query: ListQuery,
        response: { 200: MessageList, ...problems(401, 422) },
        detail: { summary: "List messages, newest first", tags: ["Messages"] },
      },
    )
}
