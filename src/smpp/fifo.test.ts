import { describe, expect, test } from "bun:test"
import { Fifo } from "./fifo.ts"

describe("Fifo", () => {
  test("keeps insertion order across growth and wrap-around", () => {
    const queue = new Fifo<number>()
    const out: number[] = []
    for (let i = 0; i < 100; i++) {
      queue.push(i)
      if (i % 3 === 0) out.push(queue.shift()!)
    }
    expect(queue.peek()).toBe(34)
    out.push(...queue.drain())
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(queue.length).toBe(0)
    expect(queue.shift()).toBeUndefined()
  })
})
