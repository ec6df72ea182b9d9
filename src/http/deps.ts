import type { ConnectorHealth } from "../connectors/connector.ts"
import type { AcceptResult, SendRequest } from "../core/accept.ts"
import type { AccountService } from "../core/accounts.ts"
import type { Principal } from "../core/auth.ts"
import type { ConversationService } from "../core/conversations.ts"
import type { InboundView } from "../core/inbound.ts"
import type { KeyService } from "../core/keys.ts"
import type { ListQuery, listMessages, MessageDetail } from "../core/message-query.ts"
import type { NumberService } from "../core/numbers.ts"
import type { ConnectorView, RouteTestResult, RouteView } from "../core/operations.ts"
import type { OptOutService } from "../core/optout.ts"
import type { PriceTable } from "../core/prices.ts"
import type { RateLimitDecision } from "../core/rate-limit.ts"
import type { SenderService } from "../core/senders.ts"
import type { WebhookService } from "../core/webhooks/webhook-service.ts"
import type { Logger } from "../lib/logger.ts"

/** What the HTTP layer may ask of the services: nothing else, and never the store. */
export interface HttpDeps {
  logger: Logger
  maxBodyBytes: number
  authenticate(authorization: string | null, apiKey: string | null): Principal
  send(request: SendRequest): Promise<AcceptResult>
  /** Message reads and cancel see the caller's account and key mode (live or sandbox) only. */
  getMessage(principal: Principal, id: string): MessageDetail
  cancelMessage(principal: Principal, id: string): Promise<MessageDetail>
  /** The message's callback_url deliveries (404 like getMessage). */
  messageCallbacks(
    principal: Principal,
    id: string,
  ): { data: ReturnType<WebhookService["callbackDeliveries"]> }
  listMessages(principal: Principal, query: ListQuery): ReturnType<typeof listMessages>
  readiness(): { storage: boolean; connectors: ConnectorHealth[] }
  listInbound(
    principal: Principal,
    query: { since?: string; limit?: number },
  ): { data: InboundView[]; next_cursor: string }
  connectors(): ConnectorView[]
  routes(): RouteView[]
  testRoute(accountId: string, input: { to: string; from?: string }): RouteTestResult
  metrics(): Promise<{ contentType: string; text: string }>
  /** Webhook endpoints and their delivery log (routes/webhooks.ts). */
  webhooks: Pick<
    WebhookService,
    "create" | "list" | "get" | "update" | "remove" | "ping" | "deliveries" | "callbackSecret"
  >
  /** Two-way messaging (docs/two-way.md): routes/numbers.ts, conversations.ts, opt-outs.ts. */
  numbers: Pick<NumberService, "assign" | "list" | "remove">
  conversations: Pick<ConversationService, "list" | "get" | "messages" | "reply">
  optOuts: Pick<OptOutService, "list" | "get" | "add" | "remove">
  /** Tenancy (docs/tenancy.md): routes/customers.ts, keys.ts, money.ts, sender-ids.ts. */
  accounts: Pick<
    AccountService,
    "create" | "list" | "get" | "update" | "addCredits" | "balance" | "ledger"
  >
  keys: Pick<KeyService, "create" | "list" | "revoke">
  prices: Pick<PriceTable, "view" | "replace">
  senders: Pick<SenderService, "register" | "list" | "get" | "review">
  /** Counts a request against the key's limits; null for an unlimited key. */
  rateLimit?(principal: Principal): RateLimitDecision | null
  version: string
}
