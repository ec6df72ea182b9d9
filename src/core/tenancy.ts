/** Wires the tenancy services (accounts, keys, money, sender IDs, rate limits) over one store. */
import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"
import { AccountService } from "./accounts.ts"
import { Authenticator, type Principal } from "./auth.ts"
import { KeyService } from "./keys.ts"
import { PriceTable, type PriceTableView } from "./prices.ts"
import { type RateLimitDecision, RateLimiter } from "./rate-limit.ts"
import { createSendPolicy, type SendPolicy } from "./send-policy.ts"
import { SenderService } from "./senders.ts"

export interface Tenancy {
  auth: Authenticator
  accounts: AccountService
  keys: KeyService
  prices: PriceTable
  senders: SenderService
  policy: SendPolicy
  rateLimit(principal: Principal): RateLimitDecision | null
}

export function createTenancy(deps: {
  store: Store
  clock: Clock
  logger: Logger
  /** The config's [prices]: applied now, replacing the stored table. null: keep the stored one. */
  prices?: PriceTableView | null
}): Tenancy {
  const { store, clock } = deps
  const logger = deps.logger.child({ component: "tenancy" })
  const auth = new Authenticator(store.settings, {
    keys: store.keys,
    accounts: store.accounts,
    // last_used_at is bookkeeping: written in the background, at most once a minute per key.
    onUsed: (keyId, at) => {
      store.batcher
        .run(() => store.keys.touch(keyId, at))
        .catch((error) => logger.warn({ err: error, key: keyId }, "recording key use failed"))
    },
  })
  const prices = new PriceTable({ store, clock })
  if (deps.prices && prices.applyDeclared(deps.prices)) {
    logger.info({ prices: prices.view() }, "price table replaced by [prices] from the config")
  }
  const senders = new SenderService({ store, clock, logger })
  const limiter = new RateLimiter(clock)
  return {
    auth,
    accounts: new AccountService({ store, clock, logger, auth }),
    keys: new KeyService({ store, clock, logger, auth }),
    prices,
    senders,
    policy: createSendPolicy({ store, prices, senders }),
    rateLimit: (p) => (p.rateLimit === null ? null : limiter.take(p.keyId, p.rateLimit)),
  }
}
