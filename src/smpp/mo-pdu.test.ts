import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import type { DefaultEncoding } from "../codec/charset.ts"
import { assembleMo, decodeMoPdu, type MoPart, moAddress } from "./mo-pdu.ts"

/** An MO as the library hands it over after parsing it from the wire. */
function wire(fields: Record<string, unknown>, command = "deliver_sm") {
  const pdu = new smpp.PDU(command, {
    sequence_number: 9,
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: "4915112345678",
    dest_addr_ton: 3,
    dest_addr_npi: 0,
    destination_addr: "12345",
    esm_class: 0,
    data_coding: 0,
    ...fields,
  })
  return new smpp.PDU(pdu.toBuffer())
}

function part(fields: Record<string, unknown>, defaultEncoding: DefaultEncoding = "gsm7"): MoPart {
  const decoded = decodeMoPdu(wire(fields), defaultEncoding)
  if (!decoded.ok) throw new Error(`refused: ${decoded.reason}`)
  return decoded.part
}

function textOf(fields: Record<string, unknown>, defaultEncoding: DefaultEncoding = "gsm7") {
  const message = assembleMo([part(fields, defaultEncoding)], "c1", 0)
  return [message.text, message.encoding]
}

const bytes = (...octets: number[]) => Buffer.from(octets)

describe("decodeMoPdu text", () => {
  // SMPP 3.4 §5.2.19 data_coding; TS 23.038 §4 for the GSM TP-DCS values SMSCs pass through.
  test.each([
    [
      "dc 0 as GSM 03.38 septets",
      0x00,
      "gsm7",
      bytes(0x48, 0x69, 0x20, 0x00, 0x01, 0x1b, 0x28),
      ["Hi @£{", "gsm7"],
    ],
    ["dc 0 as Latin-1", 0x00, "latin1", Buffer.from("café ½", "latin1"), ["café ½", "latin1"]],
    ["dc 0 as ASCII", 0x00, "ascii", Buffer.from("id_$1"), ["id_$1", "ascii"]],
    [
      "dc 1 IA5, where GSM would turn _ and $ into § and ¤",
      0x01,
      "gsm7",
      Buffer.from("a_b$c"),
      ["a_b$c", "ascii"],
    ],
    ["dc 3 Latin-1", 0x03, "gsm7", Buffer.from("naïve", "latin1"), ["naïve", "latin1"]],
    [
      "dc 8 UCS-2 with a surrogate pair",
      0x08,
      "gsm7",
      Buffer.from("مرحبا 👋", "utf16le").swap16(),
      ["مرحبا 👋", "ucs2"],
    ],
    ["dc 4 octet data as hex", 0x04, "gsm7", bytes(0x01, 0xff, 0x1b), ["01ff1b", "binary"]],
    ["dc 2 octet data as hex", 0x02, "gsm7", bytes(0xca, 0xfe), ["cafe", "binary"]],
    ["dc 0x18 (TS 23.038 class 0 UCS2)", 0x18, "gsm7", bytes(0x00, 0x41), ["A", "ucs2"]],
    ["dc 0xF1 (TS 23.038 class 1, GSM)", 0xf1, "gsm7", bytes(0x41, 0x00), ["A@", "gsm7"]],
    ["dc 0xF6 (TS 23.038 class 2, 8-bit)", 0xf6, "gsm7", bytes(0x7f, 0x80), ["7f80", "binary"]],
    ["dc 6 (Cyrillic, not decoded) as hex", 0x06, "gsm7", bytes(0xb0, 0xb1), ["b0b1", "binary"]],
  ] as const)("reads %s", (_, dataCoding, defaultEncoding, shortMessage, expected) => {
    expect(
      textOf({ data_coding: dataCoding, short_message: shortMessage }, defaultEncoding),
    ).toEqual([...expected])
  })

  test("reads message_payload when short_message is empty (SMPP 3.4 §5.3.2.32)", () => {
    const fields = { short_message: Buffer.alloc(0), message_payload: Buffer.from("long text") }
    expect(textOf(fields)).toEqual(["long text", "gsm7"])
  })

  test("reads a data_sm's message_payload", () => {
    const pdu = wire({ data_coding: 3, message_payload: Buffer.from("olá", "latin1") }, "data_sm")
    const decoded = decodeMoPdu(pdu, "gsm7")
    expect(decoded.ok && assembleMo([decoded.part], "c1", 0).text).toBe("olá")
  })
})

