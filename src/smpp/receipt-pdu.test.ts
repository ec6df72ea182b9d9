import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import { isReceipt, parseReceiptPdu } from "./receipt-pdu.ts"

/** A deliver_sm as the library hands it over after parsing it from the wire. */
function deliverSm(fields: Record<string, unknown>) {
  const wire = new smpp.PDU("deliver_sm", { sequence_number: 7, esm_class: 0x04, ...fields })
  return new smpp.PDU(wire.toBuffer())
}

// SMPP 3.4 Appendix B.
const TEXT =
  "id:0A1B2C3D sub:001 dlvrd:001 submit date:2405011230 done date:2405011231 stat:DELIVRD err:000 text:Hello"

describe("isReceipt", () => {
  // SMPP 3.4 §5.2.12 deliver_sm message types.
  test.each([
    [0x04, true],
    [0x44, true],
    [0x20, true],
    [0x00, false],
    [0x40, false],
    [0x08, false],
    [0x10, false],
  ])("esm_class %i is a receipt: %p", (esmClass, expected) => {
    expect(isReceipt(esmClass)).toBe(expected)
  })
})

describe("parseReceiptPdu", () => {
  test("reads an Appendix B text receipt", () => {
    const receipt = parseReceiptPdu(deliverSm({ short_message: Buffer.from(TEXT) }), "c1")
    expect(receipt).toEqual({
      connectorId: "c1",
      carrierId: "0A1B2C3D",
      state: "delivered",
      stat: "DELIVRD",
      error: "000",
      doneAt: Date.UTC(2024, 4, 1, 12, 31),
      raw: TEXT,
    })
  })

  test("prefers receipted_message_id and message_state to the text", () => {
    const pdu = deliverSm({
      short_message: Buffer.from(TEXT),
      receipted_message_id: "169552957",
      message_state: 5,
    })
    expect(parseReceiptPdu(pdu, "c1")).toMatchObject({
      carrierId: "169552957",
      state: "failed",
      stat: "UNDELIV",
    })
  })

  test("reads a receipt that has only TLVs", () => {
    const pdu = deliverSm({
      short_message: Buffer.alloc(0),
      receipted_message_id: "abc-1",
      message_state: 3,
      network_error_code: Buffer.of(3, 0, 34),
    })
    expect(parseReceiptPdu(pdu, "c1")).toMatchObject({
      carrierId: "abc-1",
      state: "expired",
      stat: "EXPIRED",
      error: "GSM:34",
      doneAt: null,
      raw: "",
    })
  })

  test("reads the text from message_payload when short_message is empty", () => {
    const pdu = deliverSm({ short_message: Buffer.alloc(0), message_payload: Buffer.from(TEXT) })
    expect(parseReceiptPdu(pdu, "c1")?.carrierId).toBe("0A1B2C3D")
  })

  test("keeps ASCII ids intact on data_coding 0 where GSM 03.38 would change them", () => {
    const text = "id:ab_12$x stat:REJECTD err:006"
    const receipt = parseReceiptPdu(
      deliverSm({ data_coding: 0, short_message: Buffer.from(text) }),
      "c1",
    )
    expect(receipt).toMatchObject({ carrierId: "ab_12$x", state: "failed", raw: text })
  })

  test("reads a UCS-2 receipt", () => {
    const utf16 = Buffer.from(TEXT, "utf16le").swap16()
    const receipt = parseReceiptPdu(deliverSm({ data_coding: 8, short_message: utf16 }), "c1")
    expect(receipt?.carrierId).toBe("0A1B2C3D")
  })

  test("returns null when there is no id or no state", () => {
    expect(parseReceiptPdu(deliverSm({ short_message: Buffer.from("hello") }), "c1")).toBeNull()
    expect(
      parseReceiptPdu(deliverSm({ short_message: Buffer.from("stat:DELIVRD err:000") }), "c1"),
    ).toBeNull()
  })
})
