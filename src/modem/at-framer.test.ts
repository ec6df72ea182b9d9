import { describe, expect, test } from "bun:test"
import { type AtFrame, AtFramer } from "./at-framer.ts"

const bytes = (text: string): Uint8Array => Buffer.from(text, "latin1")

function frame(
  input: string | Uint8Array,
  prefix: string | null = null,
): { frames: AtFrame[]; framer: AtFramer } {
  const framer = new AtFramer()
  framer.expect(prefix)
  const frames = framer.push(typeof input === "string" ? bytes(input) : input)
  return { frames, framer }
}

/** The same stream cut into two chunks at `at`. */
function frameSplit(input: Uint8Array, at: number, prefix: string | null): AtFrame[] {
  const framer = new AtFramer()
  framer.expect(prefix)
  return [...framer.push(input.subarray(0, at)), ...framer.push(input.subarray(at))]
}

// A +CMGL answer as a Huawei E173 sends it, echo still on, with URCs between its lines: a
// +CMTI, a ^RSSI, and a +CDS whose PDU line follows it (TS 27.005 §3.4.1).
const TRANSCRIPT =
  "AT+CMGL=4\r" +
  '\r\n+CMGL: 0,1,,24\r\n+CMTI: "SM",3\r\n' +
  "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37\r\n" +
  "\r\n^RSSI:17\r\n" +
  "+CDS: 25\r\n07919761989901F006270B917777777777F7515012113320215150121133402100\r\n" +
  "+CMGL: 1,1,,23\r\n06917228195339040B917228214365F700003130805120618005D4F29C2E03\r\n" +
  "\r\nOK\r\n"

const EXPECTED: AtFrame[] = [
  { type: "response", line: "+CMGL: 0,1,,24" },
  { type: "urc", urc: { kind: "cmti", storage: "SM", index: 3 }, line: '+CMTI: "SM",3' },
  {
    type: "response",
    line: "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37",
  },
  { type: "urc", urc: { kind: "rssi", rssi: 17 }, line: "^RSSI:17" },
  {
    type: "urc",
    urc: {
      kind: "cds",
      length: 25,
      pdu: "07919761989901F006270B917777777777F7515012113320215150121133402100",
    },
    line: "+CDS: 25",
  },
  { type: "response", line: "+CMGL: 1,1,,23" },
  { type: "response", line: "06917228195339040B917228214365F700003130805120618005D4F29C2E03" },
  { type: "final", final: { kind: "ok" }, line: "OK" },
]

