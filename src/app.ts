/**
 * Composition root: config → store → services → connectors → scheduler → HTTP. The only module
 * that knows every concrete connector type.
 */
import type { Server } from "bun"
import pkg from "../package.json" with { type: "json" }
import { parseListen } from "./config/load.ts"
import type { Config, ConnectorConfig, RouteConfig } from "./config/schema.ts"
import type { Connector, ConnectorDeps, DeliveryReceipt } from "./connectors/connector.ts"
import { createSimulatorConnector } from "./connectors/simulator.ts"
import { type AcceptDeps, acceptMessages } from "./core/accept.ts"
import { cancelMessage } from "./core/cancel.ts"
import { ConversationService } from "./core/conversations.ts"
import { encodeInboundCursor, inboundEvents, listInbound } from "./core/inbound.ts"
import { MessageNotifier } from "./core/message-notifier.ts"
import { getMessage, listMessages, ownMessage } from "./core/message-query.ts"
import { GatewayMetrics } from "./core/metrics.ts"
import { NumberService } from "./core/numbers.ts"
import { connectorViews, routeViews, testRoute } from "./core/operations.ts"
import { OptOutService } from "./core/optout.ts"
import { Outbox } from "./core/outbox.ts"
import { type PhoneNormalizer, startPhoneNormalizer } from "./core/phone-normalizer.ts"
import { applyReceipt } from "./core/receipts.ts"
import { type RouteRule, Router } from "./core/router.ts"
import { SANDBOX_CONNECTOR_ID, SANDBOX_DELIVERY_DELAY_MS } from "./core/sandbox.ts"
import { createTenancy } from "./core/tenancy.ts"
import {
  DEFAULT_WEBHOOK_WORKER_OPTIONS,
  WebhookDeliveryWorker,
  type WebhookWorkerOptions,
} from "./core/webhooks/delivery-worker.ts"
import { targetPolicy } from "./core/webhooks/target-policy.ts"
import { WebhookService } from "./core/webhooks/webhook-service.ts"
import { createHttpApp } from "./http/app.ts"
import { type Clock, systemClock } from "./lib/clock.ts"
import { createLogger, type Logger } from "./lib/logger.ts"
import { createModemConnector } from "./modem/modem-connector.ts"
import { ScheduledRelease } from "./scheduler/scheduled-release.ts"
import { createSmppConnector } from "./smpp/connector.ts"
import { type Checkpointer, startCheckpointer } from "./store/checkpointer.ts"
import { openStore, type Store } from "./store/index.ts"

export const VERSION: string = pkg.version

export interface Gateway {
  readonly config: Config
  readonly store: Store
  readonly logger: Logger
  readonly connectors: ReadonlyMap<string, Connector>
  /** Base URL once started, e.g. http://127.0.0.1:8080 */
  url: string
  /** The admin key when it was generated at this start (shown once), else null. */
  generatedAdminKey: string | null
  /** Webhook endpoints, and `enqueueEvent` for events (call it inside a write transaction). */
  readonly webhooks: WebhookService
  start(): Promise<void>
  stop(): Promise<void>
}

export interface GatewayOptions {
  logger?: Logger
  clock?: Clock
  /** Overrides of the webhook delivery worker's defaults (tests use a fast backoff). */
  webhooks?: Partial<WebhookWorkerOptions>
}

function createConnector(config: ConnectorConfig, deps: ConnectorDeps): Connector {
  switch (config.type) {
    case "smpp":
      return createSmppConnector(config, deps)
    case "simulator":
      return createSimulatorConnector(config, deps)
    case "modem":
      // The file's "" (unset) is the driver's null.
      return createModemConnector(
        { ...config, pin: config.pin || null, smsc: config.smsc || null },
        deps,
      )
  }
}

