/**
 * Prefixed, time-ordered identifiers (`msg_…`, `bat_…`). The first 10 characters encode the
 * millisecond timestamp in Crockford base32 so new rows append to the end of SQLite's B-tree
 * (ULID layout); the remaining 16 are random. Lexical order = creation order.
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
let lastRandom = new Uint8Array(10)

// The time part of the last id: a bulk request makes 1,000 ids in the same millisecond.
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

function encodeRandom(bytes: Uint8Array): string {
  // 10 bytes = 80 bits = 16 base32 characters.
  let out = ""
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += ALPHABET[(acc >> bits) & 31]
    }
    acc &= (1 << bits) - 1
  }
  return out
}

/** Monotonic within a process: ids made in the same millisecond still sort in creation order. */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  if (now <= lastMs) {
    const next = lastRandom.slice()
    for (let i = next.length - 1; i >= 0; i--) {
      next[i] = (next[i]! + 1) & 0xff
      if (next[i] !== 0) break
    }
    lastRandom = next
    now = lastMs
  } else {
    lastMs = now
    lastRandom = crypto.getRandomValues(new Uint8Array(10))
    lastRandom[0]! &= 0x7f // leave room to increment without overflow
  }
  return `${prefix}_${encodeTime(now)}${encodeRandom(lastRandom)}`
}
