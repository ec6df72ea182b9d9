import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import { requireScope } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { authPlugin } from "../plugins/auth.ts"
import { Nullable, pageLimit, problems } from "../schemas.ts"

export const InboundView = t.Object({
  id: t.String(),
  from: t.String({ description: "The sender: E.164, or an alphanumeric address" }),
  to: Nullable(t.String({ description: "Our number it was sent to, when the connector knows it" })),
  message: t.String(),
  encoding: t.String(),
  parts: Type.Integer(),
  connector: t.String(),
  sent_at: Nullable(
    t.String({ description: "Service-centre timestamp, when the network gave one" }),
  ),
  received_at: t.String(),
  conversation_id: Nullable(
    t.String({ description: "The conversation it was threaded into (GET /v1/conversations/{id})" }),
  ),
})

export function inboundRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.inbound", prefix: "/v1/inbound" }).use(authPlugin(deps)).get(
    "/",
    ({ query, principal }) => {
      requireScope(principal, "sms.read")
      return deps.listInbound(principal, query)
    },
    {
      query: t.Object({
        since: t.Optional(
          t.String({
            description: "The `next_cursor` of the previous page; absent: from the first message",
          }),
        ),
        limit: pageLimit(1000),
      }),
      response: {
        200: t.Object({ data: t.Array(InboundView), next_cursor: t.String() }),
        ...problems(401, 422),
      },
      detail: {
        summary: "Inbound messages in arrival order",
        description:
          "Pass `next_cursor` back as `since` to get what arrived after: the cursor never skips or repeats a message, even while messages arrive. `next_cursor` is returned even on an empty page.",
        tags: ["Inbound"],
      },
    },
  )
}
