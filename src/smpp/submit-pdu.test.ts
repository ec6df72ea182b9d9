import { describe, expect, test } from "bun:test"
import { outboundMessage } from "../../test/support/outbound-message.ts"
import type { OutboundMessage } from "../connectors/connector.ts"
import {
  buildSubmitSm,
  destinationAddress,
  type SubmitOptions,
  sourceAddress,
} from "./submit-pdu.ts"

const AUTO = { source_ton: -1, source_npi: -1 }
const OPTIONS: SubmitOptions = { ...AUTO, default_encoding: "gsm7", registered_delivery: true }

const message = outboundMessage

function build(m: OutboundMessage, options: SubmitOptions = OPTIONS, partIndex = 0) {
  const result = buildSubmitSm(
    m,
    m.parts[partIndex]!,
    sourceAddress(m.from, options),
    destinationAddress(m.to),
    options,
  )
  if (!result.ok) throw new Error(result.error.message)
  return result
}

describe("sourceAddress", () => {
  // SMPP 3.4 §5.2.5 TON / §5.2.6 NPI.
  test.each([
    ["Shop", { ton: 5, npi: 0, addr: "Shop" }],
    ["My Shop 24", { ton: 5, npi: 0, addr: "My Shop 24" }],
    ["+4915112345678", { ton: 1, npi: 1, addr: "4915112345678" }],
    ["+123", { ton: 1, npi: 1, addr: "123" }],
    ["4915112345678", { ton: 1, npi: 1, addr: "4915112345678" }],
    ["12345678", { ton: 1, npi: 1, addr: "12345678" }],
    ["1234567", { ton: 3, npi: 0, addr: "1234567" }],
    ["7777", { ton: 3, npi: 0, addr: "7777" }],
    [null, { ton: 0, npi: 0, addr: "" }],
  ] as const)("maps %p to TON/NPI", (from, expected) => {
    expect(sourceAddress(from, AUTO)).toEqual(expected)
  })

  test("keeps configured source_ton and source_npi over the automatic choice", () => {
    expect(sourceAddress("Shop", { source_ton: 0, source_npi: 1 })).toEqual({
      ton: 0,
      npi: 1,
      addr: "Shop",
    })
    expect(sourceAddress("+4915112345678", { source_ton: 2, source_npi: -1 })).toEqual({
      ton: 2,
      npi: 1,
      addr: "4915112345678",
    })
  })
})

describe("destinationAddress", () => {
  test("sends E.164 as international digits without the plus", () => {
    expect(destinationAddress("+201001234567")).toEqual({ ton: 1, npi: 1, addr: "201001234567" })
  })
})

describe("buildSubmitSm", () => {
  test("encodes GSM-7 as unpacked septets with data_coding 0", () => {
    const { fields, replaced } = build(message({ parts: [{ index: 0, text: "€1 @home" }] }))
    expect(fields.data_coding).toBe(0)
    expect(fields.esm_class).toBe(0)
    expect(replaced).toBe(0)
    // TS 23.038 §6.2.1.1: € is ESC 0x65; @ is 0x00.
    expect([...fields.short_message]).toEqual([
      0x1b, 0x65, 0x31, 0x20, 0x00, 0x68, 0x6f, 0x6d, 0x65,
    ])
  })

  test("encodes data_coding 0 in the carrier's default alphabet and counts replacements", () => {
    const options: SubmitOptions = { ...OPTIONS, default_encoding: "latin1" }
    const { fields, replaced } = build(message({ parts: [{ index: 0, text: "é€" }] }), options)
    expect(fields.data_coding).toBe(0)
    expect([...fields.short_message]).toEqual([0xe9, 0x3f])
    expect(replaced).toBe(1)
  })

  test("encodes UCS-2 as UTF-16BE with data_coding 8", () => {
    const { fields } = build(message({ encoding: "ucs2", parts: [{ index: 0, text: "Ж😀" }] }))
    expect(fields.data_coding).toBe(8)
    expect([...fields.short_message]).toEqual([0x04, 0x16, 0xd8, 0x3d, 0xde, 0x00])
  })

  test("prefixes each part of a long message with a concatenation UDH and sets UDHI", () => {
    const long = message({
      partCount: 3,
      reference: 200,
      parts: [
        { index: 0, text: "a" },
        { index: 1, text: "b" },
        { index: 2, text: "c" },
      ],
    })
    const second = build(long, OPTIONS, 1).fields
    // TS 23.040 §9.2.3.24.1: UDHL 5, IEI 0, IEDL 3, reference, total, sequence.
    expect([...second.short_message]).toEqual([0x05, 0x00, 0x03, 200, 3, 2, 0x62])
    expect(second.esm_class).toBe(0x40)
    expect(second.registered_delivery).toBe(1)
  })

  test("asks for a receipt only when both the message and the connector want one", () => {
    expect(build(message({ requestReceipt: false })).fields.registered_delivery).toBe(0)
    const off: SubmitOptions = { ...OPTIONS, registered_delivery: false }
    expect(build(message(), off).fields.registered_delivery).toBe(0)
    expect(build(message()).fields.registered_delivery).toBe(1)
  })

  test("fails a part that does not fit in short_message as permanent", () => {
    const m = message({ encoding: "ucs2", parts: [{ index: 0, text: "x".repeat(128) }] })
    const result = buildSubmitSm(
      m,
      m.parts[0]!,
      sourceAddress("a", AUTO),
      destinationAddress("+1"),
      OPTIONS,
    )
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error).toMatchObject({ code: "invalid_message", temporary: false })
  })
})