describe("decodeMoPdu concatenation", () => {
  test("reads an 8-bit reference UDH (TS 23.040 §9.2.3.24.1) and strips it", () => {
    const p = part({
      esm_class: 0x40,
      short_message: bytes(0x05, 0x00, 0x03, 0x2a, 0x03, 0x02, 0x48, 0x69),
    })
    expect(p.concat).toEqual({ scheme: "udh8", reference: 0x2a, total: 3, sequence: 2 })
    expect([...p.octets]).toEqual([0x48, 0x69])
  })

  test("reads a 16-bit reference UDH (TS 23.040 §9.2.3.24.8)", () => {
    const p = part({
      esm_class: 0x43,
      short_message: bytes(0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01, 0x41),
    })
    expect(p.concat).toEqual({ scheme: "udh16", reference: 0x1234, total: 2, sequence: 1 })
    expect([...p.octets]).toEqual([0x41])
  })

  test("strips a UDH without a concatenation IE (port addressing) and keeps the part whole", () => {
    const p = part({ esm_class: 0x40, short_message: bytes(0x04, 0x04, 0x02, 0x0b, 0x84, 0x41) })
    expect(p.concat).toBeNull()
    expect([...p.octets]).toEqual([0x41])
  })

  test("reads the SAR TLVs (SMPP 3.4 §5.3.2.22–24)", () => {
    const p = part({
      short_message: Buffer.from("part"),
      sar_msg_ref_num: 0x0102,
      sar_total_segments: 4,
      sar_segment_seqnum: 3,
    })
    expect(p.concat).toEqual({ scheme: "sar", reference: 0x0102, total: 4, sequence: 3 })
  })

  test("treats part 1 of 1 as a whole message", () => {
    const p = part({
      esm_class: 0x40,
      short_message: bytes(0x05, 0x00, 0x03, 0x07, 0x01, 0x01, 0x41),
    })
    expect(p.concat).toBeNull()
  })
})

describe("decodeMoPdu addresses and ids", () => {
  test.each([
    ["international", "4915112345678", 1, "+4915112345678"],
    ["international with +", "+4915112345678", 1, "+4915112345678"],
    ["alphanumeric", "MyBank", 5, "MyBank"],
    ["unknown TON, a full number", "4915112345678", 0, "+4915112345678"],
    ["unknown TON, a short code", "12345", 0, "12345"],
    ["national", "015112345678", 2, "015112345678"],
    ["network specific short code", "12345", 3, "12345"],
    ["letters under unknown TON", "INFO", 0, "INFO"],
  ] as const)("keeps a %s source as %s → %s", (_, address, ton, expected) => {
    expect(moAddress(address, ton)).toBe(expected)
  })

  test.each([
    ["a national source", "0241234567", 2, "+233241234567"],
    ["a national source that already is E.164", "+233241234567", 2, "+233241234567"],
    ["an international source", "233241234567", 1, "+233241234567"],
    ["unknown-TON national digits", "0241234567", 0, "+233241234567"],
    ["unknown-TON digits that are international", "4915112345678", 0, "+4915112345678"],
    ["an unknown-TON short code", "12345", 0, "12345"],
    ["a national number not valid in GH", "0991234567", 2, "0991234567"],
    ["a national source with letters", "024INFO", 2, "024INFO"],
    ["an alphanumeric sender of digits", "0241234567", 5, "0241234567"],
    ["an alphanumeric sender", "MyBank", 5, "MyBank"],
    ["a network-specific number", "0241234567", 3, "0241234567"],
  ] as const)("with country GH reads %s (%p, TON %p) as %p", (_, address, ton, expected) => {
    expect(moAddress(address, ton, "GH")).toBe(expected)
  })

  test("keeps national addresses as sent when the connector has no country", () => {
    expect(moAddress("0241234567", 2)).toBe("0241234567")
    expect(moAddress("0241234567", 2, "")).toBe("0241234567")
    expect(moAddress("0241234567", 0)).toBe("0241234567")
  })

  test("reads a national source and destination as E.164 with a country", () => {
    const wired = wire({
      source_addr_ton: 2,
      source_addr: "0241234567",
      dest_addr_ton: 2,
      destination_addr: "0200000001",
    })
    const decoded = decodeMoPdu(wired, "gsm7", "GH")
    expect(decoded.ok && [decoded.part.from, decoded.part.to]).toEqual([
      "+233241234567",
      "+233200000001",
    ])
    const plain = decodeMoPdu(wired, "gsm7")
    expect(plain.ok && [plain.part.from, plain.part.to]).toEqual(["0241234567", "0200000001"])
  })

  test("gives no destination as null and the receipted_message_id as externalId", () => {
    const p = part({ destination_addr: "", receipted_message_id: "MO-77" })
    const message = assembleMo([p], "c1", 1234)
    expect(message).toEqual({
      connectorId: "c1",
      from: "+4915112345678",
      to: null,
      text: "",
      encoding: "gsm7",
      parts: 1,
      sentAt: null,
      receivedAt: 1234,
      externalId: "MO-77",
    })
  })
})

