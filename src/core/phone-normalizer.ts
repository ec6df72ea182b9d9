/**
 * Normalises a send request's recipients, the long lists on a worker thread.
 *
 * libphonenumber costs ~4 µs per number on the event loop, ~20 % of accepting a bulk request,
 * and that thread also commits and dispatches. A list of at least `minBatch` numbers goes to the
 * worker (codec/phone-worker.ts) and is normalised on another core meanwhile; shorter lists stay
 * inline, where a round trip to the worker would cost more than it saves. If the worker fails or
 * exits, its pending lists and every later one are normalised inline; a list it leaves
 * unanswered is normalised inline after a timeout: the answer never depends on it.
 */
import { type NormalizedPhones, normalizePhones, type PhoneBatchAnswer } from "../codec/phone.ts"
import type { Logger } from "../lib/logger.ts"
import { PHONE_WORKER_URL } from "../worker-urls.ts"

export interface PhoneNormalizer {
  normalize(numbers: readonly string[]): NormalizedPhones | Promise<NormalizedPhones>
  stop(): void
}

/** Below this many numbers a list is normalised inline (a round trip costs ~0.1 ms). */
export const DEFAULT_MIN_BATCH = 64
/** A list the worker has not answered by then is normalised inline. */
export const DEFAULT_TIMEOUT_MS = 5000

export function startPhoneNormalizer(
  logger: Logger,
  options: { minBatch?: number; workerUrl?: string; timeoutMs?: number } = {},
): PhoneNormalizer {
  const minBatch = options.minBatch ?? DEFAULT_MIN_BATCH
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const pending = new Map<
    number,
    { numbers: readonly string[]; resolve: (r: NormalizedPhones) => void }
  >()
  let nextId = 1
  let worker: Worker | null = null
  /** No worker from now on: the lists it holds are normalised here. */
  const shutDown = () => {
    const w = worker
    worker = null
    w?.terminate()
    for (const { numbers, resolve } of pending.values()) resolve(normalizePhones(numbers))
    pending.clear()
  }
  const failed = (reason: string) => {
    if (!worker) return
    logger.warn({ err: reason }, "phone worker failed; normalising numbers on the event loop")
    shutDown()
  }
  try {
    worker = new Worker(options.workerUrl ?? PHONE_WORKER_URL)
    // Never what keeps the process alive; a list in flight at exit has no one to answer.
    worker.unref()
    worker.onmessage = (event: MessageEvent<PhoneBatchAnswer>) => {
      const { id, ...result } = event.data
      const job = pending.get(id)
      if (!job) return
      pending.delete(id)
      job.resolve(result)
    }
    worker.onerror = (event) => failed(event.message)
    worker.onmessageerror = () => failed("an answer could not be read")
    // A worker that ends without an error (process.exit in it, the runtime stopping it) would
    // otherwise leave its lists unanswered, and every later one with them.
    worker.addEventListener("close", () => failed("the worker exited"))
  } catch (error) {
    logger.warn(
      { err: (error as Error).message },
      "phone worker did not start; normalising numbers on the event loop",
    )
    worker = null
  }
  return {
    normalize(numbers) {
      if (!worker || numbers.length < minBatch) return normalizePhones(numbers)
      const id = nextId++
      const w = worker
      return new Promise<NormalizedPhones>((resolve) => {
        // A worker that stops answering without failing: the list is normalised inline after
        // `timeoutMs` (a 1,000-number list takes it ~5 ms), and a late answer is ignored.
        const timer = setTimeout(() => {
          if (!pending.delete(id)) return
          logger.warn({ numbers: numbers.length }, "phone worker did not answer; normalised inline")
          resolve(normalizePhones(numbers))
        }, timeoutMs)
        pending.set(id, {
          numbers,
          resolve: (r) => {
            clearTimeout(timer)
            resolve(r)
          },
        })
        w.postMessage({ id, numbers })
      })
    },
    stop: shutDown,
  }
}
