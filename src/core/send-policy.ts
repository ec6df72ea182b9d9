/**
 * What accepting a message asks of tenancy (core/accept.ts): which sender it goes out with,
 * what it costs, and, inside the accept transaction, reserving the credits (live keys) or
 * marking the batch as sandbox traffic (test keys: priced, never charged).
 */
import type { Store } from "../store/index.ts"
import type { KeyMode } from "../store/key-repo.ts"
import { isMetered, reserveBatch } from "./ledger.ts"
import type { PriceTable, Pricing } from "./prices.ts"
import type { SenderService } from "./senders.ts"

export interface SendPolicy {
  /**
   * The approved sender (or the account's default); throws 422 sender_not_approved. A reply in
   * a conversation goes from the number the contact wrote to (set by the server, not the client).
   */
  sender(req: { accountId: string; conversation?: unknown }, from: string | null): string | null
  /** Credits per recipient: segments × the price of its country. */
  price(countries: readonly (string | undefined)[], segments: number): Pricing
  /**
   * Inside the accept transaction, after the rows are inserted: a live batch reserves its
   * credits (402 insufficient_credits rolls the whole batch back); a sandbox batch is marked.
   */
  commit(
    req: { accountId: string; mode?: KeyMode },
    batchId: string,
    messages: readonly { id: string }[],
    pricing: Pricing,
    now: number,
  ): void
}

export function createSendPolicy(deps: {
  store: Store
  prices: PriceTable
  senders: SenderService
}): SendPolicy {
  const { store, prices, senders } = deps
  return {
    sender: (req, from) =>
      req.conversation !== undefined && from !== null
        ? from
        : senders.resolveSender(req.accountId, from),
    price: (countries, segments) => prices.price(countries, segments),
    commit(req, batchId, messages, pricing, now) {
      if (req.mode === "test") return // sandbox: priced, never charged
      // The operator's sends cost no ledger statement at all (the benchmarks use the admin key).
      if (!isMetered(req.accountId)) return
      const ids = messages.map((m) => m.id)
      reserveBatch(store.ledger, req.accountId, batchId, ids, pricing.amounts, pricing.total, now)
    },
  }
}