export function createGateway(config: Config, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger(config.log.level)
  const clock = options.clock ?? systemClock
  const store = openStore(config.storage.path, config.storage.synchronous)
  store.batcher.onCallbackError = (err) => logger.error({ err }, "a write job's callback threw")
  // WAL checkpoints off the event loop (store/checkpointer.ts), from start() to stop(); none for
  // an in-memory database.
  let checkpointer: Checkpointer | null = null
  // Long recipient lists are normalised on a worker thread (core/phone-normalizer.ts), from
  // start() to stop(); inline before and after.
  let phones: PhoneNormalizer | undefined
  const notifier = new MessageNotifier(store)
  const tenancy = createTenancy({ store, clock, logger, prices: config.prices })
  const auth = tenancy.auth
  const setup = store.transaction(() => auth.setUp(config.auth.admin_key))

  // Resolves once the receipt is committed: the SMPP connector answers the deliver_sm then.
  const onReceipt = (receipt: DeliveryReceipt): Promise<void> => {
    // A fast SMSC sends the receipt in the same TCP read as the submit_sm_resp. setImmediate lets
    // the resp's outcome be queued for commit first, so the receipt finds its part instead of
    // being parked (and every sent part then looking for parked receipts).
    return new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        store.batcher.runThen(
          () => applyReceipt(store, receipt, clock.now(), logger, notifier),
          (ok, error) => {
            if (!ok) return reject(error)
            // Counted once stored: the carrier sends a refused receipt again.
            metrics.receipts.labels(receipt.connectorId, receipt.state).inc()
            resolve()
          },
          { savepoint: false },
        )
      })
    })
  }
  // MO and its parts are committed before they are answered (docs/smpp.md#reassembly).
  const inbound = inboundEvents({
    store,
    clock,
    logger,
    notifier,
    onConfirmation: () => outbox.wake(),
  })
  const connectors = new Map<string, Connector>()
  for (const c of config.connectors) {
    const connectorLogger = logger.child({ connector: c.id })
    connectors.set(
      c.id,
      createConnector(c, {
        logger: connectorLogger,
        clock,
        events: { receipt: onReceipt, ...inbound },
      }),
    )
  }
  // Sandbox (sk_test_) traffic: a simulator no route can name (docs/tenancy.md#sandbox).
  if (connectors.has(SANDBOX_CONNECTOR_ID))
    throw new Error(
      `connector id "${SANDBOX_CONNECTOR_ID}" is reserved for sandbox keys; rename that connector`,
    )
  const sandbox = createSimulatorConnector(
    {
      id: SANDBOX_CONNECTOR_ID,
      type: "simulator",
      delivery_delay_ms: SANDBOX_DELIVERY_DELAY_MS,
      failure_rate: 0,
      tps: 1000,
    },
    {
      logger: logger.child({ connector: SANDBOX_CONNECTOR_ID }),
      clock,
      events: { receipt: onReceipt, inbound: inbound.inbound },
    },
  )
  const router = new Router(config.routes.map(toRouteRule), connectors)
  const metrics = new GatewayMetrics({
    connectors: [...connectors.values()],
    queueDepth: () => store.messages.queueDepth(),
  })
  const outbox = new Outbox({
    notifier,
    store,
    clock,
    logger: logger.child({ component: "outbox" }),
    router,
    connectors: [...connectors.values()],
    sandbox,
    retry: config.queue,
    metrics,
  })
  const scheduler = new ScheduledRelease({
    store,
    clock,
    logger,
    notifier,
    onReleased: () => outbox.wake(),
  })
  const webhookLogger = logger.child({ component: "webhooks" })
  const targets = targetPolicy(config.webhooks.private_targets, { log: webhookLogger })
  const webhooks = new WebhookService({
    store,
    clock,
    logger: webhookLogger,
    onEndpointsChanged: () => notifier.endpointsChanged(),
    targets,
  })
  const webhookWorker = new WebhookDeliveryWorker({
    store,
    clock,
    logger: webhookLogger,
    targets,
    options: { ...DEFAULT_WEBHOOK_WORKER_OPTIONS, ...options.webhooks },
    userAgent: `Signalbox-Webhooks/${VERSION}`,
  })

  const connectorIds: ReadonlySet<string> = new Set(connectors.keys())
  const acceptDeps: AcceptDeps = {
    store,
    clock,
    notifier,
    onQueued: () => outbox.wake(),
    policy: tenancy.policy,
    phones,
    targets,
    connectorIds,
  }
  const http = createHttpApp({
    logger,
    version: VERSION,
    maxBodyBytes: config.http.max_body_bytes,
    authenticate: (a, k) => auth.authenticate(a, k),
    send: async (request) => {
      const started = performance.now()
      const result = await acceptMessages(acceptDeps, request)
      metrics.acceptLatency.labels().observe((performance.now() - started) / 1000)
      if (!result.replayed)
        metrics.accepted
          .labels(result.body.messages[0]?.status ?? "queued")
          .inc(result.body.messages.length)
      return result
    },
    getMessage: (p, id) => getMessage(store, p.accountId, id, p.mode),
    cancelMessage: (p, id) => cancelMessage(store, clock, p.accountId, id, notifier, p.mode),
    messageCallbacks: (p, id) => {
      ownMessage(store, p.accountId, id, p.mode)
      return { data: webhooks.callbackDeliveries(id) }
    },
    listMessages: (p, query) => listMessages(store, p.accountId, query, p.mode),
    readiness: () => ({
      storage: store.isHealthy(),
      connectors: [...connectors.values()].map((c) => c.health()),
    }),
    // Inbound is live traffic: a sandbox key sees none (the sandbox has no MO).
    listInbound: (p, query) =>
      p.mode === "test"
        ? { data: [], next_cursor: query.since ?? encodeInboundCursor(0) }
        : listInbound(store, p.accountId, query),
    connectors: () => connectorViews(connectors.values()),
    routes: () => routeViews(router, connectors),
    testRoute: (accountId, input) => testRoute(router, accountId, input),
    metrics: async () => ({ contentType: metrics.contentType, text: await metrics.text() }),
    webhooks,
    numbers: new NumberService({ store, clock, connectorIds }),
    conversations: new ConversationService({ store }),
    optOuts: new OptOutService({ store, clock, notifier }),
    accounts: tenancy.accounts,
    keys: tenancy.keys,
    prices: tenancy.prices,
    senders: tenancy.senders,
    rateLimit: tenancy.rateLimit,
  })

  let server: Server<unknown> | null = null
  const gateway: Gateway = {
    config,
    store,
    logger,
    connectors,
    url: "",
    generatedAdminKey: setup.generated,
    webhooks,
    async start() {
      const listen = parseListen(config.http.listen)
      if (!listen) throw new Error(`http.listen "${config.http.listen}" is not host:port`)
      const { host: hostname, port } = listen
      if (config.storage.path !== ":memory:" && !checkpointer)
        checkpointer = startCheckpointer(store, logger)
      phones ??= startPhoneNormalizer(logger)
      for (const connector of connectors.values()) await connector.start()
      await sandbox.start()
      await outbox.start()
      await webhookWorker.start()
      scheduler.start()
      http.listen({
        hostname,
        port,
        // Bun's own limit is a backstop for bodies without Content-Length; the route parser
        // answers 413 problem+json at max_body_bytes.
        maxRequestBodySize: config.http.max_body_bytes * 2 + 1024,
      })
      server = http.server
      const bound = server?.port ?? port
      const host = hostname.includes(":") ? `[${hostname}]` : hostname
      gateway.url = `http://${host}:${bound}`
      logger.info(
        { url: gateway.url, connectors: [...connectors.keys()], db: store.path },
        "signalbox listening",
      )
    },
    async stop() {
      await http.stop()
      scheduler.stop()
      // In-flight webhook requests get a short grace, then stay pending for the next start.
      const webhooksStopping = webhookWorker.stop()
      // Stop claiming, then stop connectors: their pending submits settle as temporary
      // `stopped` errors and are re-queued before the store closes.
      const draining = outbox.stop()
      await Promise.allSettled([...connectors.values(), sandbox].map((c) => c.stop()))
      await draining
      await webhooksStopping
      await checkpointer?.stop()
      checkpointer = null
      phones?.stop()
      phones = undefined
      store.close()
      logger.info("signalbox stopped")
    },
  }
  return gateway
}

/** The config's "" (unset) becomes undefined, the router's spelling of "any". */
function toRouteRule(r: RouteConfig): RouteRule {
  return {
    ...(r.name ? { name: r.name } : {}),
    ...(r.country ? { country: r.country.toUpperCase() } : { prefix: r.prefix }),
    ...(r.account ? { account: r.account } : {}),
    ...(r.from ? { from: r.from } : {}),
    connectors: r.connectors,
    ...(r.weights.length > 0 ? { weights: r.weights } : {}),
  }
}
