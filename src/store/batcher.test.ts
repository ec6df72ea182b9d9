// Group commit over a real SQLite file.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { tempDir } from "../../test/support/temp-dir.ts"
import { WriteBatcher } from "./batcher.ts"

function setUp(path: string) {
  const db = new Database(path, { create: true, strict: true })
  db.exec("PRAGMA journal_mode = WAL")
  db.exec("CREATE TABLE t (v TEXT NOT NULL)")
  const insert = db.prepare("INSERT INTO t (v) VALUES (?)")
  const all = () =>
    db
      .query<{ v: string }, []>("SELECT v FROM t ORDER BY rowid")
      .all()
      .map((r) => r.v)
  return { db, insert, all, batcher: new WriteBatcher(db) }
}

describe("WriteBatcher", () => {
  test("jobs queued in one turn share one commit and resolve after it, in order", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const done = await Promise.all(
      ["a", "b", "c"].map((v) =>
        batcher.run(() => {
          insert.run(v)
          return v
        }),
      ),
    )
    expect(done).toEqual(["a", "b", "c"])
    expect(all()).toEqual(["a", "b", "c"])
    expect(batcher.commits).toBe(1)
  })

  test("a job that throws in its savepoint undoes only its own writes", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const results = await Promise.allSettled([
      batcher.run(() => insert.run("kept-1")),
      batcher.run(() => {
        insert.run("undone")
        throw new Error("refused")
      }),
      batcher.run(() => insert.run("kept-2")),
    ])
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"])
    expect(all()).toEqual(["kept-1", "kept-2"])
  })

  test("a job without a savepoint that throws makes the batch run again guarded: the others still commit", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    let runs = 0
    const results = await Promise.allSettled([
      batcher.run(() => insert.run("guarded")),
      batcher.run(() => insert.run("unguarded"), { savepoint: false }),
      batcher.run(
        () => {
          runs++
          insert.run("half-written")
          throw new Error("bug")
        },
        { savepoint: false },
      ),
    ])
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"])
    expect(all()).toEqual(["guarded", "unguarded"])
    expect(runs).toBe(2)
    expect(batcher.replays).toBe(1)
    expect(batcher.commits).toBe(1)
  })
})
