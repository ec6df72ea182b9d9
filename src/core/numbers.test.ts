// Number/keyword normalisation and the precedence of assignments for an inbound message.
import { describe, expect, test } from "bun:test"
import type { NumberRow } from "../store/index.ts"
import { bestAssignment, firstWord, normalizeKeyword, normalizeOurNumber } from "./numbers.ts"

describe("normalizeOurNumber", () => {
  test.each([
    ["+233200000001", "+233200000001"],
    ["+233 20 000 0001", "+233200000001"],
    ["0044 20 7946 0958", "+442079460958"],
    ["12345", "12345"],
    ["123", "123"],
    ["12345678", "12345678"],
    // E.164-shaped but outside libphonenumber's known ranges: kept, as an SMSC would send it.
    ["+999123456789", "+999123456789"],
  ])("%p → %p", (input, expected) => {
    expect(normalizeOurNumber(input)).toBe(expected)
  })

  test.each(["12", "SHOP", "+0123456", "123456789"])("refuses %p", (input) => {
    expect(() => normalizeOurNumber(input)).toThrow(/neither an E.164 number/)
  })
})

describe("normalizeKeyword", () => {
  test("upper-cases one word", () => {
    expect(normalizeKeyword(" pizza ")).toBe("PIZZA")
    expect(normalizeKeyword("Café2")).toBe("CAFÉ2")
  })

  test.each(["two words", "", "x".repeat(21), "hi!"])("refuses %p", (input) => {
    expect(() => normalizeKeyword(input)).toThrow(/one word/)
  })

  test.each(["stop", "START", "Unsubscribe", "unstop"])(
    "refuses the opt-out/opt-in word %p",
    (input) => {
      expect(() => normalizeKeyword(input)).toThrow(/reserved/)
    },
  )
})

describe("firstWord", () => {
  test.each([
    ["pizza large please", "PIZZA"],
    ["  Pizza, large", "PIZZA"],
    ["PIZZA", "PIZZA"],
    ["", ""],
    ["?? help", ""],
  ])("%p → %p", (text, expected) => {
    expect(firstWord(text)).toBe(expected)
  })
})

describe("bestAssignment", () => {
  const row = (id: string, keyword: string | null, connector: string | null): NumberRow => ({
    id,
    account_id: `acc_${id}`,
    number: "12345",
    keyword,
    connector_id: connector,
    created_at: 0,
  })
  const whole = row("whole", null, null)
  const wholeOnA = row("wholeA", null, "carrier-a")
  const pizza = row("pizza", "PIZZA", null)
  const pizzaOnA = row("pizzaA", "PIZZA", "carrier-a")

  test("a keyword match beats the whole number; the arrival connector beats any connector", () => {
    const all = [whole, wholeOnA, pizza, pizzaOnA]
    expect(bestAssignment(all, "carrier-a", "pizza please")?.id).toBe("pizzaA")
    expect(bestAssignment(all, "carrier-b", "pizza please")?.id).toBe("pizza")
    expect(bestAssignment(all, "carrier-a", "hello")?.id).toBe("wholeA")
    expect(bestAssignment(all, "carrier-b", "hello")?.id).toBe("whole")
  })

  test("nothing applies: another connector only, or another keyword only", () => {
    expect(bestAssignment([wholeOnA], "carrier-b", "hello")).toBeNull()
    expect(bestAssignment([pizza], "carrier-a", "burger")).toBeNull()
    expect(bestAssignment([], "carrier-a", "hello")).toBeNull()
  })
})
