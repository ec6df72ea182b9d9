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
import { messageWhen } from "../support/messages.ts"
import { readRows } from "../support/store.ts"
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
    await using modem = await startFakeModem({ ownNumber: "+4917600000031" })
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
    // Once its retry time has passed and the outbox has claimed and delivered a routed message,
    // the reply is still queued, with no new attempt.
    const attempts = async () =>
      (
        await body<{ status: string; events: { status: string }[] }>(
          await second.api(`/v1/messages/${queued}`),
          200,
        )
      ).events.filter((e) => e.status === "sending").length
    const before = await attempts()
    const notBefore = readRows<{ not_before: number }>(
      second.dbPath,
      `SELECT not_before FROM messages WHERE id = '${queued}'`,
    )[0]!.not_before
    await waitFor(() => Date.now() > notBefore, { what: "the reply's retry time" })
    const routed = await body<{ messages: { id: string }[] }>(
      await second.api("/v1/messages", {
        method: "POST",
        json: { to: CUSTOMER, message: "Routed to the simulator" },
      }),
      202,
    )
    await messageWhen(second, routed.messages[0]!.id, (m) => m.status === "delivered")
    const waiting = await body<{ status: string }>(await second.api(`/v1/messages/${queued}`), 200)
    expect(waiting.status).toBe("queued")
    expect(await attempts()).toBe(before)

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
