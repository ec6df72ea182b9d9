/**
 * The fake modem's own PDU code: builds SMS-DELIVER and SMS-STATUS-REPORT PDUs for injection and
 * decodes the SMS-SUBMITs the driver sends. Deliberately independent of src/codec (its own
 * alphabet table and a bit-by-bit septet packer, written from TS 23.038 §6.1.2 / TS 23.040 §9),
 * so a bug there cannot hide behind the same bug here.
 */

// TS 23.038 §6.2.1, row by row; index = septet. 0x1B (escape) is a placeholder here.
const ALPHABET = [
  "@",
  "£",
  "$",
  "¥",
  "è",
  "é",
  "ù",
  "ì",
  "ò",
  "Ç",
  "\n",
  "Ø",
  "ø",
  "\r",
  "Å",
  "å",
  "Δ",
  "_",
  "Φ",
  "Γ",
  "Λ",
  "Ω",
  "Π",
  "Ψ",
  "Σ",
  "Θ",
  "Ξ",
  "\u001b",
  "Æ",
  "æ",
  "ß",
  "É",
  " ",
  "!",
  '"',
  "#",
  "¤",
  "%",
  "&",
  "'",
  "(",
  ")",
  "*",
  "+",
  ",",
  "-",
  ".",
  "/",
  "0",
  "1",
  "2",
  "3",
  "4",
  "5",
  "6",
  "7",
  "8",
  "9",
  ":",
  ";",
  "<",
  "=",
  ">",
  "?",
  "¡",
  "A",
  "B",
  "C",
  "D",
  "E",
  "F",
  "G",
  "H",
  "I",
  "J",
  "K",
  "L",
  "M",
  "N",
  "O",
  "P",
  "Q",
  "R",
  "S",
  "T",
  "U",
  "V",
  "W",
  "X",
  "Y",
  "Z",
  "Ä",
  "Ö",
  "Ñ",
  "Ü",
  "§",
  "¿",
  "a",
  "b",
  "c",
  "d",
  "e",
  "f",
  "g",
  "h",
  "i",
  "j",
  "k",
  "l",
  "m",
  "n",
  "o",
  "p",
  "q",
  "r",
  "s",
  "t",
  "u",
  "v",
  "w",
  "x",
  "y",
  "z",
  "ä",
  "ö",
  "ñ",
  "ü",
  "à",
]
// §6.2.1.1 extension table.
const EXTENSION: Record<string, number> = {
  "\f": 10,
  "^": 20,
  "{": 40,
  "}": 41,
  "\\": 47,
  "[": 60,
  "~": 61,
  "]": 62,
  "|": 64,
  "€": 101,
}
const EXTENSION_BY_CODE = new Map(Object.entries(EXTENSION).map(([char, code]) => [code, char]))

export function gsmSeptets(text: string): number[] | null {
  const out: number[] = []
  for (const char of text) {
    const basic = ALPHABET.indexOf(char)
    if (basic >= 0 && basic !== 0x1b) out.push(basic)
    else if (char in EXTENSION) out.push(0x1b, EXTENSION[char]!)
    else return null
  }
  return out
}

function septetsToText(septets: number[]): string {
  let out = ""
  for (let i = 0; i < septets.length; i++) {
    if (septets[i] === 0x1b && i + 1 < septets.length)
      out += EXTENSION_BY_CODE.get(septets[++i]!) ?? "?"
    else out += ALPHABET[septets[i]!] ?? "?"
  }
  return out
}

/** Bit by bit, LSB first, after `fill` zero bits (TS 23.038 §6.1.2.1.1). */
function pack(septets: number[], fill: number): number[] {
  const bits: number[] = new Array(fill).fill(0)
  for (const s of septets) for (let b = 0; b < 7; b++) bits.push((s >> b) & 1)
  const out: number[] = []
  for (let i = 0; i < bits.length; i += 8) {
    let byte = 0
    for (let b = 0; b < 8 && i + b < bits.length; b++) byte |= bits[i + b]! << b
    out.push(byte)
  }
  return out
}

function unpack(bytes: number[], count: number, fill: number): number[] {
  const out: number[] = []
  for (let n = 0; n < count; n++) {
    let septet = 0
    for (let b = 0; b < 7; b++) {
      const bit = fill + n * 7 + b
      septet |= (((bytes[bit >> 3] ?? 0) >> (bit & 7)) & 1) << b
    }
    out.push(septet)
  }
  return out
}

