// A conversation's replies leave only through the connector it came in on. When that connector is
// taken out of the configuration, a reply already queued for it waits (said once at start, with
// the way out), and a new reply is refused with a problem saying why instead of being queued for
// a connector that will never take it.
import { describe, expect, test } from "bun:test"
import { startFakeModem } from "../fakes/modem.ts"
import { catchAllRoute, modemConnector } from "../support/connector-config.ts"
import { connectorView } from "../support/connector-view.ts"
import { conversationWith } from "../support/conversations.ts"
import { startGateway } from "../support/gateway.ts"
import { tempDir } from "../support/temp-dir.ts"
import { body } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { warnLog } from "../support/warn-log.ts"

const CUSTOMER = "+4917699990031"
const SIMULATOR_ONLY = `
[[connectors]]
id = "sim"
type = "simulator"
${catchAllRoute("sim")}`

describe("replies pinned to a connector removed from the configuration", () => {
  test("a queued one is counted at start, replays to a retry, and can be canceled; a new one gets 409", async () => {
    await using dir = tempDir("signalbox-orphaned-")
    const modem = await startFakeModem({ ownNumber: "+4917600000031" })
    await using _modem = { [Symbol.asyncDispose]: () => modem.stop() }
    const withModem = `${modemConnector(modem.devicePath)}${catchAllRoute("modem-1")}`
    const first = await startGateway(withModem, { dataDir: dir.path })
    let conversation: string
    let queued: string
    try {
      await waitFor(async () => (await connectorView(first, "modem-1")).usable, {
        what: "modem ready",
      })
      modem.receive({ from: CUSTOMER, text: "Hello?" })
      conversation = (await conversationWith(first, CUSTOMER)).id
      // The modem fails every send for now (+CMS ERROR: 41, temporary failure): the reply stays
      // queued, retried with backoff.
      modem.failNextSends(41, 1000)
      queued = (
        await body<{ id: string }>(
          await first.api(`/v1/conversations/${conversation}/messages`, {
            method: "POST",
            headers: { "idempotency-key": "reply-1" },
            json: { message: "Waiting for the modem" },
          }),
          202,
        )
      ).id
      await waitFor(() => modem.commands.some((c) => c.startsWith("AT+CMGS")), {
        what: "a first, failed attempt",
      })
    } finally {
      await first.stop()
    }

    const log = warnLog()
    await using second = await startGateway(SIMULATOR_ONLY, {
      dataDir: dir.path,
      logger: log.logger,
    })
    expect(
      log.entries().filter((l) => l.msg.includes("pinned to a connector that is not configured")),
    ).toEqual([expect.objectContaining({ connector: "modem-1", replies: 1 })])
    const waiting = await body<{ status: string }>(await second.api(`/v1/messages/${queued}`), 200)
    expect(waiting.status).toBe("queued")

    const refused = await second.api(`/v1/conversations/${conversation}/messages`, {
      method: "POST",
      json: { message: "Through which connector?" },
    })
    expect(refused.status).toBe(409)
    expect(refused.headers.get("content-type")).toContain("application/problem+json")
    expect(await refused.json()).toMatchObject({
      code: "connector_not_configured",
      connector: "modem-1",
      detail: expect.stringContaining("POST /v1/messages"),
    })

    // A retry of the first reply still gets its stored answer, not the refusal.
    const replayed = await second.api(`/v1/conversations/${conversation}/messages`, {
      method: "POST",
      headers: { "idempotency-key": "reply-1" },
      json: { message: "Waiting for the modem" },
    })
    expect(replayed.status).toBe(202)
    expect(replayed.headers.get("idempotent-replayed")).toBe("true")
    expect(((await replayed.json()) as { id: string }).id).toBe(queued)

    const canceled = await second.api(`/v1/messages/${queued}/cancel`, { method: "POST" })
    expect(canceled.status).toBe(200)
    expect(
      (await body<{ status: string }>(await second.api(`/v1/messages/${queued}`), 200)).status,
    ).toBe("canceled")
  })
})
