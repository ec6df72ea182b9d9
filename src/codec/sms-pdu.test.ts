import { describe, expect, test } from "bun:test"
import {
  BEELINE_UCS2_16BIT,
  LLUV_STATUS_REPORTS,
  PYGSM_MULTIPART,
  PYGSM_NIHAO,
  PYGSM_YO,
} from "../../test/fixtures/modem/published-pdus.ts"
import { CodecError } from "./codec-error.ts"
import { segmentText } from "./segment.ts"
import {
  decodeSmsPdu,
  encodeSmsSubmit,
  fromHex,
  type SmsDeliver,
  type SmsPdu,
  type SmsStatusReport,
  type SmsSubmit,
} from "./sms-pdu.ts"
import {
  decodeDataCoding,
  decodeRelativeValidity,
  decodeSemiOctets,
  decodeTimeStamp,
  encodeRelativeValidity,
  encodeSemiOctets,
  statusMeaning,
} from "./tpdu-fields.ts"

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (error) {
    return error instanceof CodecError ? error.code : "not a CodecError"
  }
  return undefined
}

function deliver(hex: string, tpduLength?: number): SmsDeliver {
  const pdu = decodeSmsPdu(hex, tpduLength === undefined ? {} : { tpduLength })
  if (pdu.type !== "deliver") throw new Error(`expected deliver, got ${pdu.type}`)
  return pdu
}

function submit(hex: string): SmsSubmit {
  const pdu = decodeSmsPdu(hex)
  if (pdu.type !== "submit") throw new Error(`expected submit, got ${pdu.type}`)
  return pdu
}

function report(hex: string, tpduLength?: number): SmsStatusReport {
  const pdu: SmsPdu = decodeSmsPdu(hex, tpduLength === undefined ? {} : { tpduLength })
  if (pdu.type !== "status-report") throw new Error(`expected status-report, got ${pdu.type}`)
  return pdu
}

