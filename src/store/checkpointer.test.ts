// The background checkpointer against a real SQLite file written by this thread.
import { describe, expect, test } from "bun:test"
import { statSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../../test/support/temp-dir.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import { silentLogger } from "../lib/logger.ts"
import { startCheckpointer } from "./checkpointer.ts"
import { openDatabase } from "./open.ts"

describe("startCheckpointer", () => {
  test("restarts the WAL from a worker while this thread keeps writing, and loses nothing", async () => {
    using dir = tempDir()
    const path = join(dir.path, "c.db")
    const db = openDatabase(path)
    // Inline auto-checkpoints off: only the worker may bring the WAL back.
    db.exec("PRAGMA wal_autocheckpoint = 0")
    db.exec("CREATE TABLE t (n INTEGER PRIMARY KEY, pad TEXT NOT NULL)")
    const insert = db.prepare("INSERT INTO t (n, pad) VALUES (?, ?)")
    const checkpointer = startCheckpointer(path, silentLogger, {
      intervalMs: 10,
      restartFrames: 200,
    })
    const pad = "x".repeat(2000)
    let n = 0
    const write = () => db.transaction(() => insert.run(++n, pad))()
    // Write (never checkpointing from this connection) until the worker has restarted the WAL
    // at least twice, and for at least 6,000 commits.
    await waitFor(
      async () => {
        // Bursts longer than the interval: between short bursts the worker's PASSIVE catches up
        // completely and the WAL restarts by itself, without the RESTART this test is about.
        for (let i = 0; i < 300; i++) write()
        await Bun.sleep(1)
        return checkpointer.restarts >= 2 && n > 6000
      },
      { what: "two WAL restarts", timeoutMs: 20_000 },
    )
    // After a restart the next writer starts the WAL file from the beginning, so the file stays
    // near 200 frames (4 KiB pages) instead of holding every frame of the n commits.
    write()
    expect(n).toBeGreaterThan(6000)
    expect(statSync(`${path}-wal`).size).toBeLessThan((n * 4096) / 2)
    await checkpointer.stop()
    expect(db.query<{ c: number }, []>("SELECT count(*) AS c FROM t").get()!.c).toBe(n)
    expect(
      db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check,
    ).toBe("ok")
    db.close()
    // Everything reached the database file: reopened without its WAL, every row is there.
    expect(statSync(path).size).toBeGreaterThan(n * 2000)
  })

  test("stop() resolves promptly when nothing was ever written", async () => {
    using dir = tempDir()
    const path = join(dir.path, "idle.db")
    const db = openDatabase(path)
    const checkpointer = startCheckpointer(path, silentLogger, {
      intervalMs: 10,
      restartFrames: 200,
    })
    await Bun.sleep(50)
    await checkpointer.stop()
    expect(checkpointer.restarts).toBe(0)
    db.close()
  })
})
