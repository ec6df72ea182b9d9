/**
 * The storage boundary: services receive these repos, never a Database. A PostgreSQL backend
 * (design.md §11) would provide the same shapes.
 */
import type { Database } from "bun:sqlite"
import { AccountRepo } from "./account-repo.ts"
import { WriteBatcher } from "./batcher.ts"
import type { WalCheckpoint } from "./checkpointer.ts"
import { ConversationRepo } from "./conversation-repo.ts"
import { IdempotencyRepo } from "./idempotency-repo.ts"
import { InboundRepo } from "./inbound-repo.ts"
import { KeyRepo } from "./key-repo.ts"
import { LedgerRepo } from "./ledger-repo.ts"
import { MessageRepo } from "./message-repo.ts"
import { MoPartRepo } from "./mo-part-repo.ts"
import { NumberRepo } from "./number-repo.ts"
import { openDatabase, type SynchronousMode } from "./open.ts"
import { OptOutRepo } from "./opt-out-repo.ts"
import { PriceRepo } from "./price-repo.ts"
import { SenderRepo } from "./sender-repo.ts"
import { SettingsRepo } from "./settings-repo.ts"
import { WebhookRepo } from "./webhook-repo.ts"

export type { ConversationRow } from "./conversation-repo.ts"
export type { InboundRow } from "./inbound-repo.ts"
export type {
  BatchRecipient,
  ClaimedRow,
  EventRow,
  Lane,
  MessageMode,
  MessageRow,
  MessageStatus,
  NewBatch,
  NewMessage,
  PartRow,
} from "./message-repo.ts"
export { isFinalStatus } from "./message-repo.ts"
export type { DroppedMoSet, MoPartRow } from "./mo-part-repo.ts"
export type { NumberRow } from "./number-repo.ts"
export { StoreError } from "./open.ts"
export type { OptOutRow } from "./opt-out-repo.ts"

export interface Store {
  readonly path: string
  readonly batcher: WriteBatcher
  readonly messages: MessageRepo
  readonly idempotency: IdempotencyRepo
  readonly inbound: InboundRepo
  /** MO parts held until their set completes, and MO fingerprints (0008). */
  readonly moParts: MoPartRepo
  readonly settings: SettingsRepo
  readonly webhooks: WebhookRepo
  /** Two-way messaging (0007): numbers and keywords, conversations, opt-outs. */
  readonly numbers: NumberRepo
  readonly conversations: ConversationRepo
  readonly optOuts: OptOutRepo
  readonly accounts: AccountRepo
  readonly keys: KeyRepo
  readonly ledger: LedgerRepo
  readonly prices: PriceRepo
  readonly senders: SenderRepo
  /** Runs fn in a transaction right now (for one-off administrative writes). */
  transaction<T>(fn: () => T): T
  isHealthy(): boolean
  /** One PASSIVE WAL checkpoint on this connection (store/checkpointer.ts). */
  checkpoint(): WalCheckpoint
  close(): void
}

export function openStore(path: string, synchronous: SynchronousMode = "normal"): Store {
  const db: Database = openDatabase(path, synchronous)
  const batcher = new WriteBatcher(db)
  return {
    path,
    batcher,
    messages: new MessageRepo(db),
    idempotency: new IdempotencyRepo(db),
    inbound: new InboundRepo(db),
    moParts: new MoPartRepo(db),
    settings: new SettingsRepo(db),
    webhooks: new WebhookRepo(db),
    numbers: new NumberRepo(db),
    conversations: new ConversationRepo(db),
    optOuts: new OptOutRepo(db),
    accounts: new AccountRepo(db),
    keys: new KeyRepo(db),
    ledger: new LedgerRepo(db),
    prices: new PriceRepo(db),
    senders: new SenderRepo(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)() as T,
    isHealthy() {
      try {
        return db.query<{ ok: number }, []>("SELECT 1 AS ok").get()?.ok === 1
      } catch {
        return false
      }
    },
    checkpoint() {
      return db.query<WalCheckpoint, []>("PRAGMA wal_checkpoint(PASSIVE)").get()!
    },
    close() {
      batcher.flush()
      db.close()
    },
  }
}