describe("encodeSmsSubmit", () => {
  test.each([
    // faucamp/python-gsmmodem test/test_pdu.py test_encodeSmsSubmit, vector 1: SMSC "00", no VP.
    [
      { to: "+27820001111", text: "Hello World!", encoding: "gsm7" as const },
      "0001000B917228001011F100000CC8329BFD065DDF72363904",
    ],
    // python-gsmmodem vector 2: UCS-2, VP relative 52 weeks (0xF4), SMSC +44000000000.
    [
      {
        to: "+123456789",
        text: "世界您好！",
        encoding: "ucs2" as const,
        validityMinutes: 52 * 7 * 24 * 60,
        smsc: "+44000000000",
      },
      "07914400000000F01100099121436587F90008F40A4E16754C60A8597DFF01",
    ],
    // dreamfabric.com "SMS and the PDU format", SMS-SUBMIT example (also apla/jsPduDecoder
    // test/pdu.js "standard sms submit"): VP 0xAA = 4 days.
    [
      {
        to: "+46708251358",
        text: "hellohello",
        encoding: "gsm7" as const,
        validityMinutes: 4 * 24 * 60,
      },
      "0011000B916407281553F80000AA0AE8329BFD4697D9EC37",
    ],
  ])("matches the published PDU %#", (options, expected) => {
    const pdu = encodeSmsSubmit(options)
    expect(pdu.hex).toBe(expected)
    // AT+CMGS=<length> counts the TPDU only (TS 27.005 §3.5.1).
    const smscOctets = Number.parseInt(expected.slice(0, 2), 16) + 1
    expect(pdu.tpduLength).toBe(expected.length / 2 - smscOctets)
  })

  test("matches python-gsmmodem's concatenated PDUs, fill bit included", () => {
    // python-gsmmodem test_encodeSmsSubmit_concatenated: reference 0, TP-RD set, no SRR. The
    // 6-octet UDH is followed by 1 fill bit so the text starts on a septet boundary (§9.2.3.24).
    const text =
      "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.Ut enim ad minim veniam, quinostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.Duis aute irure dolor in reprehenderit in voluptate velit esse cillum doloe eu fugiat nulla pariatur.Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum"
    const expected = [
      "0045000B915121551532F40000A0050003000301986F79B90D4AC3E7F53688FC66BFE5A0799A0E0AB7CB741668FC76CFCB637A995E9783C2E4343C3D4F8FD3EE33A8CC4ED359A079990C22BF41E5747DDE7E9341F4721BFE9683D2EE719A9C26D7DD74509D0E6287C56F791954A683C86FF65B5E06B5C36777181466A7E3F5B0AB4A0795DDE936284C06B5D3EE741B642FBBD3E1360B14AFA7DD",
      "0045000B915121551532F40000A0050003000302DE73BABC4E0695F165F9384D0FD3D36F37A8CE6687DBE337881D16BFE5E939C89D9EA741753A28CC4EC7EB6938A88C0795C3A0F1BBDD7E93DFA0F1DB3D2FC7EB61BA8B584FCF41E13ABD0C4ACBEBF23288FC66BFE5A0B41B242FC3E56574D94D2ECBD37450DA0DB2BFD975383D4C2F83EC65769A0E2ACFE765D038CD66D7DB20F29BFD2E83CA",
      "0045000B915121551532F400008C050003000303EA2073FD9C0ED341EE3A9B1D06C1C3F274985E97BB8AF871194E2FD7E5A079DA4D07BDC7E370791CA683C675789A1CA687E920F7DB0D82CBDF6972D94D6781E675371D947683C675363C0C8AD7D3A0B7D99C1EA7C32072795E96D7DD7450FBCD66A7E9A0B03BDD06A5C9A0F29C0E6287C56F79BD0D",
    ]
    const { parts } = segmentText(text)
    const hexes = parts.map(
      (part, i) =>
        encodeSmsSubmit({
          to: "+15125551234",
          text: part,
          encoding: "gsm7",
          concat: { reference: 0, total: parts.length, sequence: i + 1 },
          rejectDuplicates: true,
        }).hex,
    )
    expect(hexes).toEqual(expected)
  })

  test("sets TP-SRR and the UCS-2 concatenation header", () => {
    const pdu = encodeSmsSubmit({
      to: "+4915112345678",
      text: "Grüße 😀",
      encoding: "ucs2",
      concat: { reference: 0xa7, total: 2, sequence: 2 },
      requestStatusReport: true,
    })
    // 0x61 = SMS-SUBMIT | TP-SRR | TP-UDHI; DCS 08; UDL 0x16 = 6 header + 16 text octets.
    expect(pdu.hex).toBe(
      "0061000D91945111325476F8000816050003A702020047007200FC00DF00650020D83DDE00",
    )
    const decoded = submit(pdu.hex)
    expect(decoded.statusReportRequest).toBe(true)
    expect(decoded.text).toBe("Grüße 😀")
    expect(decoded.concat).toEqual({ reference: 0xa7, total: 2, sequence: 2 })
    expect(decoded.to.value).toBe("+4915112345678")
  })

  test("encodes a number without '+' with TON unknown", () => {
    const pdu = encodeSmsSubmit({ to: "0611", text: "x", encoding: "gsm7" })
    // Address: 4 digits, TOA 0x81, semi-octets 60 11.
    expect(pdu.hex.slice(6, 14)).toBe("04816011")
    expect(submit(pdu.hex).to).toEqual({ value: "0611", ton: 0, npi: 1 })
  })

  test.each([
    ["gsm7" as const, "a".repeat(160), null],
    ["gsm7" as const, "a".repeat(153), { reference: 1, total: 2, sequence: 1 }],
    ["gsm7" as const, "€".repeat(76), { reference: 1, total: 2, sequence: 1 }],
    ["ucs2" as const, "ж".repeat(70), null],
    ["ucs2" as const, "ж".repeat(67), { reference: 1, total: 2, sequence: 1 }],
  ])("accepts a full %s part", (encoding, text, concat) => {
    const pdu = encodeSmsSubmit({ to: "+15125551234", text, encoding, concat })
    const decoded = submit(pdu.hex)
    expect(decoded.text).toBe(text)
    expect(pdu.tpduLength).toBeLessThanOrEqual(15 + 140)
  })

  test.each([
    ["gsm7" as const, "a".repeat(161), null],
    ["gsm7" as const, "a".repeat(154), { reference: 1, total: 2, sequence: 1 }],
    ["gsm7" as const, "€".repeat(77), { reference: 1, total: 2, sequence: 1 }],
    ["ucs2" as const, "ж".repeat(71), null],
    ["ucs2" as const, "ж".repeat(68), { reference: 1, total: 2, sequence: 1 }],
  ])("throws message_too_long for an overfull %s part", (encoding, text, concat) => {
    expect(codeOf(() => encodeSmsSubmit({ to: "+15125551234", text, encoding, concat }))).toBe(
      "message_too_long",
    )
  })

  test.each([["+49 151"], ["hello"], [""], ["+"], ["+123456789012345678901"]])(
    "throws invalid_address for %p",
    (to) => {
      expect(codeOf(() => encodeSmsSubmit({ to, text: "x", encoding: "gsm7" }))).toBe(
        "invalid_address",
      )
    },
  )

  test("throws unencodable for text outside GSM 7-bit sent as gsm7", () => {
    expect(codeOf(() => encodeSmsSubmit({ to: "+15125551234", text: "ж", encoding: "gsm7" }))).toBe(
      "unencodable",
    )
  })

  test("round-trips every fill-bit offset of a UDH", () => {
    for (const extra of [0, 1, 2, 3, 4, 5, 6]) {
      // Longer texts shift the last septet across every bit position of an octet.
      const text = `${"x".repeat(extra)}{[€]}`
      const hex = encodeSmsSubmit({
        to: "+15125551234",
        text,
        encoding: "gsm7",
        concat: { reference: 9, total: 3, sequence: 3 },
      }).hex
      expect(submit(hex).text).toBe(text)
    }
  })
})

