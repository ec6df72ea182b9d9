import type { FakeSmsc } from "../fakes/smsc.ts"
import type { TestGateway } from "./gateway.ts"
import { waitFor } from "./wait-for.ts"

/** One connector as `GET /v1/connectors` shows it (the fields tests read). */
export interface ConnectorView {
  id: string
  state: string
  usable: boolean
  details: Record<string, unknown>
  counters: Record<string, number>
}

/** Connector `id` as the API shows it now; throws if the gateway has no such connector. */
export async function connectorView(gw: TestGateway, id: string): Promise<ConnectorView> {
  const res = await gw.api("/v1/connectors")
  if (res.status !== 200) throw new Error(`GET /v1/connectors answered ${res.status}`)
  const page = (await res.json()) as { data: ConnectorView[] }
  const found = page.data.find((c) => c.id === id)
  if (!found) throw new Error(`no connector ${id} in ${page.data.map((c) => c.id).join(", ")}`)
  return found
}

/**
 * A carrier outage: the fake SMSC behind `connectorId` drops its binds and refuses new ones.
 * Resolves once the gateway shows the connector unusable; `smsc.setBehaviour({ rejectBind:
 * false })` ends it.
 */
export async function carrierOutage(
  gw: TestGateway,
  smsc: Pick<FakeSmsc, "setBehaviour" | "dropAll">,
  connectorId: string,
): Promise<void> {
  smsc.setBehaviour({ rejectBind: true })
  smsc.dropAll()
  await waitFor(async () => (await connectorView(gw, connectorId)).usable === false, {
    what: `${connectorId} down`,
  })
}
