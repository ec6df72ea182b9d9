import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import { shortMessageOctets } from "./short-message.ts"

/** Encodes a deliver_sm with these exact octets and parses it back with the library. */
function roundTrip(fields: Record<string, unknown>) {
  const wire = new smpp.PDU("deliver_sm", { sequence_number: 1, ...fields }).toBuffer()
  return new smpp.PDU(wire)
}

const SEVEN_BIT = Uint8Array.from({ length: 128 }, (_, i) => i)
// ESC followed by every septet: the extension table (TS 23.038 §6.2.1.1) and ESC ESC.
const ESCAPES = Uint8Array.from({ length: 256 }, (_, i) => (i % 2 === 0 ? 0x1b : i >> 1))

describe("shortMessageOctets", () => {
  test.each([
    ["data_coding 0, every septet", 0x00, SEVEN_BIT],
    ["data_coding 0, every escape pair", 0x00, ESCAPES.slice(0, 254)],
    ["data_coding 1 (IA5)", 0x01, SEVEN_BIT],
    ["data_coding 3 (Latin-1)", 0x03, Uint8Array.from({ length: 254 }, (_, i) => i + 1)],
    ["data_coding 8 (UCS-2)", 0x08, Uint8Array.of(0x06, 0x45, 0xd8, 0x3d, 0xde, 0x00, 0x00, 0x41)],
    ["data_coding 4 (8-bit data)", 0x04, Uint8Array.of(0xff, 0x00, 0x80, 0x1b)],
    ["data_coding 0xF0 (class 0, GSM)", 0xf0, SEVEN_BIT],
  ] as const)("gives back the wire octets for %s", (_, dataCoding, octets) => {
    const pdu = roundTrip({ data_coding: dataCoding, short_message: Buffer.from(octets) })
    const result = shortMessageOctets(pdu.short_message, dataCoding)
    expect(result.udh).toBeNull()
    expect([...result.message]).toEqual([...octets])
  })

  test("splits the UDH from the user data when esm_class has UDHI", () => {
    const udh = [0x05, 0x00, 0x03, 0x2a, 0x02, 0x01]
    const body = [0x68, 0x00, 0x1b, 0x65]
    const pdu = roundTrip({
      esm_class: 0x40,
      data_coding: 0,
      short_message: Buffer.from([...udh, ...body]),
    })
    const result = shortMessageOctets(pdu.short_message, 0)
    expect([...(result.udh ?? [])]).toEqual(udh)
    expect([...result.message]).toEqual(body)
  })

  test("reads message_payload the same way", () => {
    const text = Buffer.from("id:1 stat:DELIVRD", "latin1")
    const pdu = roundTrip({ data_coding: 0, short_message: Buffer.alloc(0), message_payload: text })
    expect(Buffer.from(shortMessageOctets(pdu.message_payload, 0).message).toString()).toBe(
      "id:1 stat:DELIVRD",
    )
  })

  test("keeps octets above 0x7F on data_coding 0 and 1, with the library's GSM decode off", () => {
    for (const dataCoding of [0x00, 0x01]) {
      const pdu = roundTrip({ data_coding: dataCoding, short_message: Buffer.of(0x41, 0xe9, 0x42) })
      expect([...shortMessageOctets(pdu.short_message, dataCoding).message]).toEqual([
        0x41, 0xe9, 0x42,
      ])
    }
  })

  test("maps text a GSM-decoding library gave back to its septets", () => {
    // TS 23.038 §6.2.1: "A" 0x41, "{" ESC 0x28, "@" 0x00, "¤" 0x24.
    const result = shortMessageOctets({ message: "A{@¤" }, 0)
    expect([...result.message]).toEqual([0x41, 0x1b, 0x28, 0x00, 0x24])
  })

  test("returns nothing for a missing field", () => {
    expect(shortMessageOctets(undefined, 0)).toEqual({ udh: null, message: new Uint8Array(0) })
  })
})
