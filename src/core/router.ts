import { countryCallingCode, countryOfNumber } from "../codec/phone.ts"
import { type Connector, type ConnectorState, isUsable } from "../connectors/connector.ts"

/** One `[[routes]]` entry (docs/routing.md). */
export interface RouteRule {
  /** Display name; defaults to a description of the match. */
  name?: string
  /** "+233…" (E.164 prefix) or "*". Exactly one of prefix and country is set. */
  prefix?: string
  /** ISO 3166-1 alpha-2 country of the destination, e.g. "GH". */
  country?: string
  /** Only messages of this account. */
  account?: string
  /** Only messages with exactly this sender. */
  from?: string
  /** Connector ids in failover order. */
  connectors: string[]
  /** Load-sharing weights, one per connector; absent = strict failover order. */
  weights?: number[]
}

export interface RouteInput {
  to: string
  accountId: string
  from: string | null
}

export interface RouteCandidate {
  id: string
  state: ConnectorState | "unknown"
  usable: boolean
  /** Why it was not chosen, when it was not. */
  skipped: string | null
}

export type RouteDecision = {
  /** The chosen connector; null when the route has none usable (or no route matches). */
  connector: Connector | null
  /** Label of the matched route, null when none matched. */
  route: string | null
  /** One line for the message timeline, e.g. "route GH → carrier-b (failover: carrier-a down)". */
  reason: string
  /** True when the choice skipped a connector listed before it (a failover step). */
  failover: boolean
  candidates: RouteCandidate[]
}

export interface RouteOptions {
  /** The connector the previous attempt failed on: chosen again only if nothing else is usable. */
  avoid?: string | null
  /** Answer without advancing a weighted route's rotation (POST /v1/routes/test). */
  dryRun?: boolean
  /**
   * Whether a connector can take a message this round. A weighted route's rotation advances only
   * when its pick has room, so messages that must wait do not skew the shares.
   */
  hasRoom?: (id: string) => boolean
}

interface CompiledRoute {
  rule: RouteRule
  label: string
  /** The calling-code length a country match counts as, for ordering against prefixes. */
  rank: number[]
  /** Smooth weighted round-robin state (nginx): one current weight per connector. */
  current: number[]
}

/**
 * Chooses the connector for a message. Matching: a route applies when its destination
 * (prefix, country or "*") matches and its optional `account` and `from` equal the message's.
 * The most specific route wins: account-narrowed before not, then from-narrowed, then the longer
 * prefix (a country counts as its calling code plus half a digit: more specific than "+1", less
 * than "+1876"), then the order in the config. Within the route the first usable connector in
 * order wins, or with `weights`, a smooth weighted round-robin over the usable ones.
 */
export class Router {
  private readonly routes: CompiledRoute[]
  private readonly usesCountry: boolean

  constructor(
    rules: RouteRule[],
    private readonly connectors: ReadonlyMap<string, Connector>,
  ) {
    this.routes = rules
      .map((rule, order) => ({
        rule,
        label: rule.name ?? describeMatch(rule),
        rank: [rule.account ? 1 : 0, rule.from ? 1 : 0, destinationRank(rule), -order],
        current: rule.connectors.map(() => 0),
      }))
      .sort((a, b) => compareRank(b.rank, a.rank))
    this.usesCountry = rules.some((r) => r.country !== undefined)
  }

  /** The configured routes, most specific first (the order matching uses). */
  list(): { label: string; rule: RouteRule }[] {
    return this.routes.map(({ label, rule }) => ({ label, rule }))
  }

  route(input: RouteInput, options: RouteOptions = {}): RouteDecision {
    const country = this.usesCountry ? countryOfNumber(input.to) : undefined
    const compiled = this.routes.find((r) => matches(r.rule, input, country))
    if (!compiled) {
      return {
        connector: null,
        route: null,
        reason: `no route matches ${input.to}`,
        failover: false,
        candidates: [],
      }
    }
    const { rule, label } = compiled
    const candidates: RouteCandidate[] = rule.connectors.map((id) => {
      const connector = this.connectors.get(id)
      if (!connector) return { id, state: "unknown", usable: false, skipped: "not configured" }
      return candidateOf(connector)
    })
    let pool = candidates.map((_, i) => i).filter((i) => candidates[i]!.usable)
    if (options.avoid && pool.length > 1) {
      const avoided = pool.filter((i) => candidates[i]!.id === options.avoid)
      if (avoided.length > 0) {
        for (const i of avoided) candidates[i]!.skipped = "previous attempt failed there"
        pool = pool.filter((i) => !avoided.includes(i))
      }
    }
    if (pool.length === 0) {
      const why = candidates.map((c) => `${c.id} ${c.skipped ?? c.state}`).join(", ")
      return {
        connector: null,
        route: label,
        reason: `route ${label}: no usable connector (${why})`,
        failover: false,
        candidates,
      }
    }
    let chosen = pool[0]!
    if (rule.weights) {
      chosen = this.weighted(compiled, pool, true)
      const commit = !options.dryRun && (options.hasRoom?.(candidates[chosen]!.id) ?? true)
      if (commit) this.weighted(compiled, pool, false)
    }
    const id = candidates[chosen]!.id
    const passed = candidates.slice(0, chosen).filter((c) => c.skipped !== null)
    const failover = !rule.weights && passed.length > 0
    const note = failover
      ? ` (failover: ${passed.map((c) => `${c.id} ${c.skipped}`).join(", ")})`
      : ""
    return {
      connector: this.connectors.get(id) ?? null,
      route: label,
      reason: `route ${label} → ${id}${note}`,
      failover,
      candidates,
    }
  }

