import { Elysia, t } from "elysia"
import { requireLive, requireScope } from "../../core/scopes.ts"
import type { HttpDeps } from "../deps.ts"
import { jsonBody } from "../json-body.ts"
import { authPlugin } from "../plugins/auth.ts"
import { Nullable, pageLimit, problems } from "../schemas.ts"

const OptOutView = t.Object({
  number: t.String({ examples: ["+233241234567"] }),
  source: t.Union([t.Literal("api"), t.Literal("keyword")], {
    description:
      "`keyword`: they texted STOP (or another opt-out word); `api`: added with POST /v1/opt-outs",
  }),
  keyword: Nullable(t.String()),
  created_at: t.String(),
})

const AddBody = t.Object(
  {
    number: t.String({
      minLength: 1,
      maxLength: 32,
      description: "E.164 number",
      examples: ["+233241234567"],
    }),
  },
  { additionalProperties: false },
)

const NumberParams = t.Object({
  number: t.String({ description: "E.164 number; encode + as %2B or send it as is" }),
})
const tags = ["Opt-outs"]

export function optOutRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.opt-outs", prefix: "/v1/opt-outs" })
    .use(authPlugin(deps))
    .get(
      "/",
      ({ query, principal }) => {
        requireScope(principal, "sms.read")
        return deps.optOuts.list(principal.accountId, query)
      },
      {
        query: t.Object({
          limit: pageLimit(1000),
          cursor: t.Optional(t.String()),
        }),
        response: {
          200: t.Object({ data: t.Array(OptOutView), next_cursor: Nullable(t.String()) }),
          ...problems(401, 403, 422),
        },
        detail: { summary: "Numbers that opted out of your messages, newest first", tags },
      },
    )
    .get(
      "/:number",
      ({ params, principal }) => {
        requireScope(principal, "sms.read")
        return deps.optOuts.get(principal.accountId, params.number)
      },
      {
        params: NumberParams,
        response: { 200: OptOutView, ...problems(401, 403, 404, 422) },
        detail: { summary: "Whether a number opted out: 200 with the entry, or 404", tags },
      },
    )
    .post(
      "/",
      async ({ body, principal, set }) => {
        requireLive(principal, "change the opt-out list")
        requireScope(principal, "sms.send")
        const { created, optOut } = await deps.optOuts.add(principal.accountId, body.number)
        set.status = created ? 201 : 200
        return optOut
      },
      {
        parse: jsonBody(["number"], deps.maxBodyBytes),
        body: AddBody,
        response: {
          200: OptOutView,
          201: OptOutView,
          ...problems(400, 401, 403, 413, 422),
        },
        detail: {
          summary: "Add a number to the opt-out list",
          description:
            "For an opt-out received another way (a call, a web form). 201 when added, 200 with the existing entry when it was already there. Emits `optout.created`; no SMS is sent.",
          tags,
        },
      },
    )
    .delete(
      "/:number",
      async ({ params, principal, set }) => {
        requireLive(principal, "change the opt-out list")
        requireScope(principal, "sms.send")
        await deps.optOuts.remove(principal.accountId, params.number)
        set.status = 204
      },
      {
        params: NumberParams,
        response: { 204: t.Void(), ...problems(401, 403, 404, 422) },
        detail: {
          summary: "Remove a number from the opt-out list",
          description:
            "Only with the person's consent: messages to the number are accepted again. Emits `optout.removed`; no SMS is sent.",
          tags,
        },
      },
    )
}
