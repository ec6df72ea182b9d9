// A reply in a modem conversation leaves through the modem while the routes' only carrier is
// down. The dispatcher claimed with the routes' room alone, so with no carrier bound the reply
// waited for the carrier though it never goes through it (migration 0013, core/outbox.ts).
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeModem, startFakeModem } from "../fakes/modem.ts"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { modemConnector, smppCarrier } from "../support/connector-config.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"

const SIM_NUMBER = "+4917600000002"
const CUSTOMER = "+4917699990002"

let modem: FakeModem
let smsc: FakeSmsc
let gw: TestGateway

async function usable(id: string): Promise<boolean | undefined> {
  const page = (await (await gw.api("/v1/connectors")).json()) as {
    data: { id: string; usable: boolean }[]
  }
  return page.data.find((c) => c.id === id)?.usable
}

async function status(id: string): Promise<{ status: string; connector: string | null }> {
  return body(await gw.api(`/v1/messages/${id}`), 200)
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
    const conversation = await waitFor(
      async () => {
        const page = await body<{ data: { id: string; their_number: string }[] }>(
          await gw.api("/v1/conversations"),
          200,
        )
        return page.data.find((c) => c.their_number === CUSTOMER)?.id
      },
      { what: "conversation" },
    )

    smsc.setBehaviour({ rejectBind: true })
    smsc.dropAll()
    await waitFor(async () => (await usable("carrier")) === false, { what: "carrier down" })
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
})
