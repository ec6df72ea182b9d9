import { describe, expect, test } from "bun:test"
import type { ParsedReceipt } from "./receipt.ts"
import {
  messageStateName,
  parseByKeys,
  parseCanonical,
  parseReceiptDate,
  parseReceiptText,
  receiptState,
} from "./receipt.ts"

const receipt = (fields: Partial<ParsedReceipt> & Pick<ParsedReceipt, "id" | "stat">) => ({
  sub: null,
  dlvrd: null,
  submitDate: null,
  doneDate: null,
  err: null,
  text: null,
  ...fields,
})

describe("parseReceiptText", () => {
  test.each([
    [
      // jookies/jasmin jasmin/vendor/smpp/pdu/tests/test_pdu_encoding.py (deliver_sm receipt,
      // short_message with its NUL terminator).
      "id:1891273321 sub:001 dlvrd:001 submit date:1305050826 done date:1305050826 stat:DELIVRD err:000 Text:DLVRD TO MOBILE\u0000",
      receipt({
        id: "1891273321",
        sub: "001",
        dlvrd: "001",
        submitDate: "1305050826",
        doneDate: "1305050826",
        stat: "DELIVRD",
        err: "000",
        text: "DLVRD TO MOBILE",
      }),
    ],
    [
      // Same file: UUID id, dates with seconds, lower-case "text:".
      "id:bc59b8aa-2fd2-4035-8113-19301e050079 sub:001 dlvrd:001 submit date:150508144058 done date:150508144058 stat:DELIVRD err:000 text:-",
      receipt({
        id: "bc59b8aa-2fd2-4035-8113-19301e050079",
        sub: "001",
        dlvrd: "001",
        submitDate: "150508144058",
        doneDate: "150508144058",
        stat: "DELIVRD",
        err: "000",
        text: "-",
      }),
    ],
    [
      // Cloudhopper-based client test (mikesafonov smpp, ResponseSmppSessionHandlerTest):
      // upper-case hex id.
      "id:261BD3E2 sub:001 dlvrd:001 submit date:190305131326 done date:190305131326 stat:DELIVRD err:0 Text:report",
      receipt({
        id: "261BD3E2",
        sub: "001",
        dlvrd: "001",
        submitDate: "190305131326",
        doneDate: "190305131326",
        stat: "DELIVRD",
        err: "0",
        text: "report",
      }),
    ],
    [
      // bulatnig smpp library, SmscDeliveryReceiptTest: 32-hex-digit id, 1-digit dlvrd/err,
      // Text truncated to 20 characters as Appendix B allows.
      "id:b756c4f97aa2e1e67377dffc5e2f7d9b sub:001 dlvrd:0 submit date:0610191211 done date:0610191211 stat:REJECTD err:1 text:This is an Acti",
      receipt({
        id: "b756c4f97aa2e1e67377dffc5e2f7d9b",
        sub: "001",
        dlvrd: "0",
        submitDate: "0610191211",
        doneDate: "0610191211",
        stat: "REJECTD",
        err: "1",
        text: "This is an Acti",
      }),
    ],
    [
      // OpenSMPP DeliverSMTest, capture from Safaricom KE: zero-padded decimal id, commas in Text.
      "id:0966279342 sub:001 dlvrd:001 submit date:1303060704 done date:1303060705 stat:UNDELIV err:000 text:INSO ALERT, 1000, Da",
      receipt({
        id: "0966279342",
        sub: "001",
        dlvrd: "001",
        submitDate: "1303060704",
        doneDate: "1303060705",
        stat: "UNDELIV",
        err: "000",
        text: "INSO ALERT, 1000, Da",
      }),
    ],
    [
      // Kannel HLR-lookup receipt quoted in a public Perl app (app_kannel): no Text, vendor
      // fields (IMSI, MSC, ORN, MCCMNC) after err.
      "id:40072910491419819 sub:001 dlvrd:001 submit date:1007291049 done date:1007291049 stat:UNDELIV err:001 IMSI: MSC: ORN:VipNet MCCMNC:",
      receipt({
        id: "40072910491419819",
        sub: "001",
        dlvrd: "001",
        submitDate: "1007291049",
        doneDate: "1007291049",
        stat: "UNDELIV",
        err: "001",
      }),
    ],
    [
      // Adobe Campaign SMPP connector documentation, Appendix B example.
      "id:1234567890 sub:001 dlvrd:001 submit date:1608011415 done date:1608011417 stat:DELIVRD err:000 Text:Hello Adobe world",
      receipt({
        id: "1234567890",
        sub: "001",
        dlvrd: "001",
        submitDate: "1608011415",
        doneDate: "1608011417",
        stat: "DELIVRD",
        err: "000",
        text: "Hello Adobe world",
      }),
    ],
    // Tolerance cases (Appendix B says the format is SMSC-specific).
    ["ID:ABC123 STAT:delivrd", receipt({ id: "ABC123", stat: "delivrd" })],
    ["id:KNOWN stat:DELIVRD", receipt({ id: "KNOWN", stat: "DELIVRD" })],
    [
      "  id : 42   Sub:1  Submit  Date:2401011200  DONE_DATE:2401011201   Stat : EXPIRED  ",
      receipt({
        id: "42",
        sub: "1",
        submitDate: "2401011200",
        doneDate: "2401011201",
        stat: "EXPIRED",
      }),
    ],
    ["stat:DELIVRD err:000 id:77", receipt({ id: "77", stat: "DELIVRD", err: "000" })],
    [
      // Text is message content and may look like receipt fields; it runs to the end.
      "id:9 stat:DELIVRD err:000 text:id:1 stat:UNDELIV",
      receipt({ id: "9", stat: "DELIVRD", err: "000", text: "id:1 stat:UNDELIV" }),
    ],
    ["id:9 stat:DELIVRD err: text:", receipt({ id: "9", stat: "DELIVRD" })],
  ])("returns the fields of %p", (input, expected) => {
    expect(parseReceiptText(input)).toEqual(expected)
  })

  test.each([
    // Empty id, from a receipt-handling worker test that rejects it.
    [
      "id: sub:001 dlvrd:000 submit date:2401010000 done date:2401010001 stat:UNDELIV err:001 text:failed",
    ],
    ["sub:001 dlvrd:001 stat:DELIVRD"],
    ["id:123 sub:001 dlvrd:001"],
    // "msgid:" is not the "id" key.
    ["msgid:5 stat:DELIVRD"],
    ["Hello, see you at 10:30"],
    [""],
  ])("returns null for %p", (input) => {
    expect(parseReceiptText(input)).toBeNull()
  })
})