  /**
   * A message that must leave through one connector (a reply in a conversation): no route
   * applies and there is no failover. While that connector is unusable the message waits.
   */
  pinned(id: string): RouteDecision {
    const connector = this.connectors.get(id)
    if (!connector) {
      return {
        connector: null,
        route: null,
        reason: `pinned to ${id}, which is not configured`,
        failover: false,
        candidates: [{ id, state: "unknown", usable: false, skipped: "not configured" }],
      }
    }
    return fixedConnectorDecision(connector, null, {
      usable: `pinned to ${id} (its conversation's connector)`,
      unusable: (state) => `pinned to ${id}, which is ${state}`,
    })
  }

  /**
   * The connectors that routes would hand messages to now: the first usable one of each failover
   * route, every usable one of a weighted route. The dispatcher claims only as much as these can
   * take, so a full primary does not make it claim messages for an idle backup.
   */
  activeConnectors(): Set<Connector> {
    const active = new Set<Connector>()
    for (const { rule } of this.routes) {
      for (const id of rule.connectors) {
        const connector = this.connectors.get(id)
        if (!connector || !isUsable(connector.status())) continue
        active.add(connector)
        if (!rule.weights) break
      }
    }
    return active
  }

  private weighted(route: CompiledRoute, pool: number[], dryRun: boolean): number {
    const weights = route.rule.weights!
    const current = dryRun ? [...route.current] : route.current
    let total = 0
    let best = pool[0]!
    for (const i of pool) {
      const w = weights[i] ?? 1
      current[i]! += w
      total += w
      if (current[i]! > current[best]!) best = i
    }
    current[best]! -= total
    return best
  }
}

function matches(rule: RouteRule, input: RouteInput, country: string | undefined): boolean {
  if (rule.account !== undefined && rule.account !== input.accountId) return false
  if (rule.from !== undefined && rule.from !== input.from) return false
  if (rule.country !== undefined) return rule.country === country
  return rule.prefix === "*" || (rule.prefix !== undefined && input.to.startsWith(rule.prefix))
}

function destinationRank(rule: RouteRule): number {
  if (rule.country !== undefined) return callingCodeLength(rule.country) + 0.5
  if (rule.prefix === undefined || rule.prefix === "*") return 0
  return rule.prefix.length - 1
}

function callingCodeLength(country: string): number {
  // Only for ordering; a country unknown here was already refused by the config loader.
  return countryCallingCode(country)?.length ?? 1
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/**
 * The decision for a message that has exactly one way out (a pinned reply, the sandbox): that
 * connector when it is usable; otherwise none, and the message waits. Never a failover.
 */
export function fixedConnectorDecision(
  connector: Connector,
  route: string | null,
  reason: { usable: string; unusable: (state: ConnectorState) => string },
): RouteDecision {
  const candidate = candidateOf(connector)
  return {
    connector: candidate.usable ? connector : null,
    route,
    reason: candidate.usable ? reason.usable : reason.unusable(candidate.state),
    failover: false,
    candidates: [candidate],
  }
}

/** A connector as a route's candidate now: its state, and why it is skipped if it is. */
function candidateOf(connector: Connector): RouteCandidate & { state: ConnectorState } {
  const state = connector.status()
  const usable = isUsable(state)
  return { id: connector.id, state, usable, skipped: usable ? null : state }
}

export function describeMatch(rule: RouteRule): string {
  const parts = [rule.country ?? rule.prefix ?? "*"]
  if (rule.account) parts.push(`account=${rule.account}`)
  if (rule.from) parts.push(`from=${rule.from}`)
  return parts.join(" ")
}
