/**
 * The sandbox: messages sent with a test key (sk_test_…) leave through a built-in simulator
 * connector that no route can name, so they never reach a carrier or a modem.
 */
import type { Connector } from "../connectors/connector.ts"
import { fixedConnectorDecision, type RouteDecision } from "./router.ts"

/** Reserved connector id: a configured connector may not use it. */
export const SANDBOX_CONNECTOR_ID = "sandbox"
/** Simulated time from submit to receipt: long enough to see `sent`, short enough for tests. */
export const SANDBOX_DELIVERY_DELAY_MS = 100

/** The routing decision of every sandbox message. */
export function sandboxDecision(sandbox: Connector): RouteDecision {
  return fixedConnectorDecision(sandbox, "sandbox", {
    usable: `sandbox (sk_test_ key) → ${sandbox.id}`,
    unusable: (state) => `sandbox connector is ${state}`,
  })
}
