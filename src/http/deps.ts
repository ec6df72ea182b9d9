import type { ConnectorHealth } from "../connectors/connector.ts"
import type { AcceptResult, SendRequest } from "../core/accept.ts"
import type { Principal } from "../core/auth.ts"
import type { ListQuery, MessageDetail, listMessages } from "../core/message-query.ts"
import type { InboundView } from "../core/inbound.ts"
import type { ConnectorView, RouteTestResult, RouteView } from "../core/operations.ts"
import type { WebhookService } from "../core/webhooks/webhook-service.ts"
import type { Logger } from "../lib/logger.ts"

/** What the HTTP layer may ask of the services: nothing else, and never the store. */
export interface HttpDeps {
  logger: Logger
  maxBodyBytes: number
  authenticate(authorization: string | null, apiKey: string | null): Principal
  send(request: SendRequest): Promise<AcceptResult>
  getMessage(accountId: string, id: string): MessageDetail
  cancelMessage(accountId: string, id: string): Promise<MessageDetail>
  listMessages(accountId: string, query: ListQuery): ReturnType<typeof listMessages>
  readiness(): { storage: boolean; connectors: ConnectorHealth[] }
  listInbound(accountId: string, query: { since?: string; limit?: number }): { data: InboundView[]; next_cursor: string }
  connectors(): ConnectorView[]
  routes(): RouteView[]
  testRoute(accountId: string, input: { to: string; from?: string }): RouteTestResult
  metrics(): Promise<{ contentType: string; text: string }>
  /** Webhook endpoints and their delivery log (routes/webhooks.ts). */
  webhooks: Pick<WebhookService, "create" | "list" | "get" | "update" | "remove" | "ping" | "deliveries" | "callbackSecret">
  version: string
}
