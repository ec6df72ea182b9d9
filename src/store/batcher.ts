import type { Database } from "bun:sqlite"

type Job = { fn: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }

/**
 * Group commit. Every write of the gateway goes through `run(fn)`: the jobs queued during one
 * turn of the event loop execute inside ONE SQLite transaction, each in its own savepoint, and
 * each caller's promise settles only after that transaction has committed. So a 2xx is never
 * sent before its rows are durable, yet many requests share one commit (and one fsync under
 * synchronous=FULL). A job that throws rolls back only its own savepoint.
 */
export class WriteBatcher {
  private queue: Job[] = []
  private scheduled = false
  private readonly outer: ReturnType<Database["transaction"]>
  private readonly inner: (fn: () => unknown) => unknown
  /** Largest number of jobs per commit seen, for metrics and the benchmark notes. */
  maxBatch = 0
  commits = 0

  constructor(
    private readonly db: Database,
    private readonly maxJobs = 2000,
  ) {
    this.inner = db.transaction((fn: () => unknown) => fn())
    this.outer = db.transaction((jobs: Job[]) => {
      const results: unknown[] = new Array(jobs.length)
      for (let i = 0; i < jobs.length; i++) {
        try {
          results[i] = { ok: true, value: this.inner(jobs[i]!.fn) }
        } catch (error) {
          results[i] = { ok: false, error }
        }
      }
      return results
    })
  }

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  /** Commits everything queued now. Also called on shutdown. */
  flush(): void {
    this.scheduled = false
    while (this.queue.length > 0) {
      const jobs = this.queue.splice(0, this.maxJobs)
      if (jobs.length > this.maxBatch) this.maxBatch = jobs.length
      let results: unknown[]
      try {
        results = this.outer.immediate(jobs) as unknown[]
        this.commits++
      } catch (error) {
        for (const job of jobs) job.reject(error)
        continue
      }
      for (let i = 0; i < jobs.length; i++) {
        const r = results[i] as { ok: boolean; value?: unknown; error?: unknown }
        if (r.ok) jobs[i]!.resolve(r.value)
        else jobs[i]!.reject(r.error)
      }
    }
  }
}
