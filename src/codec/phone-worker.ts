/**
 * Worker thread entry: normalises lists of phone numbers (phone.ts) off the event loop.
 * A bulk request's 1,000 numbers take ~4 ms of libphonenumber; here they take it on another core
 * while the event loop commits and dispatches. Started by core/phone-normalizer.ts; listed as an
 * entry point of `bun run build` so the compiled binary carries it.
 */
import { normalizePhones, type PhoneBatchAnswer, type PhoneBatchRequest } from "./phone.ts"

declare const self: Worker

self.onmessage = (event: MessageEvent<PhoneBatchRequest>) => {
  const { id, numbers } = event.data
  const answer: PhoneBatchAnswer = { id, ...normalizePhones(numbers) }
  self.postMessage(answer)
}