describe("decodeSmsPdu: SMS-DELIVER", () => {
  test.each([
    // dreamfabric.com "SMS and the PDU format" (the well-known example): TON subscriber (0xC8).
    [
      "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
      {
        smsc: "+27381000015",
        from: "27838890001",
        text: "hellohello",
        sentAt: "1999-03-29T13:16:59.000Z",
      },
    ],
    // dreamfabric.com SMS-DELIVER example "How are you?", time zone 00.
    [
      "07911326040000F0040B911346610089F60000208062917314080CC8F71D14969741F977FD07",
      {
        smsc: "+31624000000",
        from: "+31641600986",
        text: "How are you?",
        sentAt: "2002-08-26T19:37:41.000Z",
      },
    ],
    // python-gsmmodem test_decode: 2013-03-08 15:02:16 GMT+2.
    [
      "06917228195339040B917228214365F700003130805120618005D4F29C2E03",
      {
        smsc: "+2782913593",
        from: "+27821234567",
        text: "Test2",
        sentAt: "2013-03-08T13:02:16.000Z",
      },
    ],
    // python-gsmmodem test_decode: 2007-04-12 23:25:42 GMT+8 (TZ octet 0x23 = 32 quarters).
    [
      "07915892000000F0040B915892214365F700007040213252242331493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E",
      {
        smsc: "+85290000000",
        from: "+85291234567",
        text: "It is easy to read text messages via AT commands.",
        sentAt: "2007-04-12T15:25:42.000Z",
      },
    ],
    // Same PDU with the TZ octet 0x2B (GMT-8), the coding python-gsmmodem's TestTimestamp gives
    // for 2007-04-12 23:25:42 -08:00 (§9.2.3.11: bit 3 of the first semi-octet is the sign).
    [
      "07915892000000F0040B915892214365F70000704021325224" +
        "2B31493A283D0795C3F33C88FE06C9CB6132885EC6D341EDF27C1E3E97E7207B3A0C0A5241E377BB1D7693E72E",
      {
        smsc: "+85290000000",
        from: "+85291234567",
        text: "It is easy to read text messages via AT commands.",
        sentAt: "2007-04-13T07:25:42.000Z",
      },
    ],
    // rapidsms/pygsm test/pdumode_test.py: a real negative zone, TZ 0x8A = GMT-7 (US Pacific).
    [
      PYGSM_YO,
      { smsc: "+12085978926", from: "14153773715", text: "Yo", sentAt: "2009-07-02T05:03:34.000Z" },
    ],
    [
      PYGSM_NIHAO,
      {
        smsc: "+12085978928",
        from: "14153773715",
        text: "你好",
        sentAt: "2009-09-30T22:49:53.000Z",
      },
    ],
    // python-gsmmodem test_decode: extension-table characters and é.
    [
      "06917228195339040B917228214365F70000313062315352800A800D8A5E98D337A910",
      {
        smsc: "+2782913593",
        from: "+27821234567",
        text: "@{tést}!",
        sentAt: "2013-03-26T11:35:25.000Z",
      },
    ],
    // rapidsms/pygsm lib/pygsm/gsmpdu.py self-test: UCS-2 with € and £.
    [
      "0791227167830001040C912271271640910008906012024514001C002E004020AC00A300680065006C006C006F002000E900EC006B00F0",
      {
        smsc: "+221776380010",
        from: "+221772610419",
        text: ".@€£hello éìkð",
        sentAt: "2009-06-21T20:54:41.000Z",
      },
    ],
    // rapidsms/pygsm gsmpdu.py self-test: alphanumeric sender (TOA 0xD0), 20 semi-octets.
    [
      "07914477790706520414D06176198F0EE361F2321900005001610013334014C324350B9287D12079180D92A3416134480E",
      {
        smsc: "+447797706025",
        from: "alexhax0red",
        text: "CITY rah rah rh ah r",
        sentAt: "2005-10-15T23:31:33.000Z",
      },
    ],
    // apla/jsPduDecoder test/pdu.js: alphanumeric "MCHS", UCS-2, 16-bit concat, GMT+3.
    [
      "07919730071111F14007D0CD21720A0008718042814134218B0608040AE50301041D04300020043E0441043D043E04320430043D043804380020043F0440043E0433043D043E0437043000200424041304110423002000AB04260435043D044204400430043B044C043D043E0435002004230413041C042100BB00200032003400200430043204330443044104420430002004320020041C043E0441043A043204350020",
      {
        smsc: "+79037011111",
        from: "MCHS",
        text: "На основании прогноза ФГБУ «Центральное УГМС» 24 августа в Москве ",
        sentAt: "2017-08-24T15:14:43.000Z",
      },
    ],
  ])("decodes published vector %#", (hex, expected) => {
    const pdu = deliver(hex)
    expect({
      smsc: pdu.smsc,
      from: pdu.from.value,
      text: pdu.text,
      sentAt: iso(pdu.sentAt),
    }).toEqual(expected)
  })

  test("reads the TON and NPI of the originating address", () => {
    // dreamfabric "hellohello": TOA 0xC8 = TON 100 (subscriber), NPI 1000 (national).
    expect(
      deliver("07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37").from,
    ).toEqual({
      value: "27838890001",
      ton: 4,
      npi: 8,
    })
  })

  test("returns 8-bit concatenation info and the negative offset", () => {
    const pdu = deliver(PYGSM_MULTIPART.parts[1]!)
    expect(pdu.concat).toEqual({ reference: 0x7a, total: 2, sequence: 2 })
    expect(pdu.sentAtOffsetMinutes).toBe(60)
    expect(deliver(PYGSM_YO).sentAtOffsetMinutes).toBe(-7 * 60)
  })

  test("reassembles the pygsm multipart text from its parts (8-bit ref, 1 fill bit)", () => {
    const parts = PYGSM_MULTIPART.parts.map((hex) => deliver(hex))
    expect(parts.map((p) => p.from.value)).toEqual([PYGSM_MULTIPART.from, PYGSM_MULTIPART.from])
    expect(parts.map((p) => p.text).join("")).toBe(PYGSM_MULTIPART.text)
  })

  test("returns 16-bit references (IE 0x08) and an alphanumeric sender", () => {
    const parts = BEELINE_UCS2_16BIT.parts.map((hex) => deliver(hex))
    expect(parts.map((p) => p.concat)).toEqual([
      { reference: 0x4ac0, total: 4, sequence: 2 },
      { reference: 0x4ac0, total: 4, sequence: 1 },
      { reference: 0x4ac0, total: 4, sequence: 3 },
      { reference: 0x4ac0, total: 4, sequence: 4 },
    ])
    expect(parts[0]!.from).toEqual({ value: "Beeline", ton: 5, npi: 0 })
    const ordered = [...parts].sort((a, b) => a.concat!.sequence - b.concat!.sequence)
    expect(ordered.map((p) => p.text).join("")).toBe(BEELINE_UCS2_16BIT.text)
  })

  test("keeps a single-part concatenation header (python-gsmmodem, airtime notice)", () => {
    // python-gsmmodem test_decode: TON unknown sender, UDH IE 0x00 with total 1.
    const pdu = deliver(
      "0591721891F1400781721881F800003160526104848059050003C30101916536FB1DCABEEB2074D85E064941B19CAB060319A5C522289C96D3D3ED32286C0FA7D96131BBEC024941B19CAB0603DDD36C36A88C87A7E565D0DB0D82C55EB0DB4B068BCD5C20",
    )
    expect(pdu.from.value).toBe("2781188")
    expect(pdu.concat).toEqual({ reference: 0xc3, total: 1, sequence: 1 })
    expect(pdu.text).toBe(
      "Hello!You have R 19.50 FREE airtime available. R 19.50 will expire on 01/07/2013. ",
    )
  })

  test("reads MTI 3 (reserved) as SMS-DELIVER (§9.2.3.1)", () => {
    const hex = "07911326040000F0070B911346610089F60000208062917314080CC8F71D14969741F977FD07"
    expect(deliver(hex).text).toBe("How are you?")
  })

  test("returns 8-bit user data as hex", () => {
    // DCS 0xF4: group 1111, 8-bit data, class 0.
    const hex = "00040B917228214365F700F43130805120618004DEADBEEF"
    const pdu = deliver(hex)
    expect(pdu.alphabet).toBe("8bit")
    expect(pdu.text).toBe("deadbeef")
    expect(pdu.coding.messageClass).toBe(0)
  })

  test("returns null for an impossible time stamp instead of throwing", () => {
    const hex = "00040B917228214365F700003113805120618005D4F29C2E03"
    expect(deliver(hex).sentAt).toBeNull()
  })
})

