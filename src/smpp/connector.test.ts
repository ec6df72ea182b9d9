// The submit and receipt paths over real TCP: SmppConnector against the fake SMSC.
import { afterEach, describe, expect, test } from "bun:test"
import { type FakeSmsc, type FakeSmscOptions, startFakeSmsc } from "../../test/fakes/smsc.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import type { Clock } from "../lib/clock.ts"
import type { SmppConnectorOptions } from "./options.ts"
import { type ConnectorHarness, connectorFor, outbound, smppOptions } from "./test-harness.ts"

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(
  smscOptions: FakeSmscOptions = {},
  overrides: Partial<SmppConnectorOptions> = {},
  clock?: Clock,
): Promise<ConnectorHarness & { smsc: FakeSmsc }> {
  const smsc = await startFakeSmsc(smscOptions)
  cleanups.push(() => smsc.close())
  const harness = connectorFor(smppOptions(smsc.port, overrides), clock)
  cleanups.push(() => harness.connector.stop())
  await harness.connector.start()
  await waitFor(() => harness.connector.health().usable, { timeoutMs: 5000, what: "bind" })
  return Object.assign(harness, { smsc })
}

describe("SmppConnector", () => {
  test("sends a single-part GSM-7 message as data_coding 0 with international TON/NPI", async () => {
    const { connector, smsc } = await setup()
    const outcome = await connector.submit(outbound(["Code 1234 @ £5 {ok}"], { from: "MyShop" }))

    expect(outcome.parts).toHaveLength(1)
    const [part] = outcome.parts
    expect(part?.ok).toBe(true)
    const [submit] = smsc.submits
    expect(part?.ok && part.carrierId).toBe(submit?.message_id)
    expect(submit).toMatchObject({
      system_id: "signalbox",
      source_addr: "MyShop",
      source_addr_ton: 5,
      source_addr_npi: 0,
      destination_addr: "4915112345678",
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      data_coding: 0,
      esm_class: 0,
      registered_delivery: 1,
      udh: null,
      text: "Code 1234 @ £5 {ok}",
    })
    // TS 23.038 §6.2.1 unpacked septets: "@" 0x00, "£" 0x01, "{" ESC 0x28, "}" ESC 0x29.
    expect([...submit!.message.slice(10)]).toEqual([
      0x00, 0x20, 0x01, 0x35, 0x20, 0x1b, 0x28, 0x6f, 0x6b, 0x1b, 0x29,
    ])
  })

  test("sends numeric senders as international or short code", async () => {
    const { connector, smsc } = await setup()
    await connector.submit(outbound(["a"], { from: "+441234567890" }))
    await connector.submit(outbound(["b"], { from: "12345" }))
    await connector.submit(outbound(["c"], { from: null }))
    expect(smsc.submits.map((s) => [s.source_addr, s.source_addr_ton, s.source_addr_npi])).toEqual([
      ["441234567890", 1, 1],
      ["12345", 3, 0],
      ["", 0, 0],
    ])
  })

  test("sends UCS-2 text as data_coding 8 in UTF-16BE, emoji as a surrogate pair", async () => {
    const { connector, smsc } = await setup()
    const text = "مرحبا 👋"
    const outcome = await connector.submit(outbound([text], { encoding: "ucs2" }))

    expect(outcome.parts[0]?.ok).toBe(true)
    const [submit] = smsc.submits
    expect(submit?.data_coding).toBe(8)
    expect(submit?.text).toBe(text)
    expect(submit?.message.length).toBe(text.length * 2)
    expect([...submit!.message.slice(-4)]).toEqual([0xd8, 0x3d, 0xdc, 0x4b])
  })

  test("sends a 3-part message as 3 submit_sm in order with one concatenation reference", async () => {
    const { connector, smsc } = await setup({}, { sessions: 2 })
    const message = outbound(["first part ", "second part ", "third part"], { reference: 77 })
    const outcome = await connector.submit(message)

    expect(outcome.parts.map((p) => [p.index, p.ok])).toEqual([
      [0, true],
      [1, true],
      [2, true],
    ])
    expect(smsc.submits.map((s) => s.udh)).toEqual([
      { reference: 77, total: 3, sequence: 1 },
      { reference: 77, total: 3, sequence: 2 },
      { reference: 77, total: 3, sequence: 3 },
    ])
    expect(smsc.submits.map((s) => s.text)).toEqual(["first part ", "second part ", "third part"])
    for (const submit of smsc.submits) {
      expect(submit.esm_class).toBe(0x40)
      expect(submit.registered_delivery).toBe(1)
    }
  })

  test("sends only the parts it is given on a retry, with their original sequence numbers", async () => {
    const { connector, smsc } = await setup()
    const message = outbound(["one", "two", "three"])
    const retry = { ...message, parts: message.parts.slice(1) }
    const outcome = await connector.submit(retry)

    expect(outcome.parts.map((p) => p.index)).toEqual([1, 2])
    expect(smsc.submits.map((s) => s.udh?.sequence)).toEqual([2, 3])
  })

  test("asks for no receipt when the connector's registered_delivery is off", async () => {
    const { connector, smsc } = await setup({}, { registered_delivery: false })
    await connector.submit(outbound(["hi"]))
    expect(smsc.submits[0]?.registered_delivery).toBe(0)
  })

  test("uses source_ton and source_npi from the options when set", async () => {
    const { connector, smsc } = await setup({}, { source_ton: 2, source_npi: 8 })
    await connector.submit(outbound(["hi"], { from: "Brand" }))
    expect(smsc.submits[0]).toMatchObject({
      source_addr: "Brand",
      source_addr_ton: 2,
      source_addr_npi: 8,
    })
  })

  test("answers a receipt only once it is stored, and with ESME_RX_T_APPN when storing fails", async () => {
    const h = await setup({ receipts: "auto" })
    let stored!: () => void
    h.storeReceipt = () => new Promise<void>((resolve) => (stored = resolve))
    await h.connector.submit(outbound(["held"]))
    await waitFor(() => h.receipts.length === 1, { what: "receipt" })
    // Still being stored: a kill -9 now must leave the SMSC holding it, so no answer yet.
    expect(h.smsc.counters.deliverSmResps).toBe(0)
    stored()
    await waitFor(() => h.smsc.counters.deliverSmResps === 1, { what: "deliver_sm_resp" })
    expect(h.smsc.counters.lastDeliverSmRespStatus).toBe(0)

    h.storeReceipt = async () => {
      throw new Error("disk full")
    }
    await h.connector.submit(outbound(["not stored"]))
    await waitFor(() => h.smsc.counters.deliverSmResps === 2, { what: "second deliver_sm_resp" })
    // SMPP 3.4 §5.1.3 0x64 ESME_RX_T_APPN: temporary, the SMSC sends it again later.
    expect(h.smsc.counters.lastDeliverSmRespStatus).toBe(0x64)
    // Counted when stored: the refused one is not (the SMSC sends it again).
    expect(h.connector.health().counters.receipts).toBe(1)
  })

  test("emits a delivered receipt for a hex id with the TLVs", async () => {
    const { connector, smsc, receipts } = await setup({ receipts: "auto", idFormat: "hex" })
    const outcome = await connector.submit(outbound(["hello"]))
    const carrierId = outcome.parts[0]?.ok ? outcome.parts[0].carrierId : ""
    await waitFor(() => receipts.length === 1, { what: "receipt" })

    expect(carrierId).toMatch(/^[0-9A-F]+$/)
    expect(receipts[0]).toMatchObject({
      connectorId: "carrier-a",
      carrierId,
      state: "delivered",
      stat: "DELIVRD",
    })
    expect(receipts[0]?.raw).toContain(`id:${carrierId} `)
    expect(receipts[0]?.doneAt).toBeNumber()
    await waitFor(() => smsc.counters.deliverSmResps === 1, { what: "deliver_sm_resp" })
  })

  test("emits the receipt's own decimal id when the carrier writes it in another base", async () => {
    const { connector, receipts } = await setup({
      receipts: "auto",
      idFormat: "hex",
      receiptIdFormat: "decimal",
      receiptTlvs: false,
      receiptStat: "UNDELIV",
    })
    const outcome = await connector.submit(outbound(["hello"]))
    const hexId = outcome.parts[0]?.ok ? outcome.parts[0].carrierId : ""
    await waitFor(() => receipts.length === 1, { what: "receipt" })

    expect(receipts[0]?.carrierId).toBe(String(Number.parseInt(hexId, 16)))
    expect(receipts[0]).toMatchObject({ state: "failed", stat: "UNDELIV", error: "001" })
  })

  test("takes the state from message_state when the text says otherwise", async () => {
    const { connector, smsc, receipts } = await setup()
    const outcome = await connector.submit(outbound(["hello"]))
    const id = outcome.parts[0]?.ok ? outcome.parts[0].carrierId : ""
    smsc.sendDeliverSm({
      esm_class: 0x04,
      data_coding: 0,
      short_message: Buffer.from(`id:${id} sub:001 dlvrd:000 stat:ENROUTE err:000 text:`),
      receipted_message_id: id,
      message_state: 3,
    })
    await waitFor(() => receipts.length === 1, { what: "receipt" })
    expect(receipts[0]).toMatchObject({ carrierId: id, state: "expired", stat: "EXPIRED" })
  })

  test("emits a receipt that arrives before its submit_sm_resp", async () => {
    const { connector, receipts } = await setup({ receipts: "auto", receiptBeforeResp: true })
    const outcome = await connector.submit(outbound(["hello"]))
    await waitFor(() => receipts.length === 1, { what: "receipt" })
    expect(outcome.parts[0]?.ok).toBe(true)
    expect(receipts[0]?.carrierId).toBe(outcome.parts[0]?.ok ? outcome.parts[0].carrierId : "")
  })

  test("answers a receipt it cannot parse with 0 and counts it, and stores an MO", async () => {
    const { connector, smsc, inbound } = await setup()
    smsc.sendDeliverSm({ esm_class: 0x04, short_message: Buffer.from("not a receipt at all") })
    smsc.sendDeliverSm({
      esm_class: 0x00,
      source_addr_ton: 1,
      source_addr: "4915112345678",
      destination_addr: "12345",
      short_message: Buffer.from("STOP"),
    })
    await waitFor(() => smsc.counters.deliverSmResps === 2, { what: "deliver_sm_resp" })

    expect(smsc.counters.deliverSmRespErrors).toBe(0)
    expect(connector.stats()).toMatchObject({ receiptsUnparsed: 1, inbound: 1, receipts: 0 })
    expect(inbound.map((m) => [m.from, m.to, m.text])).toEqual([
      ["+4915112345678", "12345", "STOP"],
    ])
    expect(connector.health()).toMatchObject({ usable: true, counters: { inbound: 1 } })
  })

  test("reports ESME_RTHROTTLED as a temporary error and reports the connector throttled", async () => {
    const { connector } = await setup({ throttleAbove: 0 })
    const outcome = await connector.submit(outbound(["hello"]))
    const [part] = outcome.parts

    expect(part?.ok).toBe(false)
    expect(!part?.ok && part?.error).toMatchObject({
      code: "ESME_RTHROTTLED",
      status: 0x58,
      temporary: true,
    })
    expect(connector.health().state).toBe("throttled")
  })

  test("reports ESME_RINVDSTADR as permanent and sends no later part", async () => {
    const { connector, smsc } = await setup({ errorOnSubmit: { status: 0x0b } })
    const outcome = await connector.submit(outbound(["one", "two", "three"]))

    expect(outcome.parts).toHaveLength(1)
    const [part] = outcome.parts
    expect(!part?.ok && part?.error).toMatchObject({
      code: "ESME_RINVDSTADR",
      status: 0x0b,
      temporary: false,
    })
    expect(smsc.submits).toHaveLength(1)
  })

  test("stops a multi-part message at the first failed part and keeps earlier carrier ids", async () => {
    const { connector, smsc } = await setup()
    smsc.setBehaviour({ errorOnSubmit: { status: 0x14, fraction: 0.5 } })
    const outcome = await connector.submit(outbound(["one", "two", "three"]))

    expect(outcome.parts.map((p) => p.ok)).toEqual([true, false])
    expect(!outcome.parts[1]?.ok && outcome.parts[1]?.error.code).toBe("ESME_RMSGQFUL")
    expect(smsc.submits).toHaveLength(2)
  })

  test("sends no more than tps submit_sm in any second of its clock", async () => {
    let now = 1_000_000
    const { connector } = await setup({}, { tps: 5 }, { now: () => now })
    const outcomes = Array.from({ length: 12 }, (_, i) => connector.submit(outbound([`m${i}`])))

    // 100 ms steps of the injected clock. The limiter allows ⌈5/10⌉ = 1 send per 100 ms and 5
    // per second: 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, …
    const expected = (step: number) =>
      Math.min(12, 5 * Math.floor(step / 10) + Math.min(5, (step % 10) + 1))
    for (let step = 0; step <= 21; step++) {
      now = 1_000_000 + step * 100
      await waitFor(() => connector.stats().submitted === expected(step), { what: `step ${step}` })
    }
    expect((await Promise.all(outcomes)).every((o) => o.parts[0]?.ok)).toBe(true)
  })
})
