import { describe, expect, test } from "bun:test"
import type { MoConcat, MoPart } from "./mo-pdu.ts"
import { type HeldSet, MoReassembler, type Offer } from "./mo-reassembly.ts"

function piece(
  sequence: number,
  total: number,
  { from = "+4915112345678", reference = 7, scheme = "udh8" as MoConcat["scheme"] } = {},
): [MoPart, MoConcat] {
  const concat: MoConcat = { scheme, reference, total, sequence }
  const part: MoPart = {
    from,
    to: "12345",
    dataCoding: 0,
    encoding: "gsm7",
    octets: Uint8Array.of(0x40 + sequence),
    concat,
    externalId: null,
    fingerprint: `${from} ${scheme} ${reference} ${sequence}/${total}`,
  }
  return [part, concat]
}

function offer(r: MoReassembler, args: [MoPart, MoConcat], now = 0): Offer {
  return r.offer(args[0], args[1], now)
}

function sequences(result: Offer): number[] {
  return result.kind === "complete" ? result.parts.map((p) => p.concat!.sequence) : []
}

describe("MoReassembler", () => {
  test("completes a set whose parts arrive out of order, in sequence order", () => {
    const r = new MoReassembler(60_000, 100)
    expect(offer(r, piece(3, 3)).kind).toBe("held")
    expect(offer(r, piece(1, 3)).kind).toBe("held")
    const done = offer(r, piece(2, 3))
    expect(sequences(done)).toEqual([1, 2, 3])
    expect(r.heldParts).toBe(3)
    if (done.kind === "complete") r.delivered(done.set)
    expect(r.heldParts).toBe(0)
    expect(r.pendingSets).toBe(0)
  })

  test("keeps interleaved sets apart by source, reference, total and scheme", () => {
    const r = new MoReassembler(60_000, 100)
    const other = { from: "+4917000000000" }
    offer(r, piece(1, 2))
    offer(r, piece(1, 2, other))
    offer(r, piece(1, 2, { reference: 8 }))
    offer(r, piece(1, 3))
    offer(r, piece(1, 2, { scheme: "sar" }))
    expect(r.pendingSets).toBe(5)
    expect(sequences(offer(r, piece(2, 2, other)))).toEqual([1, 2])
    expect(r.pendingSets).toBe(5)
  })

  test("replaces a redelivered part and counts it as a duplicate", () => {
    const r = new MoReassembler(60_000, 100)
    offer(r, piece(1, 2))
    expect(offer(r, piece(1, 2)).kind).toBe("held")
    expect(r.counters.duplicates).toBe(1)
    expect(r.heldParts).toBe(1)
    expect(offer(r, piece(2, 2)).kind).toBe("complete")
  })

  test("makes parts that arrive while the set is being stored wait for that outcome", () => {
    const r = new MoReassembler(60_000, 100)
    offer(r, piece(1, 2))
    const done = offer(r, piece(2, 2))
    const delivering = Promise.resolve(0)
    if (done.kind === "complete") done.set.delivering = delivering
    const again = offer(r, piece(2, 2))
    expect(again.kind === "busy" && again.delivering).toBe(delivering)
  })

  test("takes the completing part out when storing fails, so its redelivery completes the set", () => {
    const r = new MoReassembler(60_000, 100)
    offer(r, piece(2, 2))
    const done = offer(r, piece(1, 2))
    expect(done.kind).toBe("complete")
    r.failed((done as { set: HeldSet }).set, 1)
    expect(r.heldParts).toBe(1)
    expect(sequences(offer(r, piece(1, 2)))).toEqual([1, 2])
  })

  test("drops sets still incomplete after the timeout from their first part", () => {
    const dropped: [number, string][] = []
    const r = new MoReassembler(1000, 100, (set, reason) => dropped.push([set.received, reason]))
    offer(r, piece(1, 3), 0)
    offer(r, piece(2, 3), 900)
    offer(r, piece(1, 2, { reference: 9 }), 500)
    r.expire(999)
    expect(r.pendingSets).toBe(2)
    r.expire(1000)
    expect(dropped).toEqual([[2, "expired"]])
    expect(r.counters).toMatchObject({ expiredSets: 1, expiredParts: 2 })
    r.expire(1500)
    expect(r.pendingSets).toBe(0)
    expect(r.heldParts).toBe(0)
    // A late part starts a new set rather than completing the dropped one.
    expect(offer(r, piece(3, 3), 2000).kind).toBe("held")
  })

  test("never holds more than maxParts parts: the oldest sets go first", () => {
    const dropped: string[] = []
    const r = new MoReassembler(60_000, 4, (_, reason) => dropped.push(reason))
    offer(r, piece(1, 3, { reference: 1 }))
    offer(r, piece(2, 3, { reference: 1 }))
    offer(r, piece(1, 3, { reference: 2 }))
    offer(r, piece(1, 3, { reference: 3 }))
    expect(r.heldParts).toBe(4)
    offer(r, piece(1, 3, { reference: 4 }))
    expect(dropped).toEqual(["evicted"])
    expect(r.heldParts).toBe(3)
    expect(r.counters).toMatchObject({ evictedSets: 1, evictedParts: 2 })
  })
})
