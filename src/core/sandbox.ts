/**
 * The sandbox: messages sent with a test key (sk_test_…) leave through a built-in simulator
 * connector that no route can name, so they never reach a carrier or a modem.
 */
import type { Connector } from "../connectors/connector.ts"
import type { RouteDecision } from "./router.ts"

/** Reserved connector id: a configured connector may not use it. */
export const SANDBOX_CONNECTOR_ID = "sandbox"
/** Simulated time from submit to receipt: long enough to see `sent`, short enough for tests. */
export const SANDBOX_DELIVERY_DELAY_MS = 100

/** The routing decision of every sandbox message. */
export function sandboxDecision(sandbox: Connector): RouteDecision {
  const health = sandbox.health()
  const candidate = {
    id: sandbox.id,
    state: health.state,
    usable: health.usable,
    skipped: health.usable ? null : health.state,
  }
  return health.usable
    ? {
        connector: sandbox,
        route: "sandbox",
        reason: `sandbox (sk_test_ key) → ${sandbox.id}`,
        failover: false,
        candidates: [candidate],
      }
    : {
        connector: null,
        route: "sandbox",
        reason: `sandbox connector is ${health.state}`,
        failover: false,
        candidates: [candidate],
      }
}
