import { describe, expect, test } from "bun:test"
import { InFlight } from "./in-flight.ts"

const job = (name: string, deadline: number) => ({ name, deadline })

describe("InFlight", () => {
  test("is full at its size and frees a slot when a response takes its entry", () => {
    const window = new InFlight<ReturnType<typeof job>>(2)
    window.add(1, job("a", 100))
    window.add(2, job("b", 110))
    expect(window.full).toBe(true)
    expect(window.take(1)?.name).toBe("a")
    expect(window.take(1)).toBeUndefined()
    expect(window.full).toBe(false)
    expect(window.used).toBe(1)
  })

  test("expires entries whose deadline has passed, oldest first, and keeps the rest", () => {
    const window = new InFlight<ReturnType<typeof job>>(10)
    window.add(5, job("a", 100))
    window.add(6, job("b", 200))
    window.add(7, job("c", 300))
    expect(window.expire(99)).toBeNull()
    expect(window.expire(200)?.map((j) => j.name)).toEqual(["a", "b"])
    expect(window.used).toBe(1)
    expect(window.drain().map((j) => j.name)).toEqual(["c"])
    expect(window.used).toBe(0)
  })
})