function ucs2(text: string): number[] {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) >> 8, text.charCodeAt(i) & 0xff)
  return out
}

function fromUcs2(bytes: number[]): string {
  let out = ""
  for (let i = 0; i + 1 < bytes.length; i += 2)
    out += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!)
  return out
}

function semiOctets(digits: string): number[] {
  const out: number[] = []
  for (let i = 0; i < digits.length; i += 2) {
    const low = Number.parseInt(digits[i]!, 10)
    const high = i + 1 < digits.length ? Number.parseInt(digits[i + 1]!, 10) : 0xf
    out.push((high << 4) | low)
  }
  return out
}

function address(value: string, toa?: number): number[] {
  if (toa !== undefined && /^\+?\d+$/u.test(value)) {
    const digits = value.replace(/^\+/u, "")
    return [digits.length, toa, ...semiOctets(digits)]
  }
  if (value.startsWith("+")) return [value.length - 1, 0x91, ...semiOctets(value.slice(1))]
  if (/^\d+$/u.test(value)) return [value.length, 0x81, ...semiOctets(value)]
  // Alphanumeric (TON 101): the length counts the semi-octets of the packed septets.
  const packed = pack(gsmSeptets(value) ?? [], 0)
  return [Math.ceil((gsmSeptets(value)!.length * 7) / 4), 0xd0, ...packed]
}

function smscField(smsc: string | null): number[] {
  if (smsc === null) return [0]
  const digits = smsc.replace(/^\+/u, "")
  const body = semiOctets(digits)
  return [body.length + 1, smsc.startsWith("+") ? 0x91 : 0x81, ...body]
}

/** TS 23.040 §9.2.3.11 with the zone in quarters of an hour (negative allowed). */
function timeStamp(at: Date, zoneQuarters: number): number[] {
  const local = new Date(at.getTime() + zoneQuarters * 15 * 60_000)
  const swap = (n: number) => ((n % 10) << 4) | Math.floor(n / 10)
  const q = Math.abs(zoneQuarters)
  const tz = ((q % 10) << 4) | Math.floor(q / 10) | (zoneQuarters < 0 ? 0x08 : 0)
  return [
    swap(local.getUTCFullYear() % 100),
    swap(local.getUTCMonth() + 1),
    swap(local.getUTCDate()),
    swap(local.getUTCHours()),
    swap(local.getUTCMinutes()),
    swap(local.getUTCSeconds()),
    tz,
  ]
}

function hex(bytes: number[]): string {
  return bytes
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase()
}

function bytesOf(text: string): number[] {
  const out: number[] = []
  for (let i = 0; i + 1 < text.length; i += 2) out.push(Number.parseInt(text.slice(i, i + 2), 16))
  return out
}

export interface BuiltPdu {
  hex: string
  /** TPDU octets without the SMSC field: the <length> of +CMGR / +CMGL / +CMT / +CDS. */
  tpduLength: number
}

export interface DeliverSpec {
  /** "+…" → TOA 0x91, digits → 0x81 (unknown), anything else alphanumeric (0xD0). */
  from: string
  /** Type-of-address for digits in `from` (e.g. 0xA1, national); default as above. */
  fromToa?: number
  text: string
  encoding?: "gsm7" | "ucs2"
  concat?: { reference: number; total: number; sequence: number; bits?: 8 | 16 }
  sentAt?: Date
  zoneQuarters?: number
  smsc?: string | null
  pid?: number
  /** Overrides the DCS derived from `encoding` (e.g. 0xC8 for a discard-type indication). */
  dcs?: number
}

