import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import { outboundMessage } from "../../test/support/outbound-message.ts"
import type { OutboundMessage } from "../connectors/connector.ts"
import { DATA_SM, DELIVER_SM } from "./command-ids.ts"
import { deliverRespFrame, readSubmitResp, submitSmFrame } from "./hot-frames.ts"
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
