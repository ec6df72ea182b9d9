/**
 * WAL checkpoints on a worker thread, off the event loop.
 *
 * With SQLite's auto-checkpoint the commit that crosses `wal_autocheckpoint` copies the whole
 * WAL back into the database file and fsyncs it on the connection's own thread: a stall of
 * ~65–120 ms every ~7,000 messages, during which no request is answered (it was the 99th
 * percentile of the e2e bench). Here a second connection on a worker thread does it:
 *
 * - every `intervalMs` a PASSIVE checkpoint copies the frames written since the last one. It
 *   takes no lock the writer needs, so the event loop never waits for it;
 * - once the WAL holds `restartFrames` frames, a RESTART checkpoint copies the few frames left
 *   and makes the next writer start the WAL from the beginning, so the file stays bounded. It
 *   holds the write lock only for those few frames and the fsync; a commit that meets it waits
 *   in SQLite's busy handler (a few ms), not for the whole WAL.
 *
 * The gateway's own connection keeps `wal_autocheckpoint` (open.ts) as a fallback: if this
 * worker fails or falls behind, checkpoints happen inline as before. Synchronous settings are
 * the database's (WAL mode, checkpoints fsync), so durability does not change.
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
    if (r.log >= restartFrames) {
      const started = performance.now()
      const x = db.query("PRAGMA wal_checkpoint(RESTART)").get()
      postMessage({ type: "restart", frames: r.log, busy: x.busy, ms: performance.now() - started })
    }
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
  /** RESTART checkpoints done, for tests and metrics. */
  readonly restarts: number
  stop(): Promise<void>
}

type WorkerMessage =
  | { type: "started" }
  | { type: "stopped" }
  | { type: "restart"; frames: number; busy: number; ms: number }
  | { type: "error"; message: string }

export function startCheckpointer(
  path: string,
  logger: Logger,
  options: CheckpointerOptions = DEFAULT_CHECKPOINTER,
): Checkpointer {
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }))
  const worker = new Worker(url)
  // Never what keeps the process alive: a checkpoint cut short by exit is safe in SQLite.
  worker.unref()
  let restarts = 0
  let stopped: (() => void) | null = null
  worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
    const m = event.data
    if (m.type === "restart") {
      restarts++
      logger.debug({ frames: m.frames, busy: m.busy, ms: Math.round(m.ms) }, "wal restarted")
    } else if (m.type === "error") {
      // The connection's own auto-checkpoint still bounds the WAL.
      logger.warn({ err: m.message }, "background wal checkpoint failed")
    } else if (m.type === "started") {
      logger.debug(options, "wal checkpoint worker started")
    } else if (m.type === "stopped") {
      stopped?.()
    }
  }
  worker.onerror = (event) => {
    logger.warn({ err: event.message }, "wal checkpoint worker failed")
  }
  worker.postMessage({ type: "start", path, ...options })
  return {
    get restarts() {
      return restarts
    },
    async stop() {
      const done = new Promise<void>((resolve) => {
        stopped = resolve
        setTimeout(resolve, 2000).unref?.()
      })
      worker.postMessage({ type: "stop" })
      await done
      worker.terminate()
      URL.revokeObjectURL(url)
    },
  }
}
