import { Database } from "bun:sqlite"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { MIGRATIONS } from "./migrations/index.ts"

export type SynchronousMode = "normal" | "full"

export class StoreError extends Error {}

/**
 * Opens the SQLite file and brings its schema up to date.
 *
 * Pragma order matters: busy_timeout first, so that switching to WAL (which needs a write lock)
 * waits for another process (the CLI) instead of failing with SQLITE_BUSY; then WAL; then
 * `synchronous`. In WAL mode NORMAL fsyncs only at checkpoints: every commit survives a process
 * crash (kill -9) but the last commits may be lost on power loss. FULL fsyncs the WAL at every
 * commit and survives both; group commit (store/batcher.ts) is what makes FULL affordable.
 * See docs/decisions/0002-sqlite-durability.md.
 */
export function openDatabase(path: string, synchronous: SynchronousMode = "normal"): Database {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, { create: true, strict: true })
  db.exec("PRAGMA busy_timeout = 5000")
  db.exec("PRAGMA journal_mode = WAL")
  db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`)
  db.exec("PRAGMA foreign_keys = ON")
  // The gateway checkpoints off the event loop (checkpointer.ts, docs/decisions/0003); this is the
  // fallback. Checkpoint every 10,000 WAL pages (~40 MB at 4 KiB pages): bounded, and a hot page (an
  // index's tail, the newest messages) is copied back once per checkpoint instead of ten times.
  // At 1,000 the e2e bench spent ~300 µs of gateway CPU per message, at 10,000 ~230-260.
  db.exec("PRAGMA wal_autocheckpoint = 10000")
  // 8 MiB of page cache: the hot pages (queue index, newest rows) fit; 32 MiB bought no speed
  // in the benches (even with a million queued) and cost ~30 MB of RSS under bulk load.
  db.exec("PRAGMA cache_size = -8000")
  migrate(db, path)
  return db
}

function migrate(db: Database, path: string): void {
  const row = db.query<{ user_version: number }, []>("PRAGMA user_version").get()
  const current = row?.user_version ?? 0
  const target = MIGRATIONS.length
  if (current > target) {
    throw new StoreError(
      `database ${path} has schema version ${current}, newer than this build understands (${target}); ` +
        "run the newer signalbox build or restore a backup",
    )
  }
  if (current === target) return
  if (current > 0 && path !== ":memory:") {
    // Forward-only migrations: keep a consistent copy of the old schema before changing it.
    db.exec(`VACUUM INTO '${`${path}.v${current}.bak`.replaceAll("'", "''")}'`)
  }
  for (let version = current; version < target; version++) {
    const migration = MIGRATIONS[version]!
    db.transaction(() => {
      db.exec(migration.sql)
      db.exec(`PRAGMA user_version = ${version + 1}`)
    })()
  }
}
