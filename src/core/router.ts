import type { Connector } from "../connectors/connector.ts"

export interface RouteRule {
  /** "+233…" (E.164 prefix) or "*". */
  prefix: string
  connectors: string[]
}

export type RouteDecision =
  | { connector: Connector; reason: string }
  | { connector: null; reason: string }

/**
 * Picks the connector for a destination: the route with the longest matching prefix wins ("*"
 * matches everything with length 0), then the first usable connector in that route's order.
 */
export class Router {
  private readonly rules: RouteRule[]

  constructor(
    rules: RouteRule[],
    private readonly connectors: ReadonlyMap<string, Connector>,
  ) {
    this.rules = [...rules].sort((a, b) => prefixLength(b.prefix) - prefixLength(a.prefix))
  }

  route(to: string): RouteDecision {
    const rule = this.rules.find((r) => r.prefix === "*" || to.startsWith(r.prefix))
    if (!rule) return { connector: null, reason: `no route matches ${to}` }
    const skipped: string[] = []
    for (const id of rule.connectors) {
      const connector = this.connectors.get(id)
      if (!connector) continue
      const health = connector.health()
      if (health.usable) {
        const why = skipped.length > 0 ? `; skipped ${skipped.join(", ")}` : ""
        return { connector, reason: `route ${rule.prefix} → ${id}${why}` }
      }
      skipped.push(`${id} (${health.state})`)
    }
    return { connector: null, reason: `route ${rule.prefix}: no usable connector (${skipped.join(", ")})` }
  }

  /** Whether any route could use this connector: the dispatcher only claims while one can send. */
  hasUsableConnector(): boolean {
    for (const connector of this.connectors.values()) if (connector.health().usable) return true
    return false
  }
}

function prefixLength(prefix: string): number {
  return prefix === "*" ? 0 : prefix.length
}
