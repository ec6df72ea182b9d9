// The fake SMSC itself, driven by the real connector.
import { afterEach, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { connectorFor, outbound, smppOptions } from "../../src/smpp/test-harness.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"
import { startFakeSmsc } from "./smsc.ts"

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function boundConnector(port: number) {
  const harness = connectorFor(smppOptions(port))
  cleanups.push(() => harness.connector.stop())
  await harness.connector.start()
  await waitFor(() => harness.connector.health().usable, { what: "bind" })
  return harness
}

async function readLine(reader: {
  read(): Promise<{ value?: Uint8Array; done: boolean }>
}): Promise<string> {
  let text = ""
  while (!text.includes("\n")) {
    const { value, done } = await reader.read()
    if (done) break
    text += new TextDecoder().decode(value)
  }
  return text.trim()
}

describe("startFakeSmsc", () => {
  test("keeps counters but no submits when record is false", async () => {
    const smsc = await startFakeSmsc({ record: false, receipts: "auto" })
    cleanups.push(() => smsc.close())
    const { connector, receipts } = await boundConnector(smsc.port)
    await connector.submit(outbound(["one"]))
    await waitFor(() => receipts.length === 1, { what: "receipt" })

    expect(smsc.submits).toEqual([])
    expect(smsc.counters).toMatchObject({ submits: 1, receipts: 1 })
  })

  test("sends a receipt on request, with the id in the base asked for", async () => {
    const smsc = await startFakeSmsc({ idFormat: "decimal" })
    cleanups.push(() => smsc.close())
    const { connector, receipts } = await boundConnector(smsc.port)
    const outcome = await connector.submit(outbound(["one"]))
    const id = outcome.parts[0]?.ok ? outcome.parts[0].carrierId : ""

    expect(smsc.sendReceipt(id, "EXPIRED", { idFormat: "hex", tlvs: false })).toBe(true)
    await waitFor(() => receipts.length === 1, { what: "receipt" })
    expect(receipts[0]).toMatchObject({
      carrierId: Number(id).toString(16).toUpperCase(),
      state: "expired",
    })
  })

  test("answers ESME_RTHROTTLED above throttleAbove submits per second", async () => {
    const smsc = await startFakeSmsc({ throttleAbove: 2 })
    cleanups.push(() => smsc.close())
    const { connector } = await boundConnector(smsc.port)
    const outcomes = await Promise.all(
      [1, 2, 3, 4].map((i) => connector.submit(outbound([`${i}`]))),
    )
    const codes = outcomes.map((o) => (o.parts[0]?.ok ? "ok" : o.parts[0]?.error.code))
    // Four submits may straddle a second boundary; at least two pass, never all four.
    expect(codes.filter((c) => c === "ok").length).toBeGreaterThanOrEqual(2)
    expect(codes).toContain("ESME_RTHROTTLED")
  })
})

describe("smsc-main", () => {
  test("prints its port, then its counters on SIGTERM, and stamps each submit_sm", async () => {
    await using dir = tempDir("signalbox-smsc-")
    const stamps = join(dir.path, "submits.tsv")
    const args = ["--port", "0", "--receipts", "auto", "--stamps", stamps]
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "smsc-main.ts"), ...args], {
      stdout: "pipe",
      stderr: "inherit",
    })
    cleanups.push(() => {
      if (child.exitCode === null) child.kill("SIGKILL")
    })
    const reader = child.stdout.getReader()
    const { port } = JSON.parse(await readLine(reader)) as { port: number }
    expect(port).toBeGreaterThan(0)

    const { connector, receipts } = await boundConnector(port)
    await Promise.all([1, 2, 3].map((i) => connector.submit(outbound([`message ${i}`]))))
    await waitFor(() => receipts.length === 3, { what: "receipts" })
    await connector.stop()

    child.kill("SIGTERM")
    expect(JSON.parse(await readLine(reader))).toEqual({ submits: 3, receipts: 3 })
    expect(await child.exited).toBe(0)
    const lines = (await Bun.file(stamps).text()).trim().split("\n")
    expect(lines).toHaveLength(3)
    for (const line of lines) expect(line).toMatch(/^4915112345678\t\d+\.\d{3}$/)
  })
})
