// Inbound numbers in national format, through the real server: an SMPP connector with
// `country = "GH"` stores a TON 2 sender "0241234567" as "+233241234567", so its STOP blocks
// POST /v1/messages to that E.164 number; a connector without `country` keeps the address as
// sent. A modem whose SIM reports its number nationally (+CNUM type 129) matches the number
// assigned with POST /v1/numbers, and its national senders are E.164 too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import type { InboundView } from "../../src/core/inbound.ts"
import { OPT_OUT_CONFIRMATION } from "../../src/core/optout.ts"
import { type FakeModem, startFakeModem } from "../fakes/modem.ts"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { modemConnector } from "../support/connector-config.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body, createCustomer, problem } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"

async function inbound(gw: TestGateway, key?: string): Promise<InboundView[]> {
  const res = await gw.api("/v1/inbound?limit=1000", key ? { key } : {})
  return (await body<{ data: InboundView[] }>(res, 200)).data
}

describe("SMPP MO in national format", () => {
  let smscGh: FakeSmsc
  let smscPlain: FakeSmsc
  let gw: TestGateway

  beforeAll(async () => {
    smscGh = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
    smscPlain = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
    gw = await startGateway(`
[[connectors]]
id = "carrier-gh"
type = "smpp"
host = "127.0.0.1"
port = ${smscGh.port}
system_id = "gw"
country = "GH"
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[[connectors]]
id = "carrier-plain"
type = "smpp"
host = "127.0.0.1"
port = ${smscPlain.port}
system_id = "gw"
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[[routes]]
prefix = "*"
connectors = ["carrier-gh"]
[queue]
retry_base_ms = 50
retry_cap_ms = 200
`)
    await waitFor(() => smscGh.boundSessions() > 0 && smscPlain.boundSessions() > 0, {
      what: "both binds",
    })
  })

  afterAll(async () => {
    await gw?.stop()
    await smscGh?.close()
    await smscPlain?.close()
  })

  test("a TON 2 sender and destination are listed in E.164 on a connector with country", async () => {
    const statuses = await smscGh.sendMo({
      from: "0241234567",
      fromTon: 2,
      to: "0200000001",
      toTon: 2,
      text: "Is the shop open today?",
    })
    expect(statuses).toEqual([0])
    const listed = (await inbound(gw)).find((m) => m.message === "Is the shop open today?")
    expect(listed).toMatchObject({
      from: "+233241234567",
      to: "+233200000001",
      connector: "carrier-gh",
    })
    const conversations = await body<{ data: { our_number: string; their_number: string }[] }>(
      await gw.api("/v1/conversations?limit=1000"),
      200,
    )
    expect(conversations.data).toContainEqual(
      expect.objectContaining({ our_number: "+233200000001", their_number: "+233241234567" }),
    )
  })

  test("a STOP from the national sender makes a send to its E.164 number answer recipient_opted_out", async () => {
    expect(
      await smscGh.sendMo({
        from: "0241234567",
        fromTon: 2,
        to: "0200000001",
        toTon: 2,
        text: "STOP",
      }),
    ).toEqual([0])
    const refused = await problem(
      await gw.api("/v1/messages", {
        method: "POST",
        json: { to: "+233241234567", message: "Weekend sale!" },
      }),
      422,
      "recipient_opted_out",
    )
    expect(refused.opted_out).toEqual([{ index: 0, to: "+233241234567" }])
    // The sender is a phone number now, so it gets its confirmation, from our E.164 number.
    const confirmation = await waitFor(
      () =>
        smscGh.submits.find(
          (s) => s.destination_addr === "233241234567" && s.text === OPT_OUT_CONFIRMATION,
        ),
      { what: "opt-out confirmation" },
    )
    expect(confirmation.source_addr).toBe("233200000001")
  })

  test("a connector without country keeps a TON 2 sender as sent", async () => {
    const statuses = await smscPlain.sendMo({
      from: "0241234568",
      fromTon: 2,
      to: "+233200000001",
      text: "Hello from a plain carrier",
    })
    expect(statuses).toEqual([0])
    const listed = (await inbound(gw)).find((m) => m.message === "Hello from a plain carrier")
    expect(listed).toMatchObject({ from: "0241234568", connector: "carrier-plain" })
  })
})

describe("modem MO and +CNUM in national format", () => {
  let modem: FakeModem
  let gw: TestGateway

  beforeAll(async () => {
    // The SIM stores its number nationally: +CNUM answers "0200000009",129.
    modem = await startFakeModem({ ownNumber: "0200000009" })
    gw = await startGateway(modemConnector(modem.devicePath, { extra: 'country = "GH"' }))
    await waitFor(() => gw.gateway.connectors.get("modem-1")?.health().usable, {
      what: "modem ready",
    })
  })

  afterAll(async () => {
    await gw?.stop()
    await modem?.stop()
  })

  test("an MO to the SIM's national number belongs to the account assigned its E.164 number", async () => {
    const shop = await createCustomer(gw)
    await body(
      await gw.api("/v1/numbers", {
        method: "POST",
        json: { number: "+233200000009", account_id: shop.id },
      }),
      201,
    )
    modem.receive({ from: "0241234567", fromToa: 0xa1, text: "Do you deliver?" })
    const stored = await waitFor(
      async () => (await inbound(gw, shop.key)).find((m) => m.message === "Do you deliver?"),
      { what: "MO listed for the shop at GET /v1/inbound" },
    )
    expect(stored).toMatchObject({
      from: "+233241234567",
      to: "+233200000009",
      connector: "modem-1",
    })
  })
})