describe("decodeSmsPdu: SMS-SUBMIT (as stored on a SIM)", () => {
  test.each([
    // python-gsmmodem test_decode: relative VP 0xA9 = 3 days, TP-SRR, TP-MR 13.
    [
      "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701",
      {
        to: "+31628870634",
        text: "www.diafaan.com",
        mr: 13,
        validity: { minutes: 3 * 24 * 60 },
        srr: true,
      },
    ],
    // python-gsmmodem test_decode: UCS-2 "あ叶葉".
    [
      "07914346466554F601000B914316565811F9000806304253F68449",
      { to: "+34616585119", text: "あ叶葉", mr: 0, validity: null, srr: false },
    ],
    // python-gsmmodem test_decode: TP-UDL larger than the data; the data is kept.
    [
      "0041010C910661345542F60008A0050003000301306F3044",
      { to: "+60164355246", text: "はい", mr: 1, validity: null, srr: false },
    ],
    // python-gsmmodem test_decode: absolute VP 2013-07-10 13:39 GMT+2.
    [
      "0019000B917228001011F100003170013193008017D474BB3CA787DB70903DCC4E93D3F43C885E9ED301",
      {
        to: "+27820001111",
        text: "Timestamp validity test",
        mr: 0,
        validity: { absoluteAt: Date.parse("2013-07-10T11:39:00Z") },
        srr: false,
      },
    ],
    // apla/jsPduDecoder test/pdu.js "submit" (Perl Device::Gsm t/06): TON unknown, VP 1 week.
    [
      "0011FF048160110000AD1CD4F29C0E6A97E7F3F0B90C32BFE52062D99E1E9775BAE3BC0D",
      {
        to: "0611",
        text: "Test message for Device::Gsm",
        mr: 255,
        validity: { minutes: 7 * 24 * 60 },
        srr: false,
      },
    ],
  ])("decodes published vector %#", (hex, expected) => {
    const pdu = submit(hex)
    expect({
      to: pdu.to.value,
      text: pdu.text,
      mr: pdu.messageReference,
      validity: pdu.validity,
      srr: pdu.statusReportRequest,
    }).toEqual(expected)
  })

  test("decodes a national-format SMSC and destination (python-gsmmodem submit vector 3)", () => {
    // python-gsmmodem test_encodeSmsSubmit vector 3 (TON national 0xA1, MR 13, SRR, 3 days).
    const pdu = submit(
      "04A12143F5310D0AA110624521430000A91BD4F29C0E6A97E7F3F0B9AC03B1DFE3301BE4AEB7C565F91C",
    )
    expect(pdu.smsc).toBe("12345")
    expect(pdu.to).toEqual({ value: "0126541234", ton: 2, npi: 1 })
    expect(pdu.text).toBe("Test message: local numbers")
  })

  test.each([
    // apla/jsPduDecoder test/pdu.js "flash sms": DCS 0x10 = class 0.
    ["0001010B915121551532F40010104190991D9EA341EDF27C1E3E9743", "A flash message!", 0, null],
    // apla/jsPduDecoder "voicemail indication": DCS 0xC8 = discard group, active, voicemail.
    [
      "0001AB0B915121551532F400C80F3190BB7C07D9DFE971B91D4EB301",
      "1 new voicemail",
      null,
      { active: true, kind: "voicemail", discard: true },
    ],
  ])("decodes DCS classes and message waiting groups: %s", (hex, text, messageClass, waiting) => {
    const pdu = submit(hex)
    expect(pdu.text).toBe(text)
    expect(pdu.coding.messageClass).toBe(messageClass as 0 | null)
    expect(pdu.coding.waiting as unknown).toEqual(waiting)
  })

  test("returns 8-bit data as hex (python-gsmmodem 8-bit vector)", () => {
    const pdu = submit("0591721891F101000B917228214365F700040C48656C6C6F20776F726C6421")
    expect(pdu.alphabet).toBe("8bit")
    expect(Buffer.from(pdu.text, "hex").toString("ascii")).toBe("Hello world!")
  })
})

