// Two-way messaging through a GSM modem (the simulator on a real pty): an SMS on the SIM
// reaches a real HTTP receiver as a signed message.received; a reply in its conversation goes
// out through the modem even though every route leads elsewhere; STOP/START confirm through it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION } from "../../src/core/optout.ts"
import { type FakeModem, startFakeModem } from "../fakes/modem.ts"
import { modemConnector } from "../support/connector-config.ts"
import { connectorView } from "../support/connector-view.ts"
import { conversationWith } from "../support/conversations.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body, problem } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { type Receiver, startReceiver } from "../support/webhook-receiver.ts"

const SIM_NUMBER = "+4917600000001"
const CUSTOMER = "+4917699990001"
const HOOKS = "/modem-hooks"

let modem: FakeModem
let gw: TestGateway
let receiver: Receiver

beforeAll(async () => {
  // The SIM reports its own number (+CNUM), so inbound messages know which number they reached.
  modem = await startFakeModem({ ownNumber: SIM_NUMBER })
  gw = await startGateway(`${modemConnector(modem.devicePath)}
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 5
[[routes]]
prefix = "*"
connectors = ["sim"]
`)
  await waitFor(async () => (await connectorView(gw, "modem-1")).usable, { what: "modem ready" })
  receiver = startReceiver()
  await receiver.subscribe(gw, HOOKS, ["message.received", "optout.created", "optout.removed"])
})

afterAll(async () => {
  await gw?.stop()
  await modem?.stop()
  await receiver?.stop()
})

function submitsTo(number: string, text: string) {
  return modem.submits.filter((s) => s.decoded.to === number && s.decoded.text === text)
}

async function conversationId(): Promise<string> {
  return (await conversationWith(gw, CUSTOMER)).id
}

describe("two-way messaging through a modem", () => {
  test("an SMS on the SIM reaches the receiver as a verified message.received", async () => {
    modem.receive({ from: CUSTOMER, text: "Is my order ready?" })
    const delivery = await receiver.waitForEvent(
      HOOKS,
      "message.received",
      (d) => d.message === "Is my order ready?",
    )
    expect(delivery.verifyError).toBeNull()
    expect(delivery.verified).toBe(true)
    expect(delivery.payload.data).toMatchObject({
      from: CUSTOMER,
      to: SIM_NUMBER,
      connector: "modem-1",
    })
    expect(delivery.payload.data.conversation_id).toMatch(/^cnv_/)
  })

  test("a reply leaves through the modem, from the SIM's number, though the routes say simulator", async () => {
    const id = await conversationId()
    const reply = await body<{ id: string; from: string; connector: string }>(
      await gw.api(`/v1/conversations/${id}/messages`, {
        method: "POST",
        json: { message: "Yes, ready for pickup." },
      }),
      202,
    )
    expect(reply).toMatchObject({ from: SIM_NUMBER, connector: "modem-1" })
    await waitFor(() => submitsTo(CUSTOMER, "Yes, ready for pickup.").length === 1, {
      what: "+CMGS of the reply",
    })
    const detail = await waitFor(
      async () => {
        const d = await body<{ status: string; connector: string; from: string }>(
          await gw.api(`/v1/messages/${reply.id}`),
          200,
        )
        return d.status === "sent" ? d : null
      },
      { what: "reply sent" },
    )
    expect(detail).toMatchObject({ connector: "modem-1", from: SIM_NUMBER })

    // An ordinary send to the same person follows the routes.
    const plain = await body<{ messages: { id: string }[] }>(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: CUSTOMER, message: "Survey: how did we do?" },
      }),
      202,
    )
    const routed = await waitFor(
      async () => {
        const d = await body<{ status: string; connector: string | null }>(
          await gw.api(`/v1/messages/${plain.messages[0]!.id}`),
          200,
        )
        return d.connector ? d : null
      },
      { what: "routed send" },
    )
    expect(routed.connector).toBe("sim")
    expect(submitsTo(CUSTOMER, "Survey: how did we do?")).toEqual([])
  })

  test("the conversation shows both directions in order", async () => {
    modem.receive({ from: CUSTOMER, text: "Great, on my way" })
    await receiver.waitForEvent(HOOKS, "message.received", (d) => d.message === "Great, on my way")
    const page = await body<{ data: { direction: string; message: string; connector: string }[] }>(
      await gw.api(`/v1/conversations/${await conversationId()}/messages`),
      200,
    )
    expect(page.data.map((m) => `${m.direction}: ${m.message}`)).toEqual([
      "inbound: Is my order ready?",
      "outbound: Yes, ready for pickup.",
      "inbound: Great, on my way",
    ])
  })

  test("STOP through the modem opts out and confirms through it; START undoes it", async () => {
    modem.receive({ from: CUSTOMER, text: "STOP" })
    await receiver.waitForEvent(HOOKS, "optout.created", (d) => d.number === CUSTOMER)
    await waitFor(() => submitsTo(CUSTOMER, OPT_OUT_CONFIRMATION).length === 1, {
      what: "opt-out confirmation via +CMGS",
    })
    const refused = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: CUSTOMER, message: "Sale today" },
    })
    await problem(refused, 422, "recipient_opted_out")

    modem.receive({ from: CUSTOMER, text: "Start" })
    await receiver.waitForEvent(HOOKS, "optout.removed", (d) => d.number === CUSTOMER)
    await waitFor(() => submitsTo(CUSTOMER, OPT_IN_CONFIRMATION).length === 1, {
      what: "opt-in confirmation via +CMGS",
    })
    await body(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: CUSTOMER, message: "Sale today" },
      }),
      202,
    )
  })

  // One rule for received numbers (codec/received-number.ts): digits of unknown type, longer
  // than a short code and valid with a "+", are international over the modem as over SMPP.
  test("STOP from a sender the SIM gives as bare digits opts out its E.164 number", async () => {
    const bare = "4917699990003"
    modem.receive({ from: bare, text: "STOP" }) // no "+": TON unknown (0x81) in the PDU
    await receiver.waitForEvent(HOOKS, "optout.created", (d) => d.number === `+${bare}`)
    await body(await gw.api(`/v1/opt-outs/%2B${bare}`), 200)
    const inbound = await body<{ data: { from: string; message: string }[] }>(
      await gw.api("/v1/inbound"),
      200,
    )
    expect(inbound.data.find((m) => m.message === "STOP" && m.from.endsWith(bare))?.from).toBe(
      `+${bare}`,
    )
    await problem(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: `+${bare}`, message: "Sale today" },
      }),
      422,
      "recipient_opted_out",
    )
  })
})
