import { Elysia } from "elysia"
import type { HttpDeps } from "./deps.ts"
import { problemPlugin } from "./plugins/problem.ts"
import { conversationRoutes } from "./routes/conversations.ts"
import { customerRoutes } from "./routes/customers.ts"
import { docsRoutes } from "./routes/docs.ts"
import { healthRoutes } from "./routes/health.ts"
import { inboundRoutes } from "./routes/inbound.ts"
import { keyRoutes } from "./routes/keys.ts"
import { messageRoutes } from "./routes/messages.ts"
import { moneyRoutes } from "./routes/money.ts"
import { numberRoutes } from "./routes/numbers.ts"
import { operationsRoutes } from "./routes/operations.ts"
import { optOutRoutes } from "./routes/opt-outs.ts"
import { senderIdRoutes } from "./routes/sender-ids.ts"
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
    .use(numberRoutes(deps))
    .use(conversationRoutes(deps))
    .use(optOutRoutes(deps))
    .use(customerRoutes(deps))
    .use(keyRoutes(deps))
    .use(moneyRoutes(deps))
    .use(senderIdRoutes(deps))
}