describe("receiptState", () => {
  test.each([
    // SMPP 3.4 Appendix B stat values.
    ["DELIVRD", "delivered"],
    ["UNDELIV", "failed"],
    ["REJECTD", "failed"],
    ["DELETED", "failed"],
    ["UNKNOWN", "failed"],
    ["EXPIRED", "expired"],
    ["ENROUTE", "pending"],
    ["ACCEPTD", "pending"],
    ["delivrd", "delivered"],
    [" Expired ", "expired"],
    // SMPP 3.4 §5.2.28 message_state names and numbers.
    ["DELIVERED", "delivered"],
    ["UNDELIVERABLE", "failed"],
    ["REJECTED", "failed"],
    ["ACCEPTED", "pending"],
    ["1", "pending"],
    ["2", "delivered"],
    ["3", "expired"],
    ["4", "failed"],
    ["5", "failed"],
    ["6", "pending"],
    ["7", "failed"],
    ["8", "failed"],
    // SMPP 5.0 §4.7.15: 0 SCHEDULED (pending), 9 SKIPPED (final, not delivered).
    ["0", "pending"],
    ["9", "failed"],
    ["42", "pending"],
    ["", "pending"],
    ["WHATEVER", "pending"],
  ])("returns %p → %p", (stat, expected) => {
    expect(receiptState(stat)).toBe(expected as ReturnType<typeof receiptState>)
  })
})

describe("messageStateName", () => {
  test.each([
    // SMPP 3.4 §5.2.28 value → Appendix B stat.
    [1, "ENROUTE"],
    [2, "DELIVRD"],
    [3, "EXPIRED"],
    [4, "DELETED"],
    [5, "UNDELIV"],
    [6, "ACCEPTD"],
    [7, "UNKNOWN"],
    [8, "REJECTD"],
    // SMPP 5.0 §4.7.15 additions.
    [0, "SCHEDULED"],
    [9, "SKIPPED"],
    [10, "10"],
    [-1, "-1"],
  ])("returns %p → %p", (n, expected) => {
    expect(messageStateName(n)).toBe(expected)
  })
})

