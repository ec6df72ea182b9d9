import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import { receiptWithoutNul } from "../../test/fakes/smsc-pdus.ts"
import { outboundMessage } from "../../test/support/outbound-message.ts"
import type { OutboundMessage } from "../connectors/connector.ts"
import { DATA_SM, DELIVER_SM } from "./command-ids.ts"
import {
  deliverRespFrame,
  genericNackFrame,
  readReceiptDeliverSm,
  readSubmitResp,
  submitSmFrame,
} from "./hot-frames.ts"
import "./library-tlvs.ts"
import { parseReceiptPdu } from "./receipt-pdu.ts"
import {
  buildSubmitSm,
  destinationAddress,
  type SubmitOptions,
  type SubmitSmFields,
  sourceAddress,
} from "./submit-pdu.ts"

const OPTIONS: SubmitOptions = {
  source_ton: -1,
  source_npi: -1,
  default_encoding: "gsm7",
  registered_delivery: true,
}

function fields(m: Partial<OutboundMessage>, partIndex = 0, options = OPTIONS): SubmitSmFields {
  const message = outboundMessage(m)
  const built = buildSubmitSm(
    message,
    message.parts[partIndex]!,
    sourceAddress(message.from, options),
    destinationAddress(message.to),
    options,
  )
  if (!built.ok) throw new Error(built.error.message)
  return built.fields
}

/** What npm `smpp` writes for the same submit_sm. */
function libraryBytes(f: SubmitSmFields, sequence: number): Buffer {
  const pdu = new smpp.PDU("submit_sm", { ...f } as Record<string, unknown>)
  pdu.sequence_number = sequence
  return pdu.toBuffer()
}

const longText = "x".repeat(200)

describe("submitSmFrame", () => {
  const cases: [string, SubmitSmFields][] = [
    ["GSM-7, alphanumeric sender, receipt", fields({})],
    ["international sender", fields({ from: "+4930123456" })],
    ["short code sender", fields({ from: "12345" })],
    ["no sender", fields({ from: null })],
    ["no receipt", fields({ requestReceipt: false })],
    ["UCS-2 with an emoji", fields({ encoding: "ucs2", parts: [{ index: 0, text: "سلام 👋" }] })],
    [
      "part 2/3 with a concatenation UDH",
      fields(
        {
          partCount: 3,
          parts: [
            { index: 0, text: "a".repeat(153) },
            { index: 1, text: "b".repeat(153) },
            { index: 2, text: "c" },
          ],
        },
        1,
      ),
    ],
    ["a 200-octet body", fields({ parts: [{ index: 0, text: longText }] })],
    ["an empty body", fields({ parts: [{ index: 0, text: "" }] })],
  ]
  for (const [name, f] of cases) {
    test(`${name}: the same octets as npm smpp`, () => {
      const mine = submitSmFrame(f, 0x1234)
      expect(mine.toString("hex")).toBe(libraryBytes(f, 0x1234).toString("hex"))
    })
  }

  test("the library reads every field back", () => {
    const f = fields({
      from: "+4930123456",
      encoding: "ucs2",
      parts: [{ index: 0, text: "Ωmega" }],
    })
    const pdu = new smpp.PDU(submitSmFrame(f, 0x7fffffff))
    expect(pdu.command).toBe("submit_sm")
    expect(pdu.sequence_number).toBe(0x7fffffff)
    expect(pdu.source_addr).toBe("4930123456")
    expect(pdu.destination_addr).toBe("4915112345678")
    expect(pdu.data_coding).toBe(8)
    expect(pdu.registered_delivery).toBe(1)
  })
})

describe("deliverRespFrame", () => {
  for (const [name, command, id] of [
    ["deliver_sm", DELIVER_SM, "deliver_sm"],
    ["data_sm", DATA_SM, "data_sm"],
  ] as const) {
    for (const status of [0, 0x08, 0x64]) {
      test(`${name}_resp, status ${status}: the same octets as npm smpp`, () => {
        const request = new smpp.PDU(id, {})
        request.sequence_number = 77
        const lib = request.response(status === 0 ? undefined : { command_status: status })
        expect(deliverRespFrame(command, status, 77).toString("hex")).toBe(
          lib.toBuffer().toString("hex"),
        )
      })
    }
  }

  test("refuses a command it has no fast form for", () => {
    expect(() => deliverRespFrame(0x15, 0, 1)).toThrow("no fast response")
  })
})

describe("readSubmitResp", () => {
  for (const [name, status, messageId] of [
    ["a hex id", 0, "1a2b3c"],
    ["a long decimal id", 0, "123456789012345678901234567890"],
    ["an error with an empty id", 0x58, ""],
  ] as const) {
    test(`${name}: what the library decodes`, () => {
      const pdu = new smpp.PDU("submit_sm_resp", { message_id: messageId, command_status: status })
      pdu.sequence_number = 4242
      const bytes = pdu.toBuffer()
      const lib = new smpp.PDU(bytes)
      expect(readSubmitResp(bytes)).toEqual({
        status: lib.command_status,
        sequence: lib.sequence_number,
        messageId: (lib.message_id as string | undefined) ?? "",
      })
    })
  }

  test("an error answer without a body has an empty id", () => {
    const header = Buffer.alloc(16)
    header.writeUInt32BE(16, 0)
    header.writeUInt32BE(0x80000004, 4)
    header.writeUInt32BE(0x14, 8)
    header.writeUInt32BE(9, 12)
    expect(readSubmitResp(header)).toEqual({ status: 0x14, sequence: 9, messageId: "" })
  })
})

