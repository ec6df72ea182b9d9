/**
 * Idempotency-Key answers (POST /v1/messages, POST /v1/customers/{id}/credits): the first answer
 * to a key is stored in the transaction that produced it and given again to every retry with
 * the same request; the same key with another request is 409 `idempotency_conflict`.
 */
import { AppError } from "../lib/app-error.ts"
import type { Store } from "../store/index.ts"

/** What identifies a request for its key: SHA-256 of its fields, JSON-encoded in a fixed order. */
export function requestHash(fields: readonly unknown[]): string {
  return new Bun.CryptoHasher("sha256").update(JSON.stringify(fields)).digest("hex")
}

/** The stored answer for a repeated key, or null for a new one. */
export function replayOf<B>(
  store: Store,
  account: string,
  key: string,
  requestHash: string,
): { status: number; body: B; replayed: true } | null {
  const previous = store.idempotency.get(account, key)
  if (!previous) return null
  if (previous.request_hash !== requestHash) {
    throw new AppError(
      "idempotency_conflict",
      `Idempotency-Key "${key}" was already used with a different request body`,
    )
  }
  return { status: previous.status, body: JSON.parse(previous.response) as B, replayed: true }
}

/** Stores the first answer to a key, inside the transaction that produced it. */
export function rememberAnswer(
  store: Store,
  answer: { account: string; key: string; requestHash: string; status: number; body: unknown },
  now: number,
): void {
  store.idempotency.put({
    account_id: answer.account,
    key: answer.key,
    request_hash: answer.requestHash,
    status: answer.status,
    response: JSON.stringify(answer.body),
    created_at: now,
  })
}