describe("decodeSmsPdu: SMS-STATUS-REPORT", () => {
  test.each([
    // python-gsmmodem test_decode: MR 214, GMT+1, delivered.
    [
      "0006D60B911326880736F4111011719551401110117195714000",
      undefined,
      {
        mr: 214,
        to: "+31628870634",
        sent: "2011-01-11T16:59:15.000Z",
        done: "2011-01-11T16:59:17.000Z",
        st: 0,
        state: "delivered",
      },
    ],
    // moteus/lua-lluv-gsmmodem: delivered, SC-specific 0x30 (still trying), 0x46 expired.
    [
      LLUV_STATUS_REPORTS.delivered,
      undefined,
      {
        mr: 39,
        to: "+77777777777",
        sent: "2015-05-21T08:33:02.000Z",
        done: "2015-05-21T08:33:04.000Z",
        st: 0x00,
        state: "delivered",
      },
    ],
    [
      LLUV_STATUS_REPORTS.pending,
      undefined,
      {
        mr: 40,
        to: "+77777777777",
        sent: "2015-05-21T08:38:38.000Z",
        done: "2015-05-21T08:38:57.000Z",
        st: 0x30,
        state: "pending",
      },
    ],
    [
      LLUV_STATUS_REPORTS.expired,
      undefined,
      {
        mr: 40,
        to: "+77777777777",
        sent: "2015-05-21T08:38:38.000Z",
        done: "2015-05-21T08:43:56.000Z",
        st: 0x46,
        state: "expired",
      },
    ],
    // amro.blogspot.com "Receiving SMS status report message" (2007): "+CDS: 25" with the SMSC
    // field left out; the <length> tells.
    [
      "06000B910221815716F2709021510121807090215101718000",
      25,
      {
        mr: 0,
        to: "+20121875612",
        sent: "2007-09-12T13:10:12.000Z",
        done: "2007-09-12T13:10:17.000Z",
        st: 0,
        state: "delivered",
      },
    ],
    // python-gsmmodem test_decode: a semi-invalid report captured from a ZTE modem (its
    // recipient digits are garbled; MR and times are right).
    [
      "0297F1061C0F910B487228297020F5317062419272803170624192138000",
      undefined,
      {
        mr: 28,
        to: "+#08427829207025",
        sent: "2013-07-26T12:29:27.000Z",
        done: "2013-07-26T12:29:31.000Z",
        st: 0,
        state: "delivered",
      },
    ],
  ])("decodes published vector %#", (hex, tpduLength, expected) => {
    const pdu = report(hex, tpduLength)
    expect({
      mr: pdu.messageReference,
      to: pdu.recipient.value,
      sent: iso(pdu.sentAt),
      done: iso(pdu.dischargedAt),
      st: pdu.status,
      state: pdu.state as string,
    }).toEqual(expected)
  })

  test("reads the SMSC field when the hex is longer than <length>", () => {
    const pdu = report(LLUV_STATUS_REPORTS.delivered, 25)
    expect(pdu.smsc).toBe("+79168999100")
  })
})

