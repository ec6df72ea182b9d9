// Binds, windows, deadlines and failures over real TCP: SmppConnector against the fake SMSC.
import { afterEach, describe, expect, test } from "bun:test"
import { type FakeSmsc, type FakeSmscOptions, startFakeSmsc } from "../../test/fakes/smsc.ts"
import { receiptWithoutNul } from "../../test/fakes/smsc-pdus.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import type { SmppConnectorOptions } from "./options.ts"
import { type ConnectorHarness, connectorFor, outbound, smppOptions } from "./test-harness.ts"

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(
  smscOptions: FakeSmscOptions = {},
  overrides: Partial<SmppConnectorOptions> = {},
  { waitForBind = true } = {},
): Promise<ConnectorHarness & { smsc: FakeSmsc }> {
  const smsc = await startFakeSmsc(smscOptions)
  cleanups.push(() => smsc.close())
  const harness = connectorFor(smppOptions(smsc.port, overrides))
  cleanups.push(() => harness.connector.stop())
  await harness.connector.start()
  if (waitForBind) {
    await waitFor(() => harness.connector.health().usable, { timeoutMs: 5000, what: "bind" })
  }
  return Object.assign(harness, { smsc })
}

function errorOf(part: { ok: boolean; error?: unknown } | undefined) {
  return part && !part.ok ? part.error : undefined
}

