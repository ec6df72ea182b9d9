// A status report that reached the modem's "SR" storage while the gateway was down (its +CDSI
// went unheard) still turns the message delivered once the gateway is back: the inbox lists
// "SR" when it starts, over a real pseudo-terminal to the simulated modem.
import { describe, expect, test } from "bun:test"
import { startFakeModem } from "../fakes/modem.ts"
import { catchAllRoute, modemConnector } from "../support/connector-config.ts"
import { connectorView } from "../support/connector-view.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { carrierIdOnceSent, messageWhen } from "../support/messages.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"

describe("modem status reports across a gateway restart", () => {
  test("a report stored in SR while the gateway was stopped makes the message delivered after the restart", async () => {
    await using dir = tempDir("signalbox-modem-sr-")
    await using modem = await startFakeModem({ cnmiDs: [2], firstMr: 77 })
    const toml = `${modemConnector(modem.devicePath)}${catchAllRoute("modem-1")}`
    const usable = async (gw: TestGateway) => (await connectorView(gw, "modem-1")).usable

    const first = await startGateway(toml, { dataDir: dir.path })
    let id: string
    try {
      await waitFor(() => usable(first), { what: "modem ready" })
      const res = await first.api("/v1/messages", {
        method: "POST",
        json: { to: "+4917612340077", message: "receipt comes while we are down" },
      })
      expect(res.status).toBe(202)
      id = ((await res.json()) as { messages: { id: string }[] }).messages[0]!.id
      expect(await carrierIdOnceSent(first, id)).toBe("77")
    } finally {
      await first.stop()
    }

    // Nobody listens: the report is stored in "SR" and its +CDSI is lost.
    modem.storeReport(77, 0x00)

    await using second = await startGateway(toml, { dataDir: dir.path })
    const delivered = await messageWhen(second, id, (m) => m.status === "delivered", {
      what: "delivered after the restart",
    })
    expect(delivered.status).toBe("delivered")
    await waitFor(() => modem.reports.size === 0, { what: "report deleted from SR" })
  })
})