describe("decodeSmsPdu errors", () => {
  test.each([
    ["not hex", "zz"],
    ["odd length", "000"],
    ["empty", ""],
    ["SMSC only", "00"],
    ["SMSC runs past the end", "0791"],
    ["address cut", "00040B9172"],
    ["time stamp cut", "00040B917228214365F700003130"],
    ["status report without TP-ST", "0006D60B911326880736F41110117195514011101171957140"],
  ])("throws invalid_pdu for %s", (_, hex) => {
    expect(codeOf(() => decodeSmsPdu(hex))).toBe("invalid_pdu")
  })

  test("throws invalid_udh for a header that runs past the data", () => {
    expect(codeOf(() => decodeSmsPdu("00440B917228214365F70000313080512061800509050003"))).toBe(
      "invalid_udh",
    )
  })
})

describe("TPDU fields", () => {
  test.each([
    // python-gsmmodem TestSemiOctets.
    ["15125551234", "5121551532f4"],
    ["123", "21f3"],
    ["1234", "2143"],
    ["*#1", "baf1"],
  ])("semi-octets of %p", (digits, hex) => {
    const bytes = encodeSemiOctets(digits)
    expect(Buffer.from(bytes).toString("hex")).toBe(hex)
    expect(decodeSemiOctets(bytes)).toBe(digits)
  })

  test.each([
    // python-gsmmodem TestRelativeValidityPeriod, plus the edges of each §9.2.3.12.1 range.
    [30, 5],
    [16 * 60, 151],
    [3 * 1440, 169],
    [5 * 10080, 197],
    [1, 0],
    [5, 0],
    [6, 1],
    [720, 143],
    [721, 144],
    [1440, 167],
    [1441, 168],
    [30 * 1440, 196],
    [30 * 1440 + 1, 197],
    [63 * 10080, 255],
    [100 * 10080, 255],
  ])("relative validity of %p minutes is VP %p", (minutes, vp) => {
    expect(encodeRelativeValidity(minutes)).toBe(vp)
    expect(decodeRelativeValidity(vp)).toBeGreaterThanOrEqual(Math.min(minutes, 63 * 10080))
  })

  test("rejects a validity that is not positive", () => {
    expect(codeOf(() => encodeRelativeValidity(0))).toBe("invalid_validity")
    expect(codeOf(() => encodeRelativeValidity(Number.NaN))).toBe("invalid_validity")
  })

  test.each([
    // python-gsmmodem TestTimestamp.
    ["51117200000000", "2015-11-27T00:00:00.000Z", 0],
    ["51117200000080", "2015-11-26T22:00:00.000Z", 120],
    ["70402132522423", "2007-04-12T15:25:42.000Z", 480],
    ["7040213252242B", "2007-04-13T07:25:42.000Z", -480],
    // §9.2.3.11: a non-decimal digit counts as 0 (seconds octet F4 → "40"; TZ octet F0 → 0).
    ["7040213252F4F0", "2007-04-12T23:25:40.000Z", 0],
  ])("time stamp %s", (hex, at, offset) => {
    const stamp = decodeTimeStamp(fromHex(hex), 0)
    expect(stamp && { at: iso(stamp.at), offset: stamp.offsetMinutes }).toEqual({ at, offset })
  })

  test.each([
    [0x00, "gsm7", null],
    [0x04, "8bit", null],
    [0x08, "ucs2", null],
    [0x0c, "gsm7", null], // reserved alphabet → GSM 7-bit (TS 23.038 §4)
    [0x11, "gsm7", 1],
    [0x18, "ucs2", 0],
    [0x24, "8bit", null], // compressed
    [0x48, "ucs2", null], // automatic deletion group
    [0x80, "gsm7", null], // reserved group
    [0xc0, "gsm7", null],
    [0xd1, "gsm7", null],
    [0xe3, "ucs2", null],
    [0xf0, "gsm7", 0],
    [0xf5, "8bit", 1],
  ])("DCS 0x%s", (dcs, alphabet, messageClass) => {
    const coding = decodeDataCoding(dcs)
    expect([coding.alphabet, coding.messageClass] as unknown[]).toEqual([alphabet, messageClass])
  })

  test("message waiting groups report store or discard and the kind", () => {
    expect(decodeDataCoding(0xc8).waiting).toEqual({
      active: true,
      kind: "voicemail",
      discard: true,
    })
    expect(decodeDataCoding(0xd1).waiting).toEqual({ active: false, kind: "fax", discard: false })
    expect(decodeDataCoding(0xea).waiting).toEqual({ active: true, kind: "email", discard: false })
  })

  test.each([
    [0x00, "delivered", true],
    [0x01, "delivered", true],
    [0x02, "delivered", true],
    [0x03, "delivered", true], // reserved, completed range
    [0x1f, "delivered", true], // SC-specific, completed range
    [0x20, "pending", false],
    [0x25, "pending", false],
    [0x30, "pending", false],
    [0x40, "failed", true],
    [0x45, "failed", true],
    [0x46, "expired", true],
    [0x47, "failed", true],
    [0x49, "failed", true],
    [0x5f, "failed", true],
    [0x60, "failed", true],
    [0x65, "failed", true],
    [0x7f, "failed", true],
    [0x80, "failed", true],
  ])("TP-ST 0x%s", (st, state, final) => {
    const meaning = statusMeaning(st)
    expect([meaning.state, meaning.final] as unknown[]).toEqual([state, final])
    expect(meaning.description.length).toBeGreaterThan(0)
  })
})