describe("AtFramer", () => {
  test("separates responses, URCs with their PDUs, echo and the final result", () => {
    const { frames, framer } = frame(TRANSCRIPT, "+CMGL")
    expect(frames).toEqual(EXPECTED)
    expect(framer.stats.echoLines).toBe(1)
  })

  test("returns the same frames when the stream is split at every position", () => {
    const input = bytes(TRANSCRIPT)
    for (let at = 0; at <= input.length; at++) {
      expect(frameSplit(input, at, "+CMGL")).toEqual(EXPECTED)
    }
  })

  test("returns the same frames when fed one byte at a time", () => {
    const framer = new AtFramer()
    framer.expect("+CMGL")
    const frames: AtFrame[] = []
    for (const byte of bytes(TRANSCRIPT)) frames.push(...framer.push(Uint8Array.of(byte)))
    expect(frames).toEqual(EXPECTED)
  })

  test.each([
    ["\r\n> ", "no line end after it"],
    ["\r\n>", "without the space"],
    ["> \r\n", "with a line end after it"],
  ])("recognises the +CMGS prompt %j (%s)", (input) => {
    expect(frame(input).frames).toEqual([{ type: "prompt" }])
  })

  test("emits one prompt whatever the split", () => {
    const input = bytes("\r\n> ")
    for (let at = 0; at <= input.length; at++)
      expect(frameSplit(input, at, "+CMGS")).toEqual([{ type: "prompt" }])
  })

  test.each([
    ["OK", { kind: "ok" }],
    ["ERROR", { kind: "error" }],
    ["COMMAND NOT SUPPORT", { kind: "error" }],
    ["NO CARRIER", { kind: "no_carrier" }],
    ["+CME ERROR: 10", { kind: "cme", code: 10, text: "10" }],
    ["+CMS ERROR: 331", { kind: "cms", code: 331, text: "331" }],
    ["+CME ERROR: SIM not inserted", { kind: "cme", code: null, text: "SIM not inserted" }],
    ["+CMS ERROR:500", { kind: "cms", code: 500, text: "500" }],
  ])("reads the final result %j", (line, final) => {
    expect(frame(`\r\n${line}\r\n`, "+CMGS").frames).toEqual([
      { type: "final", final, line } as AtFrame,
    ])
  })

  test("reads +CREG as a response while +CREG? is in flight and as a URC otherwise", () => {
    expect(frame("\r\n+CREG: 0,1\r\n", "+CREG").frames).toEqual([
      { type: "response", line: "+CREG: 0,1" },
    ])
    expect(frame("\r\n+CREG: 5\r\n").frames).toEqual([
      { type: "urc", urc: { kind: "creg", stat: 5 }, line: "+CREG: 5" },
    ])
  })

  test("reads unsolicited +CPIN: READY (SIMCom boot) as a URC when no +CPIN is in flight", () => {
    expect(frame("\r\n+CPIN: READY\r\n").frames[0]!.type).toBe("urc")
    expect(frame("\r\n+CPIN: READY\r\n", "+CPIN").frames[0]!.type).toBe("response")
  })

  test.each([
    ['+CMTI: "SM",0', { kind: "cmti", storage: "SM", index: 0 }],
    ['+CDSI: "SR",12', { kind: "cdsi", storage: "SR", index: 12 }],
    // TS 27.005 <mem> values in any case: upper-cased, as the inbox compares them.
    ['+CMTI: "sm",4', { kind: "cmti", storage: "SM", index: 4 }],
    ['+CDSI: "sr",5', { kind: "cdsi", storage: "SR", index: 5 }],
    ["RING", { kind: "ring" }],
    ["^BOOT:20952181,0,0,0,75", { kind: "other", line: "^BOOT:20952181,0,0,0,75" }],
    ["+CGREG: 1", { kind: "other", line: "+CGREG: 1" }],
    ["^MODE:5,4", { kind: "other", line: "^MODE:5,4" }],
  ])("reads the URC %j", (line, urc) => {
    expect(frame(`\r\n${line}\r\n`, "+CSQ").frames).toEqual([{ type: "urc", urc, line } as AtFrame])
  })

  test("reads +CMT with an empty alpha field and attaches its PDU", () => {
    const pdu = "07912180958729F6040B814151733717F500009070102230438A02D937"
    expect(frame(`\r\n+CMT: ,23\r\n${pdu}\r\n`).frames).toEqual([
      { type: "urc", urc: { kind: "cmt", length: 23, pdu }, line: "+CMT: ,23" },
    ])
  })

  test("reports +CDS without a PDU line and still reads the next line", () => {
    const { frames, framer } = frame("\r\n+CDS: 25\r\nOK\r\n", "+CSQ")
    expect(frames).toEqual([
      { type: "urc", urc: { kind: "cds", length: 25, pdu: null }, line: "+CDS: 25" },
      { type: "final", final: { kind: "ok" }, line: "OK" },
    ])
    expect(framer.stats.brokenPdus).toBe(1)
  })

  test("skips and counts lines with control bytes or binary noise", () => {
    const noise = Uint8Array.of(
      0x0d,
      0x0a,
      0x01,
      0x02,
      0xff,
      0x1b,
      0x41,
      0x0d,
      0x0a,
      ...bytes("OK\r\n"),
    )
    const { frames, framer } = frame(noise)
    expect(frames).toEqual([{ type: "final", final: { kind: "ok" }, line: "OK" }])
    expect(framer.stats.garbageLines).toBe(1)
  })

  test("drops NUL bytes, which some modems send at power-up", () => {
    const { frames, framer } = frame(Uint8Array.of(0, 0, ...bytes("\r\nO"), 0, ...bytes("K\r\n")))
    expect(frames).toEqual([{ type: "final", final: { kind: "ok" }, line: "OK" }])
    expect(framer.stats.nulBytes).toBe(3)
  })

  test("skips an overlong line up to its end and carries on", () => {
    const framer = new AtFramer(64)
    const frames = [
      ...framer.push(bytes(`\r\n${"A".repeat(100)}`)),
      ...framer.push(bytes(`${"B".repeat(100)}\r\nOK\r\n`)),
    ]
    expect(frames).toEqual([{ type: "final", final: { kind: "ok" }, line: "OK" }])
    expect(framer.stats.overlongLines).toBe(1)
  })

  test("accepts CR-only line ends", () => {
    expect(frame("\r+CSQ: 20,99\rOK\r", "+CSQ").frames).toEqual([
      { type: "response", line: "+CSQ: 20,99" },
      { type: "final", final: { kind: "ok" }, line: "OK" },
    ])
  })

  test("keeps bare response lines (IMEI, PDUs) as responses", () => {
    expect(frame("\r\n351234567890123\r\n").frames).toEqual([
      { type: "response", line: "351234567890123" },
    ])
  })
})