describe("parseReceiptDate", () => {
  test.each([
    // SMPP 3.4 Appendix B YYMMDDhhmm, read as UTC.
    ["1305050826", Date.parse("2013-05-05T08:26:00Z")],
    ["0610191018", Date.parse("2006-10-19T10:18:00Z")],
    // Seconds variant (Jasmin and Cloudhopper vectors above).
    ["150508144058", Date.parse("2015-05-08T14:40:58Z")],
    ["190305131326", Date.parse("2019-03-05T13:13:26Z")],
    ["2402291200", Date.parse("2024-02-29T12:00:00Z")],
    ["9912312359", Date.parse("2099-12-31T23:59:00Z")],
    [" 0001010000 ", Date.parse("2000-01-01T00:00:00Z")],
  ])("returns epoch ms for %p", (value, expected) => {
    expect(parseReceiptDate(value)).toBe(expected)
  })

  test.each([
    ["2302291200"], // 2023 is not a leap year
    ["2404311200"], // 31 April
    ["2413011200"], // month 13
    ["2400011200"], // month 0
    ["2401001200"], // day 0
    ["2401012400"], // hour 24
    ["2401011260"], // minute 60
    ["240101120060"], // second 60
    ["240101120"], // 9 digits
    ["2023010112000000"], // 16 digits
    ["20240101120000"], // YYYYMMDDhhmmss is not Appendix B
    ["24-01-01 12:00"],
    [""],
  ])("returns null for %p", (value) => {
    expect(parseReceiptDate(value)).toBeNull()
  })
})

describe("parseReceiptText's canonical fast path", () => {
  // Appendix B receipts with variations around the exact layout, joined from these pieces; the
  // general key scan (parseByKeys) is the definition the fast path must agree with.
  const VALUES = ["0A1B2C", "1891273321", "", "001", "abc-1", "x:y", "DELIVRD", "é", "😀", "\0"]
  const SEPARATORS = [" ", " ", " ", "  ", "\t", ""]
  const KEYS = [
    ["id", "ID", "Id", "msgid", "id "],
    ["sub", "SUB", "Sub"],
    ["dlvrd", "DLVRD"],
    ["submit date", "SUBMIT DATE", "submit_date", "submitdate"],
    ["done date", "Done Date", "done_date"],
    ["stat", "STAT"],
    ["err", "ERR"],
    ["text", "Text", "TEXT"],
  ]
  const TEXTS = ["", "DLVRD TO MOBILE", " hello id:9 stat:UNDELIV ", "line\nbreak", "\0\0"]
  let seed = 0x9e3779b9
  const next = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 0x1_0000_0000
  }
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!

  test("agrees with the key scan on 20,000 generated receipts, most of them canonical", () => {
    const mismatches: string[] = []
    let canonical = 0
    for (let n = 0; n < 20_000; n++) {
      let s = ""
      KEYS.forEach((variants, i) => {
        // Mostly the canonical key and a single space, sometimes a variation.
        const key = next() < 0.9 ? variants[0]! : pick(variants)
        const sep = i === 0 ? "" : next() < 0.9 ? " " : pick(SEPARATORS)
        const value = i === 7 ? pick(TEXTS) : next() < 0.8 ? "42" : pick(VALUES)
        s += `${sep}${key}:${value}`
      })
      const fast = parseReceiptText(s)
      const general = parseByKeys(s.replace(/\0+$/u, ""))
      if (JSON.stringify(fast) !== JSON.stringify(general)) mismatches.push(JSON.stringify(s))
      if (parseCanonical(s.replace(/\0+$/u, "")) !== null) canonical++
    }
    expect(mismatches.slice(0, 5)).toEqual([])
    // Both paths were exercised: the fast one took a good share, the fallback the rest.
    expect(canonical).toBeGreaterThan(2_000)
    expect(canonical).toBeLessThan(18_000)
  })
})
