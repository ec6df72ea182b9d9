// The checkpointer against a real SQLite file written through the store's group commit.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { statSync } from "node:fs"
import { join } from "node:path"
import { tempDir } from "../../test/support/temp-dir.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import { silentLogger } from "../lib/logger.ts"
import { startCheckpointer } from "./checkpointer.ts"
import { openStore } from "./index.ts"

const OPTIONS = { intervalMs: 10, restartFrames: 200 }

describe("startCheckpointer", () => {
  test("keeps the WAL bounded under continuous writes, and loses nothing", async () => {
    using dir = tempDir()
    const path = join(dir.path, "c.db")
    const store = openStore(path)
    const checkpointer = startCheckpointer(store, silentLogger, OPTIONS)
    const pad = "x".repeat(2000)
    let n = 0
    // Commits back to back: without the checkpointer's inline pass the WAL could
    // not restart while they go on (a writer restarts it only once every frame is copied).
    const write = () => store.batcher.run(() => store.settings.put(`k${++n}`, pad))
    await waitFor(
      async () => {
        // 100 jobs of one turn share a commit; the next turn commits the next 100.
        for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 100 }, write))
        return checkpointer.restarts >= 2 && n > 6000
      },
      { what: "two WAL restarts over 6,000 commits", timeoutMs: 25_000 },
    )
    await write()
    // Restarted, the WAL file is reused from its start: it stays near 200 frames of 4 KiB
    // (plus one interval of writes), not one frame per commit.
    expect(statSync(`${path}-wal`).size).toBeLessThan((n * 4096) / 2)
    await checkpointer.stop()
    expect(store.settings.get(`k${n}`)).toBe(pad)
    expect(store.settings.get("k1")).toBe(pad)
    store.close()
    // Reopened by a new connection, every row is there.
    const reopened = new Database(path, { readonly: true })
    const rows = reopened
      .query<{ c: number }, []>("SELECT count(*) AS c FROM settings WHERE key LIKE 'k%'")
      .get()!.c
    reopened.close()
    expect(rows).toBe(n)
  })

  test("stop() resolves promptly and leaves the store's commits alone", async () => {
    using dir = tempDir()
    const store = openStore(join(dir.path, "idle.db"))
    const checkpointer = startCheckpointer(store, silentLogger, OPTIONS)
    await Bun.sleep(50)
    await checkpointer.stop()
    expect(checkpointer.restarts).toBe(0)
    expect(store.batcher.afterCommit).toBeNull()
    await store.batcher.run(() => store.settings.put("after", "stop"))
    expect(store.settings.get("after")).toBe("stop")
    store.close()
  })
})
