/**
 * Worker thread entry: PASSIVE WAL checkpoints on a connection of its own, every `intervalMs`
 * (store/checkpointer.ts has the design). Says "due" once the WAL holds `restartFrames` frames,
 * and answers "stop" with "stopped" after closing its connection. Listed as an entry point of
 * `bun run build` (src/worker-urls.ts) so the compiled binary carries it.
 */
import { Database } from "bun:sqlite"
import type { CheckpointerMessage, CheckpointerRequest, WalCheckpoint } from "./checkpointer.ts"

declare const self: Worker

let db: Database | null = null
let timer: ReturnType<typeof setInterval> | null = null

function say(message: CheckpointerMessage): void {
  self.postMessage(message)
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function tick(restartFrames: number): void {
  try {
    const r = db!.query<WalCheckpoint, []>("PRAGMA wal_checkpoint(PASSIVE)").get()!
    if (r.log >= restartFrames) say({ type: "due", log: r.log, checkpointed: r.checkpointed })
  } catch (error) {
    say({ type: "error", message: errorText(error) })
  }
}

self.onmessage = (event: MessageEvent<CheckpointerRequest>) => {
  const m = event.data
  if (m.type === "start") {
    try {
      db = new Database(m.path)
      db.exec("PRAGMA busy_timeout = 5000")
      timer = setInterval(() => tick(m.restartFrames), m.intervalMs)
      say({ type: "started" })
    } catch (error) {
      say({ type: "error", message: errorText(error) })
    }
  } else {
    if (timer) clearInterval(timer)
    try {
      db?.close()
    } catch {}
    say({ type: "stopped" })
  }
}
