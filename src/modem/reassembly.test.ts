import { describe, expect, test } from "bun:test"
import { type MoPart, missingMarker, Reassembly } from "./reassembly.ts"

function part(index: number | null, sequence: number, text: string): MoPart {
  return {
    index,
    sequence,
    text,
    alphabet: "gsm7",
    sentAt: 1_000 + sequence,
    pdu: `pdu-${index}-${sequence}`,
  }
}

const concat = (reference: number, total: number, sequence: number, bits: 8 | 16 = 8) => ({
  reference,
  total,
  sequence,
  bits,
})

describe("Reassembly", () => {
  test("completes a set whose parts arrive out of order and joins them in sequence order", () => {
    const r = new Reassembly()
    r.add("+491", concat(7, 3, 3), part(5, 3, "three"), 0)
    r.add("+491", concat(7, 3, 1), part(2, 1, "one "), 10)
    const { set } = r.add("+491", concat(7, 3, 2), part(9, 2, "two "), 20)
    expect(r.isComplete(set)).toBe(true)
    const joined = r.join(set)
    expect(joined.text).toBe("one two three")
    expect(joined.entries.map((e) => e.index)).toEqual([2, 9, 5])
    expect(joined.sentAt).toBe(1_001)
    expect(joined.missing).toEqual([])
    expect(set.firstSeenAt).toBe(0)
  })

  test("keeps senders, references, totals and reference widths apart", () => {
    const r = new Reassembly()
    r.add("+491", concat(7, 2, 1), part(0, 1, "a"), 0)
    r.add("+492", concat(7, 2, 1), part(1, 1, "b"), 0)
    r.add("+491", concat(8, 2, 1), part(2, 1, "c"), 0)
    r.add("+491", concat(7, 3, 1), part(3, 1, "d"), 0)
    r.add("+491", concat(7, 2, 1, 16), part(4, 1, "e"), 0)
    expect(r.size).toBe(5)
    expect(r.complete()).toEqual([])
  })

  test("records a repeated part as a duplicate to delete with the set", () => {
    const r = new Reassembly()
    r.add("+491", concat(1, 2, 1), part(0, 1, "a"), 0)
    const again = r.add("+491", concat(1, 2, 1), part(4, 1, "a"), 5)
    expect(again.duplicate).toBe(true)
    const { set } = r.add("+491", concat(1, 2, 2), part(1, 2, "b"), 6)
    expect(r.join(set).entries.map((e) => e.index)).toEqual([0, 1, 4])
    expect(r.join(set).text).toBe("ab")
  })

  test("marks missing parts when a set is joined incomplete", () => {
    const r = new Reassembly()
    const { set } = r.add("+491", concat(1, 3, 2), part(0, 2, "middle"), 0)
    const joined = r.join(set)
    expect(joined.text).toBe(`${missingMarker(1, 3)}middle${missingMarker(3, 3)}`)
    expect(joined.missing).toEqual([1, 3])
    expect(joined.parts).toBe(1)
  })

  test("due() returns sets whose first part is at least the timeout old", () => {
    const r = new Reassembly()
    r.add("+491", concat(1, 2, 1), part(0, 1, "a"), 1_000)
    r.add("+492", concat(1, 2, 1), part(1, 1, "b"), 5_000)
    expect(r.due(5_999, 5_000).map((s) => s.from)).toEqual([])
    expect(r.due(6_000, 5_000).map((s) => s.from)).toEqual(["+491"])
  })

  test("holds() knows the SIM entries it tracks", () => {
    const r = new Reassembly()
    r.add("+491", concat(1, 2, 1), part(3, 1, "a"), 0)
    expect(r.holds(3, "pdu-3-1")).toBe(true)
    expect(r.holds(3, "another pdu")).toBe(false)
    expect(r.holds(4, "pdu-3-1")).toBe(false)
  })

  test("retain() forgets parts whose SIM slot vanished or changed and keeps unstored parts", () => {
    const r = new Reassembly()
    r.add("+491", concat(1, 3, 1), part(0, 1, "a"), 0)
    r.add("+491", concat(1, 3, 2), part(1, 2, "b"), 0)
    r.add("+491", concat(1, 3, 3), part(null, 3, "c"), 0)
    r.add("+492", concat(2, 2, 1), part(2, 1, "x"), 0)
    r.retain(
      new Map([
        [0, "pdu-0-1"],
        [1, "something else"],
      ]),
    )
    expect(r.values().map((s) => [s.from, [...s.parts.keys()]])).toEqual([["+491", [1, 3]]])
  })
})
