import { describe, expect, test } from "bun:test"
import { AtError, cmeErrorClass, cmsErrorClass } from "./at-errors.ts"

describe("cmsErrorClass", () => {
  // TS 24.011 Annex E-2 network and congestion causes, TS 27.005 §3.2.5 network state.
  test.each([
    17, 22, 38, 41, 42, 47, 98, 111, 127, 192, 194, 300, 302, 310, 311, 313, 314, 322, 330, 331,
    332, 500,
  ])("+CMS ERROR: %p is temporary", (code) => {
    expect(cmsErrorClass(code).temporary).toBe(true)
  })

  // TS 24.011 Annex E-2 causes about the destination or subscription, TP-FCS refusals, and a
  // PDU the modem cannot take.
  test.each([
    1, 8, 10, 21, 27, 28, 29, 30, 50, 69, 95, 96, 97, 99, 128, 144, 176, 193, 195, 196, 303, 304,
  ])("+CMS ERROR: %p is permanent", (code) => {
    expect(cmsErrorClass(code).temporary).toBe(false)
  })

  test.each([
    [2, "unlisted"],
    [200, "unlisted"],
    [513, "manufacturer specific"],
  ])("unlisted +CMS ERROR: %p is temporary (%s)", (code, name) => {
    expect(cmsErrorClass(code)).toEqual({ name, temporary: true })
  })

  test("names the known codes", () => {
    expect(cmsErrorClass(331).name).toBe("no network service")
    expect(cmsErrorClass(1).name).toBe("unassigned (unallocated) number")
  })
})

describe("cmeErrorClass", () => {
  test("SIM and network states are temporary, unsupported operations permanent", () => {
    expect(cmeErrorClass(10)).toEqual({ name: "SIM not inserted", temporary: true })
    expect(cmeErrorClass(16).temporary).toBe(true)
    expect(cmeErrorClass(30).temporary).toBe(true)
    expect(cmeErrorClass(4).temporary).toBe(false)
    expect(cmeErrorClass(515).temporary).toBe(true)
  })
})

describe("AtError", () => {
  test("carries kind, code and retry class", () => {
    const error = new AtError("cms", "AT+CMGS=23", 331)
    expect([error.kind, error.code, error.temporary]).toEqual(["cms", 331, true])
    expect(error.message).toBe("AT+CMGS=23: +CMS ERROR: 331 no network service")
    expect(new AtError("cms", "AT+CMGS=23", 1).temporary).toBe(false)
    expect(new AtError("timeout", "AT+CMGS=23").temporary).toBe(true)
    expect(new AtError("device_lost", "AT+CMGS=23").temporary).toBe(true)
  })
})
