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

export interface CheckpointerOptions {
  intervalMs: number
  restartFrames: number
}

export const DEFAULT_CHECKPOINTER: CheckpointerOptions = { intervalMs: 100, restartFrames: 8000 }

// The worker runs from source text (a Blob URL) so the compiled single binary needs no extra
// entry point. It answers "stop" with "stopped" after closing its connection.
const WORKER_SOURCE = `
import { Database } from "bun:sqlite"
let db = null
let timer = null
function tick(restartFrames) {
  try {
    const r = db.query("PRAGMA wal_checkpoint(PASSIVE)").get()
    if (r.log >= restartFrames) postMessage({ type: "due", log: r.log, checkpointed: r.checkpointed })
  } catch (error) {
    postMessage({ type: "error", message: String(error && error.message || error) })
  }
}
self.onmessage = (event) => {
  const m = event.data
  if (m.type === "start") {
    try {
      db = new Database(m.path)
      db.exec("PRAGMA busy_timeout = 5000")
      timer = setInterval(() => tick(m.restartFrames), m.intervalMs)
      postMessage({ type: "started" })
    } catch (error) {
      postMessage({ type: "error", message: String(error && error.message || error) })
    }
  } else if (m.type === "stop") {
    if (timer) clearInterval(timer)
    try { db?.close() } catch {}
    postMessage({ type: "stopped" })
  }
}
`

export interface Checkpointer {
  /** Inline checkpoints that left the WAL fully copied (it restarts at the next commit). */
  readonly restarts: number
  stop(): Promise<void>
}

type WorkerMessage =
  | { type: "started" }
  | { type: "stopped" }
  | { type: "due"; log: number; checkpointed: number }
  | { type: "error"; message: string }

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
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }))
  const worker = new Worker(url)
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
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
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
  worker.postMessage({ type: "start", path: store.path, ...options })
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
      URL.revokeObjectURL(url)
    },
  }
}
