/**
 * WAL checkpoints off the event loop.
 *
 * With SQLite's auto-checkpoint the commit that crosses `wal_autocheckpoint` copies the whole
 * WAL back into the database file and fsyncs it on the connection's own thread: a stall of
 * ~65–120 ms every ~7,000 messages, during which no request is answered (it was the 99th
 * percentile of the e2e bench). Here:
 *
 * - a second connection on a worker thread runs a PASSIVE checkpoint every `intervalMs`: it
 *   copies the frames committed since the last one and takes no lock the writer needs, so the
 *   event loop never waits for it;
 * - under continuous writes the WAL can never restart by itself (a writer restarts it only when
 *   every frame is already copied), so once it holds `restartFrames` frames the worker says so,
 *   and right after its next commit the event loop's connection runs one PASSIVE checkpoint of
 *   its own. It copies only the frames since the worker's last pass (~100 ms of writes) and
 *   leaves nothing behind, so the next commit starts the WAL from the beginning. That costs the
 *   event loop a few ms once per `restartFrames`, and no writer ever waits for a lock.
 *
 * The event loop's connection keeps `wal_autocheckpoint` (open.ts) as the fallback: if the
 * worker fails or falls behind, checkpoints happen inline as before. Checkpoints are SQLite's
 * own with the database's `synchronous` rules, so durability does not change.
 * docs/decisions/0003-background-checkpoints.md has the measurements.
 */
import type { Logger } from "../lib/logger.ts"
import { CHECKPOINT_WORKER_URL } from "../worker-urls.ts"

export interface CheckpointerOptions {
  intervalMs: number
  restartFrames: number
}

export const DEFAULT_CHECKPOINTER: CheckpointerOptions = { intervalMs: 100, restartFrames: 8000 }

export interface Checkpointer {
  /** Inline checkpoints that left the WAL fully copied (it restarts at the next commit). */
  readonly restarts: number
  stop(): Promise<void>
}

/** What the worker (checkpoint-worker.ts) says. */
export type CheckpointerMessage =
  | { type: "started" }
  | { type: "stopped" }
  | { type: "due"; log: number; checkpointed: number }
  | { type: "error"; message: string }

/** What the worker is told. */
export type CheckpointerRequest =
  | ({ type: "start"; path: string } & CheckpointerOptions)
  | { type: "stop" }

/** PRAGMA wal_checkpoint's answer: busy, WAL frames, frames copied. */
export interface WalCheckpoint {
  busy: number
  log: number
  checkpointed: number
}

/** What the checkpointer needs of the store: its file, its commits, and one inline checkpoint. */
export interface CheckpointTarget {
  path: string
  batcher: { afterCommit: (() => void) | null }
  checkpoint(): WalCheckpoint
}

export function startCheckpointer(
  store: CheckpointTarget,
  logger: Logger,
  options: CheckpointerOptions = DEFAULT_CHECKPOINTER,
): Checkpointer {
  const worker = new Worker(CHECKPOINT_WORKER_URL)
  // Never what keeps the process alive: a checkpoint cut short by exit is safe in SQLite.
  worker.unref()
  let restarts = 0
  let due = false
  let stopped: (() => void) | null = null
  // In a turn of its own after a commit, so the batch just committed is answered first (no
  // transaction spans turns: the batcher's are synchronous).
  store.batcher.afterCommit = () => {
    if (!due) return
    due = false
    setImmediate(finish)
  }
  let closed = false
  let lastWarning = 0
  const warn = (err: string, msg: string) => {
    // A lasting fault (a full disk) would say so on every pass: once a minute is enough.
    const now = Date.now()
    if (now - lastWarning < 60_000) return
    lastWarning = now
    logger.warn({ err }, msg)
  }
  const finish = () => {
    if (closed) return
    const started = performance.now()
    let r: WalCheckpoint
    try {
      r = store.checkpoint()
    } catch (error) {
      // SQLITE_FULL, an I/O error: the commits are safe in the WAL; the next "due" tries again,
      // and the connection's own auto-checkpoint still bounds it.
      warn(String((error as Error).message), "wal checkpoint after commit failed")
      return
    }
    // Busy: the worker is in the middle of its own pass; try again after the next commit.
    if (r.busy !== 0 || r.checkpointed < r.log) {
      due = r.busy !== 0
      return
    }
    restarts++
    logger.debug(
      { frames: r.log, ms: Math.round((performance.now() - started) * 10) / 10 },
      "wal fully checkpointed; the next commit restarts it",
    )
  }
  worker.onmessage = (event: MessageEvent<CheckpointerMessage>) => {
    const m = event.data
    if (m.type === "due") {
      due = true
    } else if (m.type === "error") {
      // The connection's own auto-checkpoint still bounds the WAL.
      warn(m.message, "background wal checkpoint failed")
    } else if (m.type === "started") {
      logger.debug(options, "wal checkpoint worker started")
    } else if (m.type === "stopped") {
      stopped?.()
    }
  }
  worker.onerror = (event) => {
    logger.warn({ err: event.message }, "wal checkpoint worker failed")
  }
  const start: CheckpointerRequest = { type: "start", path: store.path, ...options }
  worker.postMessage(start)
  return {
    get restarts() {
      return restarts
    },
    async stop() {
      const done = new Promise<void>((resolve) => {
        stopped = resolve
        setTimeout(resolve, 2000).unref?.()
      })
      closed = true
      store.batcher.afterCommit = null
      worker.postMessage({ type: "stop" })
      await done
      worker.terminate()
    },
  }
}
