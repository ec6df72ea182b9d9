import { expect, test } from "bun:test"
import { existsSync } from "node:fs"
import { join } from "node:path"
import type { InboundMessage } from "../../src/connectors/connector.ts"
import { silentLogger } from "../../src/lib/logger.ts"
import { createModemConnector } from "../../src/modem/modem-connector.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"
import { modemOptions, outbound } from "./harness.ts"

test("the simulator runs as its own process and a connector talks to it", async () => {
  await using dir = tempDir("signalbox-modem-main-")
  const device = join(dir.path, "ttyMODEM")
  const sim = Bun.spawn(
    [process.execPath, "test/fakes/modem-main.ts", "--device", device, "--first-mr", "77"],
    {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    },
  )
  const lines: string[] = []
  void (async () => {
    let buffer = ""
    for await (const chunk of sim.stdout) {
      buffer += new TextDecoder().decode(chunk)
      const parts = buffer.split("\n")
      buffer = parts.pop()!
      lines.push(...parts)
    }
  })()
  const inbound: InboundMessage[] = []
  const connector = createModemConnector(modemOptions(device), {
    logger: silentLogger,
    clock: { now: () => Date.now() },
    events: { receipt: async () => {}, inbound: async (message) => void inbound.push(message) },
  })
  try {
    await waitFor(() => lines.some((l) => l.includes('"device"')), { what: "simulator ready" })
    expect(JSON.parse(lines[0]!)).toEqual({ device })
    await connector.start()
    await waitFor(() => connector.health().usable, { what: "connector ready" })

    const outcome = await connector.submit(outbound(["to the separate process"]))
    expect(outcome.parts[0]).toMatchObject({ ok: true, carrierId: "77" })
    await waitFor(() => lines.some((l) => l.includes('"submit"')), { what: "submit printed" })
    expect(JSON.parse(lines.find((l) => l.includes('"submit"'))!)).toMatchObject({
      mr: 77,
      to: "+4915112345678",
      text: "to the separate process",
    })

    sim.stdin.write("sms +4917655554444 typed by hand\n")
    sim.stdin.flush()
    await waitFor(() => inbound.length === 1, { what: "MO from the CLI" })
    expect(inbound[0]).toMatchObject({ from: "+4917655554444", text: "typed by hand" })
  } finally {
    await connector.stop()
    sim.kill("SIGTERM")
    await sim.exited
  }
  expect(existsSync(device)).toBe(false)
})
