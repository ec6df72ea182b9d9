/**
 * Operator views: connectors with their live state, routes, and "which connector would this
 * message take now, and why". Plain objects in the API's snake_case spelling.
 */
import { normalizePhone } from "../codec/phone.ts"
import type { Connector } from "../connectors/connector.ts"
import { AppError } from "../lib/app-error.ts"
import { normalizeSender } from "./accept.ts"
import type { RouteCandidate, Router } from "./router.ts"

export interface ConnectorView {
  id: string
  type: string
  state: string
  usable: boolean
  sessions: { configured: number; bound: number }
  window: { size: number; used: number }
  tps: number
  queue_depth: number
  counters: { sent: number; failed: number; throttled: number; receipts: number; inbound: number }
  last_error: string | null
  details: Record<string, string | number | boolean | null>
}

export function connectorViews(connectors: Iterable<Connector>): ConnectorView[] {
  return [...connectors].map((c) => {
    const h = c.health()
    return {
      id: h.id,
      type: h.type,
      state: h.state,
      usable: h.usable,
      sessions: h.sessions,
      window: h.window,
      tps: h.tps,
      queue_depth: h.pending,
      counters: h.counters,
      last_error: h.lastError,
      details: h.details,
    }
  })
}

export interface RouteView {
  name: string
  match: {
    prefix: string | null
    country: string | null
    account: string | null
    from: string | null
  }
  connectors: { id: string; weight: number | null; state: string; usable: boolean }[]
  mode: "failover" | "weighted"
}

/** Routes in the order they are matched (most specific first), with each connector's state now. */
export function routeViews(
  router: Router,
  connectors: ReadonlyMap<string, Connector>,
): RouteView[] {
  return router.list().map(({ label, rule }) => ({
    name: label,
    match: {
      prefix: rule.country ? null : (rule.prefix ?? "*"),
      country: rule.country ?? null,
      account: rule.account ?? null,
      from: rule.from ?? null,
    },
    connectors: rule.connectors.map((id, i) => {
      const h = connectors.get(id)?.health()
      return {
        id,
        weight: rule.weights?.[i] ?? null,
        state: h?.state ?? "unknown",
        usable: h?.usable ?? false,
      }
    }),
    mode: rule.weights ? "weighted" : "failover",
  }))
}

export interface RouteTestResult {
  to: string
  from: string | null
  route: string | null
  connector: string | null
  reason: string
  candidates: RouteCandidate[]
}

/** Answers which connector a message would take now, without taking a turn in a weighted rotation. */
export function testRoute(
  router: Router,
  accountId: string,
  input: { to: string; from?: string },
): RouteTestResult {
  const phone = normalizePhone(input.to)
  if (!phone.ok)
    throw new AppError(
      "invalid_phone_number",
      `"${input.to}" is not a valid phone number: ${phone.reason}`,
    )
  const from = normalizeSender(input.from)
  const decision = router.route({ to: phone.e164, accountId, from }, { dryRun: true })
  return {
    to: phone.e164,
    from,
    route: decision.route,
    connector: decision.connector?.id ?? null,
    reason: decision.reason,
    candidates: decision.candidates,
  }
}
