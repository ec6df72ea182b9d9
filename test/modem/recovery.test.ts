import { describe, expect, test } from "bun:test"
import { waitFor } from "../support/wait-for.ts"
import { outbound, startRig } from "./harness.ts"

/** `cat` processes reading exactly `device` (not the simulator's own end, `<device>.sim`). */
function readersOf(device: string): string[] {
  const result = Bun.spawnSync(["pgrep", "-af", `^cat ${device}$`])
  return result.stdout
    .toString()
    .split("\n")
    .filter((line) => line.trim() !== "")
}

describe("modem connector recovery", () => {
  test("fails a send whose +CMGS gets no answer as a temporary timeout and carries on", async () => {
    await using rig = await startRig({}, { command_timeout_ms: 150 })
    rig.modem.swallowNext(1, "AT+CMGS")
    const lost = await rig.connector.submit(outbound(["lost in the modem"]))
    expect(lost.parts[0]).toMatchObject({ ok: false, error: { code: "timeout", temporary: true } })
    const next = await rig.connector.submit(outbound(["next one"]))
    expect(next.parts[0]!.ok).toBe(true)
    expect(rig.modem.submits.map((s) => s.decoded.text)).toEqual(["next one"])
    expect(rig.connector.health().usable).toBe(true)
  })

  test("recovers a modem that stopped answering altogether", async () => {
    await using rig = await startRig({}, { command_timeout_ms: 100 })
    rig.modem.setSilent(true)
    await waitFor(() => !rig.connector.health().usable, { what: "unusable" })
    expect(["connecting", "down"]).toContain(rig.connector.health().state)
    await waitFor(() => rig.connector.session.state === "recovering", { what: "recovering" })
    rig.modem.setSilent(false)
    await waitFor(() => rig.connector.health().usable, { what: "usable again" })
    const outcome = await rig.connector.submit(outbound(["after the silence"]))
    expect(outcome.parts[0]!.ok).toBe(true)
  })

  test("goes down when the device is unplugged and comes back when it is replugged", async () => {
    await using rig = await startRig()
    // A send in flight when the cable goes: its +CMGS is never answered.
    rig.modem.swallowNext(1, "AT+CMGS")
    const inFlight = rig.connector.submit(outbound(["cable pulled"]))
    await waitFor(() => rig.modem.commands.some((c) => c.startsWith("AT+CMGS")), {
      what: "+CMGS sent",
    })
    await rig.modem.unplug()

    const lost = await inFlight
    expect(lost.parts[0]).toMatchObject({
      ok: false,
      error: { code: "connection_lost", temporary: true },
    })
    await waitFor(() => rig.connector.health().state === "down", { what: "down" })
    expect(rig.connector.health().usable).toBe(false)
    expect(rig.connector.capacity()).toBe(0)
    expect(rig.connector.health().lastError).toContain("device lost")
    const refused = await rig.connector.submit(outbound(["while unplugged"]))
    expect(refused.parts[0]).toMatchObject({
      ok: false,
      error: { code: "not_bound", temporary: true },
    })
    expect(readersOf(rig.modem.devicePath)).toEqual([])

    // An SMS that reached the SIM while the modem was away is read after the replug.
    rig.modem.receive({ from: "+4917600000020", text: "welcome back" }, false)
    await rig.modem.replug()
    await waitFor(() => rig.connector.health().usable, { what: "usable after replug" })
    const outcome = await rig.connector.submit(outbound(["after the replug"]))
    expect(outcome.parts[0]!.ok).toBe(true)
    await waitFor(() => rig.inbound.length === 1, { what: "SIM read after replug" })
    expect(rig.inbound[0]!.text).toBe("welcome back")
  })

  test("stop() ends the reader process and refuses further sends", async () => {
    await using rig = await startRig()
    expect(readersOf(rig.modem.devicePath)).toHaveLength(1)
    await rig.connector.stop()
    expect(readersOf(rig.modem.devicePath)).toEqual([])
    expect(rig.connector.health().state).toBe("stopped")
    const outcome = await rig.connector.submit(outbound(["too late"]))
    expect(outcome.parts[0]).toMatchObject({
      ok: false,
      error: { code: "stopped", temporary: true },
    })
  })
})
