import { describe, expect, test } from "bun:test"
import pino from "pino"
import { waitFor } from "../support/wait-for.ts"
import { startRig } from "./harness.ts"

const SMS_SETUP = ["AT+CMGF=0", 'AT+CPMS="SM","SM","SM"', "AT+CNMI=2,1,0,1,0"]

describe("modem connector initialisation", () => {
  test("runs the AT sequence in order and reports a bound, usable modem", async () => {
    await using rig = await startRig({
      rssi: 17,
      operator: "Test Net",
      ownNumber: "+4915199998888",
    })
    const { commands } = rig.modem
    expect(commands[0]).toBe("ATE0")
    const at = (command: string) => commands.indexOf(command)
    expect(at("AT+CMEE=1")).toBeGreaterThan(at("ATE0"))
    expect(at("AT+CPIN?")).toBeGreaterThan(at("AT+CMEE=1"))
    for (const command of SMS_SETUP) expect(at(command)).toBeGreaterThan(at("AT+CPIN?"))
    expect(at("AT+CREG?")).toBeGreaterThan(at("AT+CNMI=2,1,0,1,0"))

    const health = rig.connector.health()
    expect(health).toMatchObject({
      id: "modem-1",
      type: "modem",
      state: "bound",
      usable: true,
      lastError: null,
    })
    expect(health.sessions).toEqual({ configured: 1, bound: 1 })
    expect(rig.connector.status()).toBe("bound")
    expect(health.details).toMatchObject({
      device: rig.modem.devicePath,
      signal_rssi: 17,
      signal_dbm: -79,
      operator: "Test Net",
      registration: "home",
      sim: "ready",
      own_number: "+4915199998888",
      status_reports: "cds",
    })
    expect(rig.connector.capacity()).toBeGreaterThan(0)
  })

  test("waits for network registration before it is usable", async () => {
    await using rig = await startRig(
      { registration: 2, registerAfterMs: 300 },
      {},
      { waitReady: false },
    )
    await waitFor(() => rig.modem.commands.includes("AT+CREG?"), { what: "first +CREG?" })
    expect(rig.connector.health()).toMatchObject({ state: "connecting", usable: false })
    expect(rig.connector.status()).toBe("connecting")
    expect(rig.connector.health().details.registration).toBe("searching")
    expect(rig.connector.capacity()).toBe(0)
    await waitFor(() => rig.connector.health().usable, { what: "registered" })
    expect(rig.connector.health().details.registration).toBe("home")
  })

  test("recovers and retries when registration misses its deadline", async () => {
    await using rig = await startRig(
      { registration: 2, registerAfterMs: 600 },
      { registration_timeout_ms: 150 },
      { waitReady: false },
    )
    // The first attempts give up after 150 ms each and reopen the device; the network comes at 600 ms.
    await waitFor(() => rig.connector.session.lastError?.includes("not registered"), {
      what: "registration deadline",
    })
    await waitFor(() => rig.connector.health().usable, { what: "registered on a later attempt" })
  })

  test("enters the SIM PIN once when the SIM asks for it", async () => {
    await using rig = await startRig({ pin: "4711" }, { pin: "4711" })
    expect(rig.modem.commands.filter((c) => c.startsWith("AT+CPIN="))).toEqual(['AT+CPIN="4711"'])
    expect(rig.connector.health().details.sim).toBe("ready")
  })

  test("halts on a wrong PIN after one attempt and never logs the PIN", async () => {
    const logs: string[] = []
    const logger = pino({ level: "trace" }, { write: (line: string) => logs.push(line) })
    await using rig = await startRig({ pin: "4711" }, { pin: "9731" }, { waitReady: false, logger })
    await waitFor(() => rig.connector.session.halted, { what: "halted" })
    const health = rig.connector.health()
    expect(health).toMatchObject({ state: "down", usable: false })
    expect(health.details.sim).toBe("pin_error")
    expect(health.lastError).toContain("refused the PIN")
    expect(rig.modem.commands.filter((c) => c.startsWith("AT+CPIN="))).toHaveLength(1)
    expect(logs.length).toBeGreaterThan(0)
    expect(logs.join("\n")).not.toContain("9731")
    expect(rig.connector.session.state).toBe("closed")
  })

  test("halts without trying when the SIM needs a PIN and none is configured", async () => {
    await using rig = await startRig({ pin: "4711" }, { pin: null }, { waitReady: false })
    await waitFor(() => rig.connector.session.halted, { what: "halted" })
    expect(rig.connector.health().details.sim).toBe("pin_required")
    expect(rig.modem.commands.some((c) => c.startsWith("AT+CPIN="))).toBe(false)
  })

  test("reports an absent SIM and keeps retrying", async () => {
    await using rig = await startRig({ simAbsent: true }, {}, { waitReady: false })
    await waitFor(() => rig.modem.commands.filter((c) => c === "AT+CPIN?").length >= 2, {
      what: "a retry",
    })
    expect(rig.connector.health().details.sim).toBe("absent")
    expect(rig.connector.health().usable).toBe(false)
    expect(rig.connector.session.halted).toBe(false)
  })

  test("falls back to stored status reports (+CDSI) when the modem refuses +CDS routing", async () => {
    await using rig = await startRig({ cnmiDs: [2] })
    expect(rig.modem.commands).toContain("AT+CNMI=2,1,0,2,0")
    expect(rig.connector.health().details.status_reports).toBe("cdsi")
  })

  test("sets the SMSC when one is configured", async () => {
    await using rig = await startRig({}, { smsc: "+4917600000001" })
    expect(rig.modem.commands).toContain('AT+CSCA="+4917600000001",145')
  })
})
