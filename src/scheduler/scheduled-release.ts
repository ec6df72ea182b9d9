import { Cron } from "croner"
import { recordEnd } from "../core/message-end.ts"
import type { MessageNotifier } from "../core/message-notifier.ts"
import type { Clock } from "../lib/clock.ts"
import type { Logger } from "../lib/logger.ts"
import type { Store } from "../store/index.ts"

/** Rows released per transaction; a large campaign due at one minute is released in slices. */
const RELEASE_BATCH = 5000

/**
 * One croner job, once a second, moves due `scheduled` messages to `queued` and ends queued or
 * scheduled messages whose `validity` has passed (`expired`). Due times live in SQLite (not in a
 * Cron object per message), so a restart picks up whatever fell due meanwhile.
 */
export class ScheduledRelease {
  private job: Cron | null = null
  private running = false

  constructor(
    private readonly deps: {
      store: Store
      clock: Clock
      logger: Logger
      onReleased(): void
      notifier?: MessageNotifier
    },
  ) {}

  start(): void {
    this.job = new Cron(
      "* * * * * *",
      {
        protect: true,
        catch: (e) => this.deps.logger.error({ err: e }, "scheduled release failed"),
      },
      async () => {
        await this.tick()
      },
    )
    void this.tick()
  }

  stop(): void {
    this.job?.stop()
    this.job = null
  }

  /** Ends every queued or scheduled message whose validity has passed. */
  private async expire(): Promise<void> {
    const { store, clock } = this.deps
    for (;;) {
      const expired = await store.batcher.run(() => {
        const now = clock.now()
        const rows = store.messages.expireDue(now, RELEASE_BATCH)
        for (const row of rows) {
          const why = "validity ended before it could be sent"
          recordEnd(store, row, "expired", now, why, this.deps.notifier)
        }
        return rows.length
      })
      if (expired > 0)
        this.deps.logger.info({ expired }, "messages expired before they could be sent")
      if (expired < RELEASE_BATCH) return
    }
  }

  /** Releases everything due now, then expires what is past its validity; returns how many were released. */
  async tick(): Promise<number> {
    if (this.running) return 0
    this.running = true
    let total = 0
    try {
      const { store, clock } = this.deps
      for (;;) {
        const released = await store.batcher.run(() => {
          const now = clock.now()
          const rows = store.messages.releaseScheduled(now, RELEASE_BATCH)
          for (const row of rows) {
            store.messages.addEvent(
              row.id,
              "queued",
              now,
              `released at its scheduled time ${new Date(row.scheduled_at ?? now).toISOString()}`,
            )
            this.deps.notifier?.notify(row, "message.queued", now, row)
          }
          return rows.length
        })
        total += released
        if (released < RELEASE_BATCH) break
      }
      if (total > 0) this.deps.onReleased()
      await this.expire()
      return total
    } finally {
      this.running = false
    }
  }
}
