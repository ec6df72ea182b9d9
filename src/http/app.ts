import { Elysia } from "elysia"
import type { HttpDeps } from "./deps.ts"
import { problemPlugin } from "./plugins/problem.ts"
import { docsRoutes } from "./routes/docs.ts"
import { healthRoutes } from "./routes/health.ts"
import { inboundRoutes } from "./routes/inbound.ts"
import { messageRoutes } from "./routes/messages.ts"
import { operationsRoutes } from "./routes/operations.ts"
import { webhookRoutes } from "./routes/webhooks.ts"

export type { HttpDeps } from "./deps.ts"

/** Composes the HTTP API: one Elysia instance per resource (Elysia's documented practice). */
export function createHttpApp(deps: HttpDeps) {
  return new Elysia({ name: "signalbox" })
    .use(problemPlugin(deps.logger))
    .use(docsRoutes(deps.version))
    .use(healthRoutes(deps))
    .use(messageRoutes(deps))
    .use(inboundRoutes(deps))
    .use(operationsRoutes(deps))
    .use(webhookRoutes(deps))
}
