// Which failures the outbox may retry (temporary) and which fail the message for good, over
// real TCP against the fake SMSC.
import { afterEach, describe, expect, test } from "bun:test"
import { type FakeSmsc, type FakeSmscOptions, startFakeSmsc } from "../../test/fakes/smsc.ts"
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
): Promise<ConnectorHarness & { smsc: FakeSmsc }> {
  const smsc = await startFakeSmsc(smscOptions)
  cleanups.push(() => smsc.close())
  const harness = connectorFor(smppOptions(smsc.port, overrides))
  cleanups.push(() => harness.connector.stop())
  await harness.connector.start()
  await waitFor(() => harness.connector.health().usable, { what: "bind" })
  return Object.assign(harness, { smsc })
}

function errorOf(part: { ok: boolean; error?: unknown } | undefined) {
  return part && !part.ok ? part.error : undefined
}

describe("SmppConnector error classes", () => {
  // SMPP 3.4 §5.1.3 (and SMPP 5.0 §4.7.6 for 0x104); the class is Kannel's.
  test.each([
    [0x08, "ESME_RSYSERR", true],
    [0x14, "ESME_RMSGQFUL", true],
    [0x58, "ESME_RTHROTTLED", true],
    [0x04, "ESME_RINVBNDSTS", true],
    [0x0a, "ESME_RINVSRCADR", false],
    [0x0b, "ESME_RINVDSTADR", false],
    [0x45, "ESME_RSUBMITFAIL", false],
    [0x104, "ESME_RINVDCS", false],
    [0x401, "command_status_0x00000401", false],
  ] as const)(
    "reports submit_sm_resp status %i as %s, temporary=%p",
    async (status, code, temporary) => {
      const { connector } = await setup({ errorOnSubmit: { status } })
      const outcome = await connector.submit(outbound(["hello", "world"]))
      expect(outcome.parts).toHaveLength(1)
      expect(errorOf(outcome.parts[0])).toMatchObject({ code, status, temporary })
    },
  )

  test("fails submits outstanding when the SMSC unbinds with a temporary connection_lost", async () => {
    const { connector, smsc } = await setup({ blackHole: true })
    const outcomes = Array.from({ length: 3 }, (_, i) => connector.submit(outbound([`m${i}`])))
    await waitFor(() => smsc.submits.length === 3, { what: "3 outstanding" })
    smsc.unbindAll()
    for (const outcome of await Promise.all(outcomes)) {
      expect(errorOf(outcome.parts[0])).toMatchObject({ code: "connection_lost", temporary: true })
    }
    smsc.setBehaviour({ blackHole: false })
    await waitFor(() => smsc.binds.accepted === 2 && connector.health().usable, { what: "rebind" })
    expect((await connector.submit(outbound(["after"]))).parts[0]?.ok).toBe(true)
  })

  test("answers with a temporary not_bound while no session can bind, never a permanent error", async () => {
    const { connector, smsc } = await setup({}, { response_timeout_s: 0.2 })
    smsc.setBehaviour({ rejectBind: true })
    smsc.dropAll()
    await waitFor(() => connector.health().state === "down", { what: "down" })
    const outcome = await connector.submit(outbound(["nobody bound"]))
    expect(errorOf(outcome.parts[0])).toMatchObject({ code: "not_bound", temporary: true })
  })

  test("fails a part the SMSC never answers with a temporary timeout, also after a switch at run time", async () => {
    const { connector, smsc } = await setup({}, { response_timeout_s: 0.2 })
    expect((await connector.submit(outbound(["answered"]))).parts[0]?.ok).toBe(true)
    smsc.setBehaviour({ blackHole: true })
    const outcome = await connector.submit(outbound(["dropped on the floor"]))
    expect(errorOf(outcome.parts[0])).toMatchObject({ code: "timeout", temporary: true })
    expect(connector.health().usable).toBe(true)
  })
})
