// A reply in a modem conversation leaves through the modem while the routes' only carrier is
// down. The dispatcher claimed with the routes' room alone, so with no carrier bound the reply
// waited for the carrier though it never goes through it (migration 0013, core/outbox.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeModem, startFakeModem } from "../fakes/modem.ts"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { modemConnector, smppCarrier } from "../support/connector-config.ts"
import { carrierOutage, connectorView } from "../support/connector-view.ts"
import { conversationWith } from "../support/conversations.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"

const SIM_NUMBER = "+4917600000002"
const CUSTOMER = "+4917699990002"

let modem: FakeModem
let smsc: FakeSmsc
let gw: TestGateway

async function usable(id: string): Promise<boolean> {
  return (await connectorView(gw, id)).usable
}

async function status(id: string): Promise<{ status: string; connector: string | null }> {
  return body(await gw.api(`/v1/messages/${id}`), 200)
}

/** The id of the conversation with CUSTOMER, once its first MO made one. */
async function customerConversation(): Promise<string> {
  return (await conversationWith(gw, CUSTOMER)).id
}

beforeAll(async () => {
  modem = await startFakeModem({ ownNumber: SIM_NUMBER })
  smsc = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
  gw = await startGateway(`${modemConnector(modem.devicePath)}${smppCarrier(smsc.port)}`)
  await waitFor(async () => (await usable("modem-1")) && (await usable("carrier")), {
    what: "modem and carrier ready",
  })
})

afterAll(async () => {
  await gw?.stop()
  await modem?.stop()
  await smsc?.close()
})

describe("replies pinned to their conversation's connector", () => {
  test("leave through the modem while the routes' only carrier is down; routed sends wait", async () => {
    modem.receive({ from: CUSTOMER, text: "Where is my parcel?" })
    const conversation = await customerConversation()

    await carrierOutage(gw, smsc, "carrier")
    try {
      const routed = await body<{ messages: { id: string }[] }>(
        await gw.api("/v1/messages", {
          method: "POST",
          json: { to: CUSTOMER, message: "Routed while the carrier is down" },
        }),
        202,
      )
      const reply = await body<{ id: string }>(
        await gw.api(`/v1/conversations/${conversation}/messages`, {
          method: "POST",
          json: { message: "Out for delivery today." },
        }),
        202,
      )
      await waitFor(
        () =>
          modem.submits.some(
            (s) => s.decoded.to === CUSTOMER && s.decoded.text === "Out for delivery today.",
          ),
        { what: "+CMGS of the reply" },
      )
      expect(
        await waitFor(async () => {
          const d = await status(reply.id)
          return d.status === "sent" ? d : null
        }),
      ).toMatchObject({ connector: "modem-1" })
      // The routed one still waits for its carrier.
      expect((await status(routed.messages[0]!.id)).status).toBe("queued")

      smsc.setBehaviour({ rejectBind: false })
      await waitFor(async () => (await status(routed.messages[0]!.id)).status === "delivered", {
        what: "routed send delivered after the carrier is back",
      })
    } finally {
      smsc.setBehaviour({ rejectBind: false })
    }
  })

  // Pinned replies were in the routes' ready lanes too (before migration 0015): a backlog of them
  // on a modem that sends one at a time was claimed with the carrier's room and handed back
  // every round, and the same account's routed sends behind it waited for the modem.
  test("a backlog of replies on the modem does not hold back the account's routed sends", async () => {
    const conversation = await customerConversation()
    // More than the carrier's room (window 10 × 2), which the old claim spent on them.
    const replies = 100
    for (let i = 0; i < replies; i++) {
      await body(
        await gw.api(`/v1/conversations/${conversation}/messages`, {
          method: "POST",
          json: { message: `Backlog reply ${i}` },
        }),
        202,
      )
    }
    await body(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: CUSTOMER, message: "Routed behind the backlog" },
      }),
      202,
    )
    const backlogSent = () =>
      modem.submits.filter((s) => s.decoded.text.startsWith("Backlog reply"))
    await waitFor(() => smsc.submits.some((s) => s.text === "Routed behind the backlog"), {
      what: "the routed send at the SMSC",
    })
    // It went out while the modem was still early in the replies, not once fewer of them were
    // queued than the carrier could take (80 or more sent).
    expect(backlogSent().length).toBeLessThan(replies / 2)
    await waitFor(() => backlogSent().length === replies, {
      what: "every reply through the modem",
      timeoutMs: 20_000,
    })
  })
})
