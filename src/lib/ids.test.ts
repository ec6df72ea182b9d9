import { describe, expect, test } from "bun:test"
import { newId } from "./ids.ts"

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

/** The millisecond timestamp in an id's first 10 base32 characters. */
function timeOf(id: string): number {
  let t = 0
  for (const c of id.slice(4, 14)) t = t * 32 + ALPHABET.indexOf(c)
  return t
}

// Ids are monotonic per process (a time before the last id's reuses the last id's), and test
// files share the process: these use times a moment ahead of now, never far from it.
const soon = () => Date.now() + 50

describe("newId", () => {
  test("prefix, then 26 Crockford base32 characters", () => {
    expect(newId("msg")).toMatch(/^msg_[0-9a-hjkmnp-tv-z]{26}$/)
  })

  test("the first 10 characters are the millisecond it was made", () => {
    const at = soon()
    expect(timeOf(newId("bat", at))).toBe(at)
    expect(timeOf(newId("bat", at + 1))).toBe(at + 1)
  })

  test("ids of one millisecond, and of the next, sort in the order they were made", () => {
    const at = soon() + 2
    const ids = [
      ...Array.from({ length: 1000 }, () => newId("msg", at)),
      ...Array.from({ length: 10 }, () => newId("msg", at + 1)),
    ]
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(timeOf(ids[999]!)).toBe(at)
    expect(timeOf(ids[1000]!)).toBe(at + 1)
  })

  test("a clock that steps back keeps the order (the last millisecond is reused)", () => {
    const at = soon() + 4
    const a = newId("msg", at)
    const b = newId("msg", at - 5_000)
    expect(b > a).toBe(true)
    expect(timeOf(b)).toBe(at)
  })
})