describe("SmppConnector", () => {
  test("opens one bind_transceiver per session with interface_version 0x34", async () => {
    const { connector, smsc } = await setup({}, { sessions: 3, system_type: "VMA" })
    await waitFor(() => connector.health().sessions.bound === 3, { what: "3 binds" })

    expect(smsc.binds.accepted).toBe(3)
    expect(smsc.binds.requests).toEqual(
      Array(3).fill({
        command: "bind_transceiver",
        system_id: "signalbox",
        system_type: "VMA",
        interface_version: 0x34,
      }),
    )
    expect(connector.capacity()).toBe(3 * 10 * 2)
  })

  test("reports down while the bind is rejected and recovers when the SMSC accepts again", async () => {
    const { connector, smsc } = await setup({ rejectBind: true }, {}, { waitForBind: false })
    await waitFor(() => smsc.binds.rejected >= 2, { what: "a retried bind" })

    expect(connector.health()).toMatchObject({ state: "down", usable: false })
    expect(connector.health().lastError).toContain("ESME_RBINDFAIL")
    expect(connector.capacity()).toBe(0)

    smsc.setBehaviour({ rejectBind: false })
    await waitFor(() => connector.health().state === "bound", { what: "recovery" })
    expect(connector.capacity()).toBe(20)
  })

  test("is refused by an SMSC that does not know its credentials", async () => {
    const { connector, smsc } = await setup(
      { credentials: [{ system_id: "signalbox", password: "other" }] },
      {},
      { waitForBind: false },
    )
    await waitFor(() => smsc.binds.rejected >= 1, { what: "rejected bind" })
    expect(smsc.binds.accepted).toBe(0)
    await waitFor(() => connector.health().state === "down", { what: "down" })
  })

  test("queues a message until a session binds", async () => {
    const { connector, smsc } = await setup({ rejectBind: true }, {}, { waitForBind: false })
    const pending = connector.submit(outbound(["wait for me"]))
    await waitFor(() => smsc.binds.rejected >= 1, { what: "rejected bind" })
    expect(connector.health().pending).toBe(1)

    smsc.setBehaviour({ rejectBind: false })
    const outcome = await pending
    expect(outcome.parts[0]?.ok).toBe(true)
  })

  test("fails a queued message with not_bound when no session binds within response_timeout_s", async () => {
    const { connector } = await setup(
      { rejectBind: true },
      { response_timeout_s: 0.3 },
      { waitForBind: false },
    )
    const outcome = await connector.submit(outbound(["nobody home"]))
    expect(errorOf(outcome.parts[0])).toMatchObject({ code: "not_bound", temporary: true })
  })

  test("fails a part with timeout after response_timeout_s when the SMSC never answers", async () => {
    const { connector, smsc } = await setup({ blackHole: true }, { response_timeout_s: 0.3 })
    const started = Date.now()
    const outcome = await connector.submit(outbound(["into the void", "never sent"]))

    expect(outcome.parts).toHaveLength(1)
    expect(errorOf(outcome.parts[0])).toMatchObject({ code: "timeout", temporary: true })
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(smsc.submits).toHaveLength(1)
    expect(connector.health()).toMatchObject({ usable: true, window: { used: 0 }, pending: 0 })
  })

  test("fails outstanding submits with connection_lost and rebinds when the connection drops", async () => {
    const { connector, smsc } = await setup({ dropAfterSubmits: 3, responseDelayMs: 100 })
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, (_, i) => connector.submit(outbound([`message ${i}`]))),
    )

    for (const outcome of outcomes) {
      expect(errorOf(outcome.parts[0])).toMatchObject({ code: "connection_lost", temporary: true })
    }
    await waitFor(() => smsc.binds.accepted === 2 && connector.health().usable, { what: "rebind" })
    expect(connector.stats().connectionsLost).toBe(1)
    const after = await connector.submit(outbound(["after the drop"]))
    expect(after.parts[0]?.ok).toBe(true)
  })

  test("survives a command_length over the maximum: the stream cannot be framed, so it rebinds", async () => {
    const { connector, smsc } = await setup({ malformedPdu: "oversized" })
    await waitFor(() => smsc.binds.accepted === 2 && connector.health().usable, { what: "rebind" })

    expect(connector.stats().malformedPdus).toBe(1)
    const outcome = await connector.submit(outbound(["still alive"]))
    expect(outcome.parts[0]?.ok).toBe(true)
  })

  test("answers a deliver_sm it cannot decode (a TLV past the end) with ESME_RINVOPTPARSTREAM and keeps the bind", async () => {
    const { connector, smsc } = await setup({ malformedPdu: "bad_tlv" })
    await waitFor(() => smsc.counters.lastDeliverSmRespStatus !== null, {
      what: "the deliver_sm_resp",
    })

    expect(smsc.counters.lastDeliverSmRespStatus).toBe(0xc0)
    expect(connector.stats().malformedPdus).toBe(1)
    const outcome = await connector.submit(outbound(["same bind"]))
    expect(outcome.parts[0]?.ok).toBe(true)
    expect(smsc.binds.accepted).toBe(1)
  })

  test("a receipt the library reads (UDH, data_sm) gets its id as the TLV's length says, without a NUL", async () => {
    const { receipts, smsc } = await setup()
    for (const command of ["deliver_sm", "data_sm"] as const) {
      expect(smsc.sendFrame(receiptWithoutNul(command, "5f5e100"))).toBe(true)
    }
    await waitFor(() => receipts.length === 2, { what: "both receipts" })
    // The same id the fast path reads from a receipt without a UDH, where the library's own
    // reading would run on into the next TLV.
    expect(receipts.map((r) => r.carrierId)).toEqual(["5f5e100", "5f5e100"])
  })

  test("answers an unknown command_id with generic_nack and keeps the session", async () => {
    const { connector, smsc } = await setup({ malformedPdu: "unknown_command" })
    await waitFor(() => smsc.counters.genericNacks === 1, { what: "generic_nack" })

    const outcome = await connector.submit(outbound(["same session"]))
    expect(outcome.parts[0]?.ok).toBe(true)
    expect(smsc.binds.accepted).toBe(1)
    expect(connector.stats().malformedPdus).toBe(1)
  })

  test("never has more than `window` submit_sm outstanding on a session", async () => {
    const { connector, smsc } = await setup({ responseDelayMs: 20 }, { sessions: 2, window: 4 })
    await waitFor(() => connector.health().sessions.bound === 2, { what: "2 binds" })
    let maxUsed = 0
    // sessions × window × 2 = 16 is all the connector accepts at once.
    const outcomes = Array.from({ length: 16 }, (_, i) =>
      connector.submit(outbound([`message ${i}`])).then((outcome) => {
        maxUsed = Math.max(maxUsed, connector.health().window.used)
        return outcome
      }),
    )
    await waitFor(() => connector.health().state === "saturated", { what: "saturation" })
    const settled = await Promise.all(outcomes)

    expect(settled.every((outcome) => outcome.parts[0]?.ok)).toBe(true)
    expect(smsc.maxOutstanding).toBe(4)
    expect(maxUsed).toBeLessThanOrEqual(8)
  })

  test("drops the connection and rebinds when enquire_link_resp does not come", async () => {
    const { connector, smsc } = await setup(
      { ignoreEnquireLink: true },
      { enquire_link_s: 0.1, response_timeout_s: 0.2 },
    )
    await waitFor(() => smsc.binds.accepted >= 2, { what: "rebind" })
    expect(smsc.counters.enquireLinks).toBeGreaterThanOrEqual(1)
    expect(connector.stats().connectionsLost).toBeGreaterThanOrEqual(1)
  })

  test("keeps the link with enquire_link while the SMSC answers", async () => {
    const { connector, smsc } = await setup({}, { enquire_link_s: 0.05 })
    await waitFor(() => smsc.counters.enquireLinks >= 3, { what: "enquire_link" })
    expect(smsc.binds.accepted).toBe(1)
    expect(connector.health().state).toBe("bound")
  })

  test("answers the SMSC's unbind and binds again", async () => {
    const { connector, smsc } = await setup()
    smsc.unbindAll()
    await waitFor(() => smsc.binds.accepted === 2 && connector.health().usable, { what: "rebind" })
    expect(connector.stats().connectionsLost).toBe(0)
  })

  test("unbinds every session on stop() and fails what is still pending with stopped", async () => {
    const { connector, smsc } = await setup({ blackHole: true }, { sessions: 2, window: 1 })
    await waitFor(() => connector.health().sessions.bound === 2, { what: "2 binds" })
    const outcomes = Array.from({ length: 4 }, (_, i) => connector.submit(outbound([`m${i}`])))
    await waitFor(() => smsc.submits.length === 2, { what: "2 outstanding" })

    await connector.stop()
    for (const outcome of await Promise.all(outcomes)) {
      expect(errorOf(outcome.parts[0])).toMatchObject({ code: "stopped", temporary: true })
    }
    expect(smsc.counters.unbinds).toBe(2)
    expect(connector.health()).toMatchObject({ state: "stopped", usable: false })
    const late = await connector.submit(outbound(["too late"]))
    expect(errorOf(late.parts[0])).toMatchObject({ code: "stopped" })
  })
})
