import { Type } from "@sinclair/typebox"
import { Elysia, t } from "elysia"
import { requireOperator } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { Nullable, problems } from "../schemas.ts"

const ConnectorView = t.Object({
  id: t.String(),
  type: t.String(),
  state: t.String({ description: "bound | connecting | down | throttled | saturated | stopped" }),
  usable: t.Boolean({ description: "Whether the router may hand it messages now" }),
  sessions: t.Object({ configured: Type.Integer(), bound: Type.Integer() }),
  window: t.Object({ size: Type.Integer(), used: Type.Integer() }),
  tps: t.Number(),
  queue_depth: Type.Integer({ description: "Messages handed to it and not yet settled" }),
  counters: t.Object({
    sent: Type.Integer(),
    failed: Type.Integer(),
    throttled: Type.Integer(),
    receipts: Type.Integer(),
    inbound: Type.Integer(),
  }),
  last_error: Nullable(t.String()),
  details: t.Record(t.String(), t.Union([t.String(), t.Number(), t.Boolean(), t.Null()])),
})

const RouteView = t.Object({
  name: t.String(),
  match: t.Object({
    prefix: Nullable(t.String()),
    country: Nullable(t.String()),
    account: Nullable(t.String()),
    from: Nullable(t.String()),
  }),
  connectors: t.Array(
    t.Object({
      id: t.String(),
      weight: Nullable(Type.Integer()),
      state: t.String(),
      usable: t.Boolean(),
    }),
  ),
  mode: t.Union([t.Literal("failover"), t.Literal("weighted")]),
})

const RouteTestBody = t.Object(
  {
    to: t.String({ minLength: 1, maxLength: 32, examples: ["+233201234567"] }),
    from: t.Optional(t.String({ maxLength: 16 })),
  },
  { additionalProperties: false },
)

const RouteTestResult = t.Object({
  to: t.String(),
  from: Nullable(t.String()),
  route: Nullable(t.String()),
  connector: Nullable(
    t.String({ description: "null: nothing usable now; the message would wait in the queue" }),
  ),
  reason: t.String(),
  candidates: t.Array(
    t.Object({
      id: t.String(),
      state: t.String(),
      usable: t.Boolean(),
      skipped: Nullable(t.String()),
    }),
  ),
})

/** Connectors, routes and metrics: the operator's view of the gateway. Admin scope only. */
export function operationsRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.operations" })
    .use(authPlugin(deps))
    .get(
      "/v1/connectors",
      ({ principal }) => {
        requireOperator(principal)
        return { data: deps.connectors() }
      },
      {
        response: { 200: t.Object({ data: t.Array(ConnectorView) }), ...problems(401, 403) },
        detail: {
          summary: "Connectors with their live state, window, tps, queue and counters",
          tags: ["Operations"],
        },
      },
    )
    .get(
      "/v1/routes",
      ({ principal }) => {
        requireOperator(principal)
        return { data: deps.routes() }
      },
      {
        response: { 200: t.Object({ data: t.Array(RouteView) }), ...problems(401, 403) },
        detail: { summary: "Routes in matching order (most specific first)", tags: ["Operations"] },
      },
    )
    .post(
      "/v1/routes/test",
      ({ body, principal }) => {
        requireOperator(principal)
        return deps.testRoute(principal.accountId, body)
      },
      {
        parse: jsonBody(["to", "from"], deps.maxBodyBytes),
        body: RouteTestBody,
        response: { 200: RouteTestResult, ...problems(400, 401, 403, 422) },
        detail: {
          summary: "Which connector a message would take now, and why",
          description:
            "Matches the routes and reads every candidate connector's live state, without sending anything.",
          tags: ["Operations"],
        },
      },
    )
    .get(
      "/metrics",
      async ({ principal }) => {
        requireOperator(principal)
        const { contentType, text } = await deps.metrics()
        return new Response(text, { headers: { "content-type": contentType } })
      },
      { detail: { summary: "Prometheus metrics (text exposition format)", tags: ["Operations"] } },
    )
}
