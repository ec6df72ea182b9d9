/**
 * The storage boundary: services receive these repos, never a Database. A PostgreSQL backend
 * (design.md §11) would provide the same shapes.
 */
import type { Database } from "bun:sqlite"
import { WriteBatcher } from "./batcher.ts"
import { IdempotencyRepo } from "./idempotency-repo.ts"
import { InboundRepo } from "./inbound-repo.ts"
import { MessageRepo } from "./message-repo.ts"
import { type SynchronousMode, openDatabase } from "./open.ts"
import { SettingsRepo } from "./settings-repo.ts"
import { WebhookRepo } from "./webhook-repo.ts"

export type { MessageRow, MessageStatus, EventRow, PartRow, Lane } from "./message-repo.ts"
export type { InboundRow } from "./inbound-repo.ts"
export { FINAL_STATUSES } from "./message-repo.ts"
export { StoreError } from "./open.ts"

export interface Store {
  readonly path: string
  readonly batcher: WriteBatcher
  readonly messages: MessageRepo
  readonly idempotency: IdempotencyRepo
  readonly inbound: InboundRepo
  readonly settings: SettingsRepo
  readonly webhooks: WebhookRepo
  /** Runs fn in a transaction right now (for one-off administrative writes). */
  transaction<T>(fn: () => T): T
  isHealthy(): boolean
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
    settings: new SettingsRepo(db),
    webhooks: new WebhookRepo(db),
    transaction: <T>(fn: () => T): T => db.transaction(fn)() as T,
    isHealthy() {
      try {
        return db.query<{ ok: number }, []>("SELECT 1 AS ok").get()?.ok === 1
      } catch {
        return false
      }
    },
    close() {
      batcher.flush()
      db.close()
    },
  }
}