describe("decodeMoPdu refusals (statuses as Kannel's pdu_to_msg answers them)", () => {
  test.each([
    ["an empty source", { source_addr: "" }, 0x0a],
    ["an international source that is not digits", { source_addr: "49-151-x" }, 0x0a],
    [
      "an international destination that is not digits",
      { dest_addr_ton: 1, destination_addr: "abc" },
      0x0b,
    ],
    ["UDHI with no user data", { esm_class: 0x40, short_message: Buffer.alloc(0) }, 0x43],
    [
      "a UDH longer than the user data",
      { esm_class: 0x40, short_message: bytes(0x0a, 0x00, 0x03) },
      0x43,
    ],
    ["two of the three SAR TLVs", { sar_msg_ref_num: 1, sar_total_segments: 2 }, 0xc3],
    ["SAR segment 0", { sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 0 }, 0xc4],
    [
      "SAR segment 3 of 2",
      { sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 3 },
      0xc4,
    ],
    [
      "SAR TLVs with UDHI",
      {
        esm_class: 0x40,
        short_message: bytes(0x05, 0x00, 0x03, 0x01, 0x02, 0x01, 0x41),
        sar_msg_ref_num: 1,
        sar_total_segments: 2,
        sar_segment_seqnum: 1,
      },
      0xc4,
    ],
  ] as const)("refuses %s", (_, fields, status) => {
    const decoded = decodeMoPdu(wire(fields), "gsm7")
    expect(decoded.ok).toBe(false)
    expect(!decoded.ok && decoded.status).toBe(status)
  })
})

describe("assembleMo", () => {
  const base = part({ short_message: Buffer.from("x") })
  const with_ = (octets: number[], extra: Partial<MoPart> = {}): MoPart => ({
    ...base,
    octets: Uint8Array.from(octets),
    ...extra,
  })

  test("decodes GSM parts as one octet string, so an escape cut at the boundary survives", () => {
    // TS 23.038 §6.2.1.1: ESC 0x65 is "€".
    const message = assembleMo([with_([0x41, 0x1b]), with_([0x65, 0x42])], "c1", 0)
    expect(message.text).toBe("A€B")
    expect(message.parts).toBe(2)
  })

  test("joins a UCS-2 surrogate pair cut at the boundary", () => {
    const ucs2 = { encoding: "ucs2", dataCoding: 8 } as const
    const message = assembleMo(
      [with_([0x00, 0x41, 0xd8, 0x3d], ucs2), with_([0xde, 0x00], ucs2)],
      "c1",
      0,
    )
    expect(message.text).toBe("A😀")
  })

  test("writes octet data as the hex of all parts", () => {
    const binary = { encoding: "binary", dataCoding: 4 } as const
    expect(assembleMo([with_([0x01], binary), with_([0xab], binary)], "c1", 0).text).toBe("01ab")
  })

  test("decodes each part by its own encoding when they differ, and joins the SMSC ids", () => {
    const message = assembleMo(
      [
        with_([0x48, 0x69], { externalId: "a" }),
        with_([0x00, 0xe9], { encoding: "ucs2", dataCoding: 8, externalId: "b" }),
      ],
      "c1",
      0,
    )
    expect(message).toMatchObject({ text: "Hié", encoding: "gsm7", externalId: "a,b" })
  })
})
