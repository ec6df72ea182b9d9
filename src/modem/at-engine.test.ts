import { describe, expect, test } from "bun:test"
import { silentLogger } from "../lib/logger.ts"
import { type AtCommand, AtEngine, responsePrefix } from "./at-engine.ts"
import { AtError } from "./at-errors.ts"
import type { Urc } from "./at-framer.ts"

const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1")

/** An engine whose writes are recorded; the test plays the modem by feeding bytes. */
function rig(options: { timeoutMs?: number; maxTimeouts?: number } = {}) {
  const writes: string[] = []
  const urcs: Urc[] = []
  let unresponsive = 0
  const engine = new AtEngine(
    (data) => writes.push(data),
    {
      commandTimeoutMs: options.timeoutMs ?? 1_000,
      logger: silentLogger,
      maxConsecutiveTimeouts: options.maxTimeouts,
    },
    { urc: (urc) => urcs.push(urc), unresponsive: () => unresponsive++ },
  )
  const feed = (text: string) => engine.feed(bytes(text))
  return { engine, writes, urcs, feed, unresponsive: () => unresponsive }
}

async function rejection(promise: Promise<unknown>): Promise<AtError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof AtError) return error
    throw error
  }
  throw new Error("expected a rejection")
}

describe("AtEngine", () => {
  test("writes one command at a time and resolves each with its lines", async () => {
    const { engine, writes, feed } = rig()
    const csq = engine.run({ command: "AT+CSQ" })
    const cops = engine.run({ command: "AT+COPS?" })
    expect(writes).toEqual(["AT+CSQ\r"])
    feed("\r\n+CSQ: 18,99\r\n\r\nOK\r\n")
    expect(await csq).toEqual({ lines: ["+CSQ: 18,99"] })
    expect(writes).toEqual(["AT+CSQ\r", "AT+COPS?\r"])
    feed('\r\n+COPS: 0,0,"Vodafone",2\r\n\r\nOK\r\n')
    expect(await cops).toEqual({ lines: ['+COPS: 0,0,"Vodafone",2'] })
  })

  test("sends the PDU and Ctrl-Z only after the > prompt (+CMGS two-step)", async () => {
    const { engine, writes, feed } = rig()
    const send = engine.run({
      command: "AT+CMGS=18",
      pdu: "0021010B917777777777F7000005E8329BFD06",
    })
    expect(writes).toEqual(["AT+CMGS=18\r"])
    feed("\r\n> ")
    expect(writes).toEqual(["AT+CMGS=18\r", "0021010B917777777777F7000005E8329BFD06\x1a"])
    // moteus/lua-lluv-gsmmodem: some modems answer "+CMGS: 40," with a trailing comma.
    feed("\r\n+CMGS: 40,\r\n\r\nOK\r\n")
    expect(await send).toEqual({ lines: ["+CMGS: 40,"] })
  })

  test("rejects with the +CMS ERROR number and its retry class", async () => {
    const { engine, feed } = rig()
    const temporary = engine.run({ command: "AT+CMGS=18", pdu: "00" })
    feed("\r\n> ")
    feed("\r\n+CMS ERROR: 331\r\n")
    const error = await rejection(temporary)
    expect([error.kind, error.code, error.temporary]).toEqual(["cms", 331, true])

    const permanent = engine.run({ command: "AT+CMGS=18", pdu: "00" })
    feed("\r\n+CMS ERROR: 1\r\n")
    const refused = await rejection(permanent)
    expect([refused.kind, refused.code, refused.temporary]).toEqual(["cms", 1, false])
  })

  test("rejects a plain ERROR and a +CME ERROR", async () => {
    const { engine, feed } = rig()
    const plain = engine.run({ command: "AT+CNMI=2,1,0,1,0" })
    feed("\r\nERROR\r\n")
    expect((await rejection(plain)).kind).toBe("error")
    const cme = engine.run({ command: "AT+CPIN?" })
    feed("\r\n+CME ERROR: 10\r\n")
    const error = await rejection(cme)
    expect([error.kind, error.code]).toEqual(["cme", 10])
  })

  test("dispatches URCs that arrive inside a response and keeps them out of its lines", async () => {
    const { engine, urcs, feed } = rig()
    const list = engine.run({ command: "AT+CMGL=4" })
    feed('\r\n+CMGL: 0,1,,5\r\n+CMTI: "SM",4\r\n0000000000\r\n+CREG: 1\r\nOK\r\n')
    expect(await list).toEqual({ lines: ["+CMGL: 0,1,,5", "0000000000"] })
    expect(urcs).toEqual([
      { kind: "cmti", storage: "SM", index: 4 },
      { kind: "creg", stat: 1 },
    ])
  })

  test("gives the same answer for a response split at every position", async () => {
    const answer = '\r\n+CPMS: 3,30,3,30,3,30\r\n+CMTI: "SM",7\r\n\r\nOK\r\n'
    for (let at = 0; at <= answer.length; at++) {
      const { engine, urcs, feed } = rig()
      const result = engine.run({ command: 'AT+CPMS="SM","SM","SM"' })
      feed(answer.slice(0, at))
      feed(answer.slice(at))
      expect(await result).toEqual({ lines: ["+CPMS: 3,30,3,30,3,30"] })
      expect(urcs).toEqual([{ kind: "cmti", storage: "SM", index: 7 }])
    }
  })

  test("times out, then resynchronises before the next command and drops the late answer", async () => {
    const { engine, writes, feed } = rig({ timeoutMs: 30 })
    const lost = engine.run({ command: "AT+COPS?" })
    const next = engine.run({ command: "AT+CNUM" })
    expect((await rejection(lost)).kind).toBe("timeout")
    // The probe goes out before the queued command.
    expect(writes).toEqual(["AT+COPS?\r", "AT+CSQ\r"])
    // The abandoned command answers late: its OK must not complete anything.
    feed('\r\n+COPS: 0,0,"Late",2\r\n\r\nOK\r\n')
    expect(writes).toEqual(["AT+COPS?\r", "AT+CSQ\r"])
    feed("\r\n+CSQ: 10,99\r\n\r\nOK\r\n")
    expect(writes).toEqual(["AT+COPS?\r", "AT+CSQ\r", "AT+CNUM\r"])
    feed('\r\n+CNUM: "","+15550001111",145\r\n\r\nOK\r\n')
    expect(await next).toEqual({ lines: ['+CNUM: "","+15550001111",145'] })
    expect(engine.stats.staleFinals).toBe(1)
  })

  test("probes with AT+CMEE? when the lost command was +CSQ itself", async () => {
    const { engine, writes } = rig({ timeoutMs: 20 })
    expect((await rejection(engine.run({ command: "AT+CSQ" }))).kind).toBe("timeout")
    expect(writes).toEqual(["AT+CSQ\r", "AT+CMEE?\r"])
    engine.close("stopped", "test over")
  })

  test("cancels PDU input with ESC when +CMGS times out", async () => {
    const { engine, writes, feed } = rig({ timeoutMs: 20 })
    const send = engine.run({ command: "AT+CMGS=5", pdu: "0011223344", pduTimeoutMs: 20 })
    feed("> ")
    expect((await rejection(send)).kind).toBe("timeout")
    expect(writes.slice(0, 3)).toEqual(["AT+CMGS=5\r", "0011223344\x1a", "\x1b"])
    engine.close("stopped", "test over")
  })

  test("closes itself and reports the modem unresponsive after consecutive timeouts", async () => {
    const { engine, unresponsive } = rig({ timeoutMs: 10, maxTimeouts: 3 })
    const first = engine.run({ command: "AT+CSQ" })
    const queued = engine.run({ command: "AT+CREG?" })
    expect((await rejection(first)).kind).toBe("timeout")
    // Two probes time out as well; the queued command is then failed, not left hanging.
    expect((await rejection(queued)).kind).toBe("timeout")
    expect(unresponsive()).toBe(1)
    expect(engine.isClosed).toBe(true)
    expect((await rejection(engine.run({ command: "AT" }))).kind).toBe("timeout")
  })

  test("close() rejects the command in flight and the queue", async () => {
    const { engine } = rig()
    const a = engine.run({ command: "AT+CSQ" })
    const b = engine.run({ command: "AT+COPS?" })
    engine.close("device_lost", "reader exited")
    expect((await rejection(a)).kind).toBe("device_lost")
    expect((await rejection(b)).kind).toBe("device_lost")
    expect((await rejection(engine.run({ command: "AT" }))).kind).toBe("device_lost")
  })

  test("counts stray lines and finals outside any command", () => {
    const { engine, feed } = rig()
    feed("\r\nOK\r\n\r\nhello\r\n> ")
    expect([engine.stats.strayFinals, engine.stats.strayLines, engine.stats.strayPrompts]).toEqual([
      1, 1, 1,
    ])
  })

  test("masks a command in errors with logAs", async () => {
    const { engine, feed } = rig()
    const pin = engine.run({ command: 'AT+CPIN="1234"', logAs: 'AT+CPIN="****"' })
    feed("\r\n+CME ERROR: 16\r\n")
    const error = await rejection(pin)
    expect(error.message).toContain('AT+CPIN="****"')
    expect(error.message).not.toContain("1234")
  })

  test.each([
    [{ command: "AT+CSQ" }, "+CSQ"],
    [{ command: 'AT+CPMS="SM"' }, "+CPMS"],
    [{ command: "AT^SYSINFO" }, "^SYSINFO"],
    [{ command: "ATE0" }, null],
    [{ command: "AT+CMGS=23", expect: "+cmgs" }, "+CMGS"],
  ] as [AtCommand, string | null][])("derives the response prefix of %j", (command, prefix) => {
    expect(responsePrefix(command)).toBe(prefix)
  })
})