describe("readReceiptDeliverSm", () => {
  const receiptText =
    "id:1a2b3c sub:001 dlvrd:001 submit date:2612041200 done date:2612041201 stat:DELIVRD err:000 text:Hello"
  const cases: [string, Record<string, unknown>][] = [
    [
      "Appendix B text with both TLVs",
      {
        esm_class: 0x04,
        short_message: Buffer.from(receiptText, "latin1"),
        receipted_message_id: "1a2b3c",
        message_state: 2,
      },
    ],
    ["text only", { esm_class: 0x04, short_message: Buffer.from(receiptText, "latin1") }],
    [
      "TLVs only, empty text",
      {
        esm_class: 0x04,
        short_message: Buffer.alloc(0),
        receipted_message_id: "77",
        message_state: 5,
      },
    ],
    [
      "the text in message_payload",
      {
        esm_class: 0x04,
        short_message: Buffer.alloc(0),
        message_payload: Buffer.from(receiptText.replace("DELIVRD", "UNDELIV"), "latin1"),
      },
    ],
    [
      "a network error code",
      {
        esm_class: 0x04,
        short_message: Buffer.from(receiptText.replace("DELIVRD", "REJECTD"), "latin1"),
        network_error_code: Buffer.from([3, 0, 34]),
      },
    ],
    [
      "data_coding 3",
      { esm_class: 0x04, data_coding: 3, short_message: Buffer.from(receiptText, "latin1") },
    ],
    [
      "an intermediate notification",
      {
        esm_class: 0x20,
        short_message: Buffer.from(receiptText.replace("DELIVRD", "ENROUTE"), "latin1"),
      },
    ],
  ]
  for (const [name, fields] of cases) {
    test(`${name}: the receipt the library's decoding gives`, () => {
      const request = new smpp.PDU("deliver_sm", {
        source_addr: "4915112345678",
        destination_addr: "ACME",
        ...fields,
      })
      request.sequence_number = 31
      const bytes = request.toBuffer()
      const raw = readReceiptDeliverSm(bytes)
      expect(raw).not.toBeNull()
      expect(raw!.sequence_number).toBe(31)
      const lib = new smpp.PDU(bytes)
      expect(parseReceiptPdu(raw!, "c")).toEqual(parseReceiptPdu(lib, "c"))
      expect(parseReceiptPdu(raw!, "c")).not.toBeNull()
    })
  }

  test("an MO, or a receipt with a UDH, is left to the library", () => {
    const mo = new smpp.PDU("deliver_sm", { esm_class: 0, short_message: Buffer.from("STOP") })
    expect(readReceiptDeliverSm(mo.toBuffer())).toBeNull()
    const udh = new smpp.PDU("deliver_sm", {
      esm_class: 0x44,
      short_message: Buffer.from([5, 0, 3, 1, 2, 1, 0x41]),
    })
    expect(readReceiptDeliverSm(udh.toBuffer())).toBeNull()
  })

  test("a TLV or field running past the PDU is left to the library's rules", () => {
    const good = new smpp.PDU("deliver_sm", {
      esm_class: 0x04,
      short_message: Buffer.from(receiptText, "latin1"),
      receipted_message_id: "1a2b3c",
    }).toBuffer()
    expect(readReceiptDeliverSm(good)).not.toBeNull()
    // The last TLV claims 200 octets: the library reads the string short, and so decides.
    const longTlv = Buffer.from(good)
    longTlv.writeUInt16BE(200, longTlv.length - 7 - 2)
    expect(readReceiptDeliverSm(longTlv)).toBeNull()
    // A message_state TLV header with no value: the library throws (the session then rebinds).
    const noValue = Buffer.concat([good, Buffer.from([0x04, 0x27, 0x00, 0x01])])
    noValue.writeUInt32BE(noValue.length, 0)
    expect(readReceiptDeliverSm(noValue)).toBeNull()
    expect(() => new smpp.PDU(noValue)).toThrow(RangeError)
    // Cut inside short_message, and a TLV header cut short.
    const cut = Buffer.from(good.subarray(0, 60))
    cut.writeUInt32BE(60, 0)
    expect(readReceiptDeliverSm(cut)).toBeNull()
    const halfHeader = Buffer.concat([good, Buffer.from([0x04])])
    halfHeader.writeUInt32BE(halfHeader.length, 0)
    expect(readReceiptDeliverSm(halfHeader)).toBeNull()
  })
})

describe("receipted_message_id without its NUL (library-tlvs.ts)", () => {
  test("the library reads it within the TLV's length, as the fast reader does", () => {
    for (const command of ["deliver_sm", "data_sm"] as const) {
      // Unpatched, the library read on into the message_state TLV that follows.
      expect(new smpp.PDU(receiptWithoutNul(command, "1a2b3c")).receipted_message_id).toBe("1a2b3c")
    }
  })

  test("a well-formed one reads and writes as before", () => {
    const pdu = new smpp.PDU("deliver_sm", {
      esm_class: 0x04,
      short_message: Buffer.from("id:77 stat:DELIVRD"),
      receipted_message_id: "77",
    })
    const bytes = pdu.toBuffer()
    expect(bytes.includes(Buffer.from([0x00, 0x1e, 0x00, 0x03, 0x37, 0x37, 0x00]))).toBe(true)
    expect(new smpp.PDU(bytes).receipted_message_id).toBe("77")
    expect(parseReceiptPdu(new smpp.PDU(bytes), "c")).toEqual(
      parseReceiptPdu(readReceiptDeliverSm(bytes)!, "c"),
    )
  })
})

describe("genericNackFrame", () => {
  test("the same octets as npm smpp", () => {
    const lib = new smpp.PDU("generic_nack", { command_status: 0x02, sequence_number: 99 })
    expect(genericNackFrame(0x02, 99).toString("hex")).toBe(lib.toBuffer().toString("hex"))
  })
})
