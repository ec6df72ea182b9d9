import { afterEach, describe, expect, test } from "bun:test"
import { normalizePhones } from "../codec/phone.ts"
import { createLogger, type Logger } from "../lib/logger.ts"
import { type PhoneNormalizer, startPhoneNormalizer } from "./phone-normalizer.ts"

// A list as a bulk request brings it: valid numbers in several spellings, and invalid ones.
const MIXED = [
  "+233201234567",
  "+44 7400 123456",
  "0044 7400 123457",
  "+1 (415) 555-2671",
  "+800 1234 5678",
  "+233 20",
  "not a number",
  "",
  "+4915112345678",
  "+999123456789",
]

function list(n: number): string[] {
  return Array.from({ length: n }, (_, i) => MIXED[i % MIXED.length]!)
}

/** A logger that keeps its warnings, to see the fallback say why. */
function recordingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = []
  const logger = createLogger("silent")
  logger.warn = ((_obj: unknown, msg?: string) => {
    warnings.push(msg ?? "")
  }) as Logger["warn"]
  return { logger, warnings }
}

/** A misbehaving worker from test/fixtures. */
function fixture(kind: "exits" | "silent"): string {
  return new URL(`../../test/fixtures/phone-worker-${kind}.ts`, import.meta.url).href
}

let normalizer: PhoneNormalizer | null = null
afterEach(() => {
  normalizer?.stop()
  normalizer = null
})

describe("phone normalizer", () => {
  test("a long list is normalised on the worker, exactly as inline", async () => {
    const { logger, warnings } = recordingLogger()
    normalizer = startPhoneNormalizer(logger, { minBatch: 8 })
    const numbers = list(1000)
    const answer = normalizer.normalize(numbers)
    expect(answer).toBeInstanceOf(Promise)
    const result = await answer
    expect(result).toEqual(normalizePhones(numbers))
    expect(result.e164[0]).toBe("+233201234567")
    expect(result.countries[0]).toBe("GH")
    expect(result.e164[2]).toBe("+447400123457")
    expect(result.invalid.map((i) => i.to)).toContain("not a number")
    expect(result.invalid.every((i) => result.e164[i.index] === "")).toBe(true)
    // Answered by the worker, not by the inline fallback.
    expect(warnings).toEqual([])
  })

  test("concurrent lists each get their own answer", async () => {
    normalizer = startPhoneNormalizer(createLogger("silent"), { minBatch: 2 })
    const lists = Array.from({ length: 20 }, (_, k) =>
      Array.from({ length: 50 }, (_, i) => `+4915${String(k * 1000 + i).padStart(9, "0")}`),
    )
    const results = await Promise.all(lists.map((l) => normalizer!.normalize(l)))
    for (let k = 0; k < lists.length; k++) {
      expect(results[k]!.e164).toEqual(lists[k]!)
      expect(results[k]!.invalid).toEqual([])
    }
  })

  test("a short list is answered inline, without a round trip", () => {
    normalizer = startPhoneNormalizer(createLogger("silent"), { minBatch: 64 })
    const answer = normalizer.normalize(["+233201234567", "nope"])
    expect(answer).not.toBeInstanceOf(Promise)
    expect((answer as ReturnType<typeof normalizePhones>).invalid).toEqual([
      { index: 1, to: "nope", reason: "phone number must not contain letters" },
    ])
  })

  test("a worker that cannot load: lists are normalised inline, and the log says so", async () => {
    const { logger, warnings } = recordingLogger()
    normalizer = startPhoneNormalizer(logger, {
      minBatch: 2,
      workerUrl: new URL("./no-such-worker.ts", import.meta.url).href,
    })
    const numbers = list(40)
    expect(await normalizer.normalize(numbers)).toEqual(normalizePhones(numbers))
    // Later lists too, once the failure is known.
    await Bun.sleep(50)
    expect(await normalizer.normalize(numbers)).toEqual(normalizePhones(numbers))
    expect(warnings.some((w) => w.includes("phone worker"))).toBe(true)
  })

  test("a worker that exits without an error: lists are normalised inline, then and later", async () => {
    const { logger, warnings } = recordingLogger()
    normalizer = startPhoneNormalizer(logger, { minBatch: 2, workerUrl: fixture("exits") })
    const numbers = list(40)
    expect(await normalizer.normalize(numbers)).toEqual(normalizePhones(numbers))
    expect(normalizer.normalize(numbers)).not.toBeInstanceOf(Promise)
    expect(warnings.some((w) => w.includes("phone worker failed"))).toBe(true)
  })

  test("a worker that never answers: the list is normalised inline after the timeout", async () => {
    const { logger, warnings } = recordingLogger()
    normalizer = startPhoneNormalizer(logger, {
      minBatch: 2,
      timeoutMs: 50,
      workerUrl: fixture("silent"),
    })
    const numbers = list(40)
    expect(await normalizer.normalize(numbers)).toEqual(normalizePhones(numbers))
    expect(warnings).toContain("phone worker did not answer; normalised inline")
  })

  test("stop answers the lists still on the worker", async () => {
    normalizer = startPhoneNormalizer(createLogger("silent"), { minBatch: 2 })
    const numbers = list(500)
    const answer = normalizer.normalize(numbers)
    normalizer.stop()
    expect(await answer).toEqual(normalizePhones(numbers))
    // After stop, inline.
    expect(normalizer.normalize(numbers)).not.toBeInstanceOf(Promise)
  })
})