export function buildDeliver(spec: DeliverSpec): BuiltPdu {
  const encoding = spec.encoding ?? (gsmSeptets(spec.text) ? "gsm7" : "ucs2")
  const concat = spec.concat
  const udh = !concat
    ? []
    : concat.bits === 16
      ? [6, 0x08, 4, concat.reference >> 8, concat.reference & 0xff, concat.total, concat.sequence]
      : [5, 0x00, 3, concat.reference & 0xff, concat.total, concat.sequence]
  let udl: number
  let ud: number[]
  if (encoding === "gsm7") {
    const septets = gsmSeptets(spec.text)
    if (!septets) throw new Error(`"${spec.text}" is not GSM 7-bit`)
    const fill = udh.length === 0 ? 0 : (7 - ((udh.length * 8) % 7)) % 7
    udl = (udh.length * 8 + fill) / 7 + septets.length
    ud = [...udh, ...pack(septets, fill)]
  } else {
    ud = [...udh, ...ucs2(spec.text)]
    udl = ud.length
  }
  const first = 0x04 | (udh.length > 0 ? 0x40 : 0)
  const dcs = spec.dcs ?? (encoding === "gsm7" ? 0x00 : 0x08)
  const tpdu = [
    first,
    ...address(spec.from, spec.fromToa),
    spec.pid ?? 0,
    dcs,
    ...timeStamp(spec.sentAt ?? new Date(), spec.zoneQuarters ?? 4),
    udl,
    ...ud,
  ]
  return {
    hex: hex([...smscField(spec.smsc ?? "+4917600000000"), ...tpdu]),
    tpduLength: tpdu.length,
  }
}

export interface ReportSpec {
  mr: number
  recipient: string
  status: number
  sentAt?: Date
  doneAt?: Date
  smsc?: string | null
}

export function buildStatusReport(spec: ReportSpec): BuiltPdu {
  const now = new Date()
  const tpdu = [
    0x06,
    spec.mr & 0xff,
    ...address(spec.recipient),
    ...timeStamp(spec.sentAt ?? now, 4),
    ...timeStamp(spec.doneAt ?? now, 4),
    spec.status,
  ]
  return {
    hex: hex([...smscField(spec.smsc ?? "+4917600000000"), ...tpdu]),
    tpduLength: tpdu.length,
  }
}

export interface DecodedSubmit {
  smsc: string | null
  firstOctet: number
  statusReportRequest: boolean
  messageReference: number
  to: string
  toa: number
  pid: number
  dcs: number
  udl: number
  concat: { reference: number; total: number; sequence: number } | null
  text: string
}

/** Decodes an SMS-SUBMIT without the UDH elements other than IE 0x00 / 0x08. */
export function decodeSubmit(pduHex: string): DecodedSubmit {
  const b = bytesOf(pduHex)
  let i = 0
  const smscLength = b[i++]!
  const smsc = smscLength === 0 ? null : hex(b.slice(i + 1, i + smscLength))
  i += smscLength
  const first = b[i++]!
  if ((first & 0x03) !== 0x01) throw new Error(`not an SMS-SUBMIT: first octet ${first}`)
  const mr = b[i++]!
  const digits = b[i++]!
  const toa = b[i++]!
  let to = ""
  for (let n = 0; n < digits; n++) {
    const byte = b[i + (n >> 1)]!
    to += ((n & 1 ? byte >> 4 : byte & 0x0f) & 0x0f).toString(16)
  }
  i += Math.ceil(digits / 2)
  const pid = b[i++]!
  const dcs = b[i++]!
  const vpf = (first >> 3) & 0x03
  i += vpf === 2 ? 1 : vpf === 0 ? 0 : 7
  const udl = b[i++]!
  const ud = b.slice(i)
  let headerOctets = 0
  let concat: DecodedSubmit["concat"] = null
  if (first & 0x40) {
    headerOctets = ud[0]! + 1
    for (let p = 1; p < headerOctets; p += 2 + ud[p + 1]!) {
      if (ud[p] === 0x00)
        concat = { reference: ud[p + 2]!, total: ud[p + 3]!, sequence: ud[p + 4]! }
      if (ud[p] === 0x08)
        concat = {
          reference: (ud[p + 2]! << 8) | ud[p + 3]!,
          total: ud[p + 4]!,
          sequence: ud[p + 5]!,
        }
    }
  }
  let text: string
  if ((dcs & 0x0c) === 0x08) {
    text = fromUcs2(ud.slice(headerOctets, udl))
  } else {
    const fill = headerOctets === 0 ? 0 : (7 - ((headerOctets * 8) % 7)) % 7
    const skip = headerOctets === 0 ? 0 : (headerOctets * 8 + fill) / 7
    text = septetsToText(unpack(ud.slice(headerOctets), udl - skip, fill))
  }
  return {
    smsc,
    firstOctet: first,
    statusReportRequest: (first & 0x20) !== 0,
    messageReference: mr,
    to: `${toa === 0x91 ? "+" : ""}${to}`,
    toa,
    pid,
    dcs,
    udl,
    concat,
    text,
  }
}
