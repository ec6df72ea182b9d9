import { describe, expect, test } from "bun:test"
import type { MoConcat } from "./mo-pdu.ts"
import { moSetKey } from "./mo-reassembly.ts"

describe("moSetKey", () => {
  const from = "+4915112345678"
  const key = (over: { from?: string; to?: string } & Partial<MoConcat> = {}) =>
    moSetKey(
      { from: over.from ?? from, to: over.to ?? "12345" },
      { scheme: "udh8", reference: 7, total: 2, sequence: 1, ...over },
    )

  test("is the same for every part of a set, whatever its sequence", () => {
    expect(key({ sequence: 2 })).toBe(key())
  })

  test.each([
    ["source", { from: "+4917000000000" }],
    ["destination", { to: "54321" }],
    ["reference", { reference: 8 }],
    ["total", { total: 3 }],
    ["scheme: SAR", { scheme: "sar" as const }],
    ["scheme: 16-bit UDH", { scheme: "udh16" as const }],
  ])("keeps sets apart that differ only in %s", (_, over) => {
    expect(key(over)).not.toBe(key())
  })

  test("cannot be made to meet by an address that contains the separator", () => {
    expect(key({ from: 'a","b', to: "c" })).not.toBe(key({ from: "a", to: 'b","c' }))
  })
})
