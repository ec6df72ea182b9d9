import { describe, expect, test } from "bun:test"
import {
  isRegistered,
  parseCmgl,
  parseCmgr,
  parseCmgs,
  parseCnum,
  parseCops,
  parseCpin,
  parseCpms,
  parseCpmsSupported,
  parseCregQuery,
  parseCsq,
  registrationOf,
} from "./at-responses.ts"

describe("parseCsq", () => {
  test.each([
    ["+CSQ: 0,99", { rssi: 0, dbm: -113 }],
    ["+CSQ: 21,99", { rssi: 21, dbm: -71 }],
    ["+CSQ: 31,0", { rssi: 31, dbm: -51 }],
    // TS 27.007 §8.5: 99 = not known or not detectable.
    ["+CSQ: 99,99", { rssi: null, dbm: null }],
  ])("%s", (line, signal) => {
    expect(parseCsq([line])).toEqual(signal)
  })

  test("returns null without a +CSQ line", () => {
    expect(parseCsq(["garbage"])).toBeNull()
  })
})

describe("registration", () => {
  test.each([
    [["+CREG: 0,1"], 1],
    [['+CREG: 2,5,"00C3","0000A1B2",7'], 5],
    // Some modems leave <n> out of the read response.
    [["+CREG: 2"], 2],
    [["nothing"], null],
  ])("parseCregQuery(%j) = %p", (lines, stat) => {
    expect(parseCregQuery(lines)).toBe(stat)
  })

  test.each([
    [0, "not_registered", false],
    [1, "home", true],
    [2, "searching", false],
    [3, "denied", false],
    [4, "unknown", false],
    [5, "roaming", true],
    [6, "home", true],
    [7, "roaming", true],
    [8, "emergency_only", false],
  ])("stat %p is %s", (stat, name, registered) => {
    expect(registrationOf(stat)).toBe(name as ReturnType<typeof registrationOf>)
    expect(isRegistered(registrationOf(stat))).toBe(registered)
  })
})

describe("other responses", () => {
  test("parseCops returns the operator or null when not registered", () => {
    expect(parseCops(['+COPS: 0,0,"T-Mobile D",7'])).toBe("T-Mobile D")
    expect(parseCops(["+COPS: 0"])).toBeNull()
  })

  test("parseCpin", () => {
    expect(parseCpin(["+CPIN: READY"])).toEqual({ status: "ready", code: "READY" })
    expect(parseCpin(["+CPIN: SIM PIN"])).toEqual({ status: "pin_required", code: "SIM PIN" })
    expect(parseCpin(["+CPIN: SIM PUK"])).toEqual({ status: "puk_required", code: "SIM PUK" })
    expect(parseCpin(['+CPIN: "PH-SIM PIN"'])).toEqual({ status: "other", code: "PH-SIM PIN" })
  })

  test("parseCpms reads the set and the read form", () => {
    expect(parseCpms(["+CPMS: 3,30,3,30,3,30"])).toEqual({ mem1: null, used: 3, total: 30 })
    expect(parseCpms(['+CPMS: "SM",14,50,"SM",14,50,"SM",14,50'])).toEqual({
      mem1: "SM",
      used: 14,
      total: 50,
    })
    expect(parseCpms(['+CPMS: "sr",1,20,"SM",14,50,"SM",14,50'])).toEqual({
      mem1: "SR",
      used: 1,
      total: 20,
    })
  })

  test.each([
    // Telit HE863 (status reports in "SR"), TS 27.005 §3.2.2 test command form.
    [['+CPMS: ("BM","ME","SM","SR"),("ME","SM"),("ME","SM")'], ["BM", "ME", "SM", "SR"]],
    // BenQ M32, smslib mailing list 2010: no "SR".
    [['+CPMS: ("ME","SM"),("ME","SM"),("ME","SM")'], ["ME", "SM"]],
    [['+CPMS: ("sm", "sr"),("sm"),("sm")'], ["SM", "SR"]],
    [['+CPMS: "SM","SM","SM"'], []],
    [[], []],
  ])("parseCpmsSupported(%j) = %j", (lines, mems) => {
    expect(parseCpmsSupported(lines)).toEqual(mems)
  })

  test.each([
    [["+CMGS: 0"], 0],
    [["+CMGS: 255"], 255],
    [["+CMGS: 40,"], 40],
    [['+CMGS: 7,"21/01/01,12:00:00+04"'], 7],
    [["+CMGS: 256"], null],
    [[], null],
  ])("parseCmgs(%j) = %p", (lines, mr) => {
    expect(parseCmgs(lines)).toBe(mr)
  })

  test("parseCnum adds '+' for type 145", () => {
    expect(parseCnum(['+CNUM: "Own","4915112345678",145'])).toBe("+4915112345678")
    expect(parseCnum(['+CNUM: "","+4915112345678",145'])).toBe("+4915112345678")
    expect(parseCnum(['+CNUM: "",""'])).toBeNull()
  })

  test("parseCnum keeps a national number (type 129 or 161) as read", () => {
    expect(parseCnum(['+CNUM: "","0200000001",129'])).toBe("0200000001")
    expect(parseCnum(['+CNUM: "","0200000001",161'])).toBe("0200000001")
  })
})

describe("stored messages", () => {
  const PDU_A = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
  const PDU_B = "06917228195339040B917228214365F700003130805120618005D4F29C2E03"

  test("parseCmgr pairs the header with the PDU line", () => {
    expect(parseCmgr(3, ["+CMGR: 0,,24", PDU_A])).toEqual({
      index: 3,
      stat: 0,
      length: 24,
      pdu: PDU_A,
    })
    expect(parseCmgr(3, ['+CMGR: 1,"Alice",24', PDU_A])?.length).toBe(24)
    expect(parseCmgr(3, [])).toBeNull()
  })

  test("parseCmgl pairs each header with the next hex line and skips a header without one", () => {
    const lines = ["+CMGL: 0,1,,24", PDU_A, "+CMGL: 4,0,,9", "+CMGL: 7,0,,23", "not hex", PDU_B]
    expect(parseCmgl(lines)).toEqual([
      { index: 0, stat: 1, length: 24, pdu: PDU_A },
      { index: 7, stat: 0, length: 23, pdu: PDU_B },
    ])
  })
})
