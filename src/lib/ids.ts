/**
 * Prefixed, time-ordered identifiers (`msg_…`, `bat_…`). The first 10 characters encode the
 * millisecond timestamp in Crockford base32 so new rows append to the end of SQLite's B-tree
 * (ULID layout); the remaining 16 are random, or the previous id's plus one within the same
 * millisecond (79 random bits to start from). Lexical order = creation order.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

export type IdPrefix =
  | "msg"
  | "bat"
  | "acc"
  | "key"
  | "snd"
  | "whk"
  | "evt"
  | "req"
  | "inb"
  | "cnv"
  | "whd"
  | "num"

let lastMs = 0
// The random part of the last id as 16 base32 digits (80 bits), and its first 15 as a string:
// an id in the same millisecond is the last one plus 1, which changes only the last digit 31
// times in 32 (a bulk request makes 1,000 ids in one millisecond).
const digits = new Uint8Array(16)
let head = ""

// The time part of the last id.
let encodedMs = -1
let encodedTime = ""

function encodeTime(ms: number): string {
  if (ms === encodedMs) return encodedTime
  let out = ""
  let t = ms
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out
    t = Math.floor(t / 32)
  }
  encodedMs = ms
  encodedTime = out
  return out
}

function encodeHead(): string {
  let out = ""
  for (let i = 0; i < 15; i++) out += ALPHABET[digits[i]!]
  return out
}

/** Fresh random digits; the top one below 16, to leave room to increment without overflow. */
function randomize(): void {
  crypto.getRandomValues(digits)
  for (let i = 0; i < 16; i++) digits[i]! &= 31
  digits[0]! &= 15
  head = encodeHead()
}

/** The random part plus 1, carrying through the base32 digits. */
function increment(): void {
  for (let i = 15; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]!++
      if (i < 15) head = encodeHead()
      return
    }
    digits[i] = 0
  }
}

/** Monotonic within a process: ids made in the same millisecond still sort in creation order. */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now <= lastMs) {
    increment()
    now = lastMs
  } else {
    lastMs = now
    randomize()
  }
  return `${prefix}_${encodeTime(now)}${head}${ALPHABET[digits[15]!]}`
}
