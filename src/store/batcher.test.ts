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

/** A job inserting `v` that notes in `order` when it runs and when its caller is answered. */
function orderedJob(
  batcher: WriteBatcher,
  insert: { run: (v: string) => unknown },
  order: string[],
): (v: string, urgent: boolean) => Promise<unknown> {
  return (v, urgent) =>
    batcher
      .run(
        () => {
          insert.run(v)
          order.push(`run ${v}`)
        },
        { urgent },
      )
      .then(() => order.push(`answered ${v}`))
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

  test("urgent jobs commit first, in their own transaction, and are answered before the others run", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const order: string[] = []
    const job = orderedJob(batcher, insert, order)
    await Promise.all([job("bg1", false), job("req1", true), job("bg2", false), job("req2", true)])
    expect(order).toEqual([
      "run req1",
      "run req2",
      "answered req1",
      "answered req2",
      "run bg1",
      "run bg2",
      "answered bg1",
      "answered bg2",
    ])
    expect(all()).toEqual(["req1", "req2", "bg1", "bg2"])
    expect(batcher.commits).toBe(2)
  })

  test("requests arriving every turn do not hold the other jobs back more than one turn", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    let turns = 0
    let stop = false
    // A client that sends a request every turn, for as long as the test runs.
    const requests = (async () => {
      while (!stop) {
        await batcher.run(() => insert.run(`req${turns}`), { urgent: true })
        turns++
      }
    })()
    // How many requests were answered when the background job was.
    const answeredBefore = await batcher.run(() => insert.run("bg")).then(() => turns)
    stop = true
    await requests
    // Committed in the turn after the first request's (with the second), however many follow.
    expect(answeredBefore).toBeLessThanOrEqual(2)
    expect(turns).toBeGreaterThan(answeredBefore)
    expect(all()).toContain("bg")
  })

  test("a request queued while other jobs wait runs before them, in their transaction, in the next turn", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const order: string[] = []
    const job = orderedJob(batcher, insert, order)
    let second: Promise<unknown> = Promise.resolve()
    await Promise.all([
      job("bg1", false),
      // Answered first; its client sends again at once, while bg1 still waits.
      job("req1", true).then(() => {
        second = Promise.all([job("req2", true), job("bg2", false)])
      }),
    ])
    await second
    expect(order.slice(0, 2)).toEqual(["run req1", "answered req1"])
    // The next turn: the new request first, then the waiting jobs, in one transaction (its answer
    // would go out after the others' commit anyway): at most one commit of other work.
    expect(order.slice(2, 5)).toEqual(["run req2", "run bg1", "run bg2"])
    expect(all()).toEqual(["req1", "req2", "bg1", "bg2"])
    expect(batcher.commits).toBe(2)
  })

  test("in a shared turn, a throwing request fails alone and a throwing unguarded job replays the batch once", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const runs: string[] = []
    const outcome: string[] = []
    const job = (v: string, options: { urgent?: boolean; savepoint?: boolean }, fails = false) =>
      batcher
        .run(() => {
          runs.push(v)
          insert.run(v)
          if (fails) throw new Error(`${v} failed`)
        }, options)
        .then(
          () => outcome.push(`ok ${v}`),
          (error: Error) => outcome.push(error.message),
        )
    let next: Promise<unknown> = Promise.resolve()
    await Promise.all([
      job("bg1", {}),
      // Answered alone; the requests it sends then share the next turn with the waiting jobs.
      job("req1", { urgent: true }).then(() => {
        next = Promise.all([
          job("req2", { urgent: true }),
          job("req3", { urgent: true }, true),
          job("bg2", { savepoint: false }, true),
          job("bg3", { savepoint: false }),
        ])
      }),
    ])
    await next
    expect(all()).toEqual(["req1", "req2", "bg1", "bg3"])
    expect(outcome.sort()).toEqual([
      "bg2 failed",
      "ok bg1",
      "ok bg3",
      "ok req1",
      "ok req2",
      "req3 failed",
    ])
    // The shared turn ran once without savepoints for bg2/bg3 and once more with them.
    expect(batcher.replays).toBe(1)
    expect(runs.filter((v) => v === "req2")).toHaveLength(2)
  })

  test("flush commits urgent and other jobs alike (shutdown)", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const a = batcher.run(() => insert.run("bg"))
    const b = batcher.run(() => insert.run("req"), { urgent: true })
    batcher.flush()
    expect(all()).toEqual(["req", "bg"])
    await Promise.all([a, b])
  })

  test("runThen tells each job after the commit, in order, with its value or its error", async () => {
    using dir = tempDir()
    const { db, insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const told: unknown[][] = []
    // What another connection sees when a job is told: its rows must already be committed.
    const reader = new Database(join(dir.path, "b.db"), { readonly: true })
    const committed = () => reader.query<{ n: number }, []>("SELECT count(*) AS n FROM t").get()!.n
    batcher.runThen(
      () => {
        insert.run("a")
        return "value a"
      },
      (ok, value) => {
        told.push([ok, value, committed()])
      },
    )
    batcher.runThen(
      () => {
        insert.run("undone")
        throw new Error("job b failed")
      },
      (ok, error) => {
        told.push([ok, (error as Error).message, committed()])
      },
    )
    batcher.runThen(
      () => insert.run("c"),
      (ok) => {
        told.push([ok, "c", committed()])
      },
      { savepoint: false },
    )
    expect(told).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    await new Promise((resolve) => setImmediate(resolve))
    expect(told).toEqual([
      [true, "value a", 2],
      [false, "job b failed", 2],
      [true, "c", 2],
    ])
    expect(all()).toEqual(["a", "c"])
    expect(batcher.commits).toBe(1)
    reader.close()
    db.close()
  })

  test("a runThen callback that throws does not keep the batch's other jobs from being told", async () => {
    using dir = tempDir()
    const { insert, batcher } = setUp(join(dir.path, "b.db"))
    const thrown: unknown[] = []
    batcher.onCallbackError = (error) => thrown.push(error)
    const told: string[] = []
    batcher.runThen(
      () => insert.run("a"),
      () => {
        throw new Error("callback bug")
      },
    )
    await new Promise<void>((resolve) =>
      batcher.runThen(
        () => insert.run("b"),
        () => {
          told.push("b")
          resolve()
        },
      ),
    )
    expect(told).toEqual(["b"])
    expect(thrown.map((e) => (e as Error).message)).toEqual(["callback bug"])
  })

  test("a job queued by a runThen callback commits with the next turn's group, not at once", async () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    const order: string[] = []
    batcher.runThen(
      () => insert.run("a"),
      () => {
        order.push(`a told after commit ${batcher.commits}`)
        batcher.runThen(
          () => insert.run("b"),
          () => {
            order.push(`b told after commit ${batcher.commits}`)
          },
        )
      },
    )
    batcher.runThen(
      () => insert.run("c"),
      () => {
        order.push(`c told after commit ${batcher.commits}`)
      },
    )
    await new Promise((resolve) => setImmediate(resolve))
    // a and c shared the first commit; b waits for a turn of its own.
    expect(order).toEqual(["a told after commit 1", "c told after commit 1"])
    expect(all()).toEqual(["a", "c"])
    await new Promise((resolve) => setImmediate(resolve))
    expect(order).toEqual([
      "a told after commit 1",
      "c told after commit 1",
      "b told after commit 2",
    ])
    expect(all()).toEqual(["a", "c", "b"])
  })

  test("flush commits what the callbacks queue too, until nothing is left (shutdown)", () => {
    using dir = tempDir()
    const { insert, all, batcher } = setUp(join(dir.path, "b.db"))
    batcher.runThen(
      () => insert.run("a"),
      () =>
        batcher.runThen(
          () => insert.run("b"),
          () => {},
        ),
    )
    batcher.flush()
    expect(all()).toEqual(["a", "b"])
    expect(batcher.commits).toBe(2)
  })
})
