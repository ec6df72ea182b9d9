/**
 * SMSC delivery receipts carried in deliver_sm short_message (SMPP 3.4 Appendix B):
 *   id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD
 *   err:E Text:...
 * Appendix B calls the format vendor-specific and carriers deviate: key case, missing or extra
 * fields, seconds in dates, ids in hex or decimal. The parser is therefore key-driven.
 */

export interface ParsedReceipt {
  id: string
  sub: string | null
  dlvrd: string | null
  submitDate: string | null
  doneDate: string | null
  stat: string
  err: string | null
  text: string | null
}

export type ReceiptState = "delivered" | "failed" | "expired" | "pending"

type Field = "id" | "sub" | "dlvrd" | "submitDate" | "doneDate" | "stat" | "err" | "text"

// A key is not preceded by a letter, digit or "_" (so "msgid:" is not "id:").
const KEY = /(?<![\p{L}\p{N}_])(id|sub|dlvrd|submit[\s_]*date|done[\s_]*date|stat|err|text)\s*:/giu

function fieldOf(key: string): Field {
  const k = key.toLowerCase()
  if (k.startsWith("submit")) return "submitDate"
  if (k.startsWith("done")) return "doneDate"
  return k as Field
}

/**
 * Parses a receipt. Each field's value is the first whitespace-separated token after its key,
 * except Text, which runs to the end (Appendix B puts it last; it is message content and may
 * itself contain "key:" text). The first occurrence of a key wins. Returns null without an id
 * or a stat, i.e. for anything that is not a receipt.
 */
export function parseReceiptText(text: string): ParsedReceipt | null {
  // C-octet strings may arrive with their NUL terminator (SMPP 3.4 §3.1).
  const source = text.replace(/\0+$/u, "")
  return parseCanonical(source) ?? parseByKeys(source)
}

// Appendix B's layout exactly, as most SMSCs write it (one space between fields, any key case).
// Values hold no ":" so that none of them can hide a key (those go to parseByKeys).
const CANONICAL =
  /^id:([^\s:]+) sub:([^\s:]*) dlvrd:([^\s:]*) submit date:([^\s:]*) done date:([^\s:]*) stat:([^\s:]+) err:([^\s:]*) text:(.*)$/is

/**
 * The common case without the key scan: one anchored ASCII regex. Anything it does not match
 * exactly goes to parseByKeys, which gives the same answer for what this one does match
 * (receipt.test.ts compares them on generated strings).
 */
export function parseCanonical(source: string): ParsedReceipt | null {
  const m = CANONICAL.exec(source)
  if (!m) return null
  const value = (v: string | undefined) => (v ? v : null)
  return {
    id: m[1]!,
    sub: value(m[2]),
    dlvrd: value(m[3]),
    submitDate: value(m[4]),
    doneDate: value(m[5]),
    stat: m[6]!,
    err: value(m[7]),
    text: value(m[8]?.trim()),
  }
}

/** Any layout: finds the keys, then reads each value up to the next key. */
export function parseByKeys(source: string): ParsedReceipt | null {
  const matches = [...source.matchAll(KEY)]
  const values = new Map<Field, string>()
  for (let i = 0; i < matches.length; i++) {
    const match = matches[i]!
    const field = fieldOf(match[1]!)
    const start = match.index + match[0].length
    if (field === "text") {
      if (!values.has("text")) values.set("text", source.slice(start).trim())
      break
    }
    const end = matches[i + 1]?.index ?? source.length
    const token = source.slice(start, end).trim().split(/\s+/u)[0] ?? ""
    if (!values.has(field)) values.set(field, token)
  }

  const get = (field: Field) => {
    const value = values.get(field)
    return value === undefined || value === "" ? null : value
  }
  const id = get("id")
  const stat = get("stat")
  if (id === null || stat === null) return null
  return {
    id,
    sub: get("sub"),
    dlvrd: get("dlvrd"),
    submitDate: get("submitDate"),
    doneDate: get("doneDate"),
    stat,
    err: get("err"),
    text: get("text"),
  }
}

// SMPP 3.4 §5.2.28 message_state, with the Appendix B stat abbreviations. 0 SCHEDULED and
// 9 SKIPPED are SMPP 5.0 §4.7.15 additions that some SMSCs send on 3.4 binds.
const MESSAGE_STATES: readonly string[] = [
  "SCHEDULED",
  "ENROUTE",
  "DELIVRD",
  "EXPIRED",
  "DELETED",
  "UNDELIV",
  "ACCEPTD",
  "UNKNOWN",
  "REJECTD",
  "SKIPPED",
]

/** Appendix B stat for a message_state TLV value; other numbers come back as decimal text. */
export function messageStateName(n: number): string {
  return MESSAGE_STATES[n] ?? String(n)
}

const STATE_OF: ReadonlyMap<string, ReceiptState> = new Map([
  ["DELIVRD", "delivered"],
  ["DELIVERED", "delivered"],
  ["UNDELIV", "failed"],
  ["UNDELIVERABLE", "failed"],
  ["UNDELIVERED", "failed"],
  ["REJECTD", "failed"],
  ["REJECTED", "failed"],
  ["DELETED", "failed"],
  ["UNKNOWN", "failed"],
  ["SKIPPED", "failed"],
  ["EXPIRED", "expired"],
])

/**
 * Final state for a receipt stat (Appendix B abbreviation, SMPP 3.4 §5.2.28 full name, or
 * message_state number). ENROUTE, ACCEPTD, SCHEDULED and anything unrecognised are pending.
 */
export function receiptState(stat: string): ReceiptState {
  const upper = stat.trim().toUpperCase()
  const name = /^\d+$/u.test(upper) ? messageStateName(Number(upper)) : upper
  return STATE_OF.get(name) ?? "pending"
}

/**
 * Appendix B submit/done date, YYMMDDhhmm or YYMMDDhhmmss, as epoch ms. Appendix B gives no time
 * zone; the SMSC's local time is usual, so callers should treat the result as approximate. Years
 * are 2000-2099. Returns null for any other shape or an impossible date.
 */
export function parseReceiptDate(value: string): number | null {
  const match = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?$/u.exec(value.trim())
  if (!match) return null
  const [yy, mo, dd, hh, mi, ss] = match.slice(1).map((part) => Number(part ?? "0")) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const year = 2000 + yy
  if (mo < 1 || mo > 12 || dd < 1 || hh > 23 || mi > 59 || ss > 59) return null
  const ms = Date.UTC(year, mo - 1, dd, hh, mi, ss)
  // Date.UTC rolls 31 April over to 1 May; a changed day means the date does not exist.
  if (new Date(ms).getUTCDate() !== dd) return null
  return ms
}
