import type { Database } from "bun:sqlite"

/**
 * Told after the commit: `ok` with the job's value (its fn's return), or not `ok` with its
 * error. Must not throw.
 */
type JobDone = (ok: boolean, valueOrError: unknown) => void

type Job = {
  fn: () => unknown
  /** false: run without its own savepoint (see RunOptions). */
  savepoint: boolean
  done: JobDone
  /** Set while the batch runs. */
  ok: boolean
  result: unknown
}

export interface RunOptions {
  /**
   * Default true: the job runs in its own savepoint, so if it throws only its writes are undone.
   * false skips the savepoint (~4 µs per job, measured) for internal jobs that do not throw by
   * design (recording an outcome, a receipt, a claim). If one throws anyway, the whole batch is
   * rolled back and run again with a savepoint per job, so the others still commit. Every job of
   * that transaction then runs twice, urgent ones included (they share it in the turn that
   * commits the waiting jobs): their JS side effects, not their writes, happen twice.
   */
  savepoint?: boolean
  /**
   * A client is waiting for this job on the sending path (accept, cancel), not the gateway's
   * own work (dispatch, receipts, webhooks). Urgent jobs queued in a turn are committed first, in
   * a transaction of their own, and answered before the turn's other jobs run; those follow in
   * the next turn. There, requests queued meanwhile run first, in the same transaction as the
   * others (their answers, promise reactions, go out when the turn returns, after the others'
   * commit either way, so a commit of their own would only cost one): a request waits for at
   * most one commit of other work, and other work for at most one turn. (Committing the others
   * in a callback of their own instead was measured: a further event-loop iteration per request,
   * bulk 45,000-50,000 -> 34,000-40,000/s.) Under a dispatch backlog this keeps a request from
   * waiting behind hundreds of receipts: see docs/performance.md (sessions 5 and 8).
   */
  urgent?: boolean
}

/** Thrown inside the outer transaction when a job without a savepoint failed. */
class UnguardedJobFailed extends Error {}

/**
 * Group commit. Every write of the gateway goes through `run(fn)`: the jobs queued during one
 * turn of the event loop execute inside ONE SQLite transaction (urgent ones in one of their own
 * first, see RunOptions), each in its own savepoint, and each caller hears of its job (its
 * promise, or its runThen callback) only after its transaction has committed. So a 2xx is never sent before its rows are durable, yet
 * many requests share one commit (and one fsync under synchronous=FULL). A job that throws
 * rolls back only its own savepoint.
 */
export class WriteBatcher {
  private queue: Job[] = []
  private urgent: Job[] = []
  /** The last turn committed only urgent jobs: this one commits everything. */
  private othersDue = false
  private scheduled = false
  private readonly outer: ReturnType<Database["transaction"]>
  private readonly inner: (fn: () => unknown) => unknown
  /** Largest number of jobs per commit seen, for metrics and the benchmark notes. */
  maxBatch = 0
  commits = 0
  /** Batches run a second time because a job without a savepoint threw. */
  replays = 0
  /** Called after each commit, before the callers hear of their jobs (checkpointer.ts); must not throw. */
  afterCommit: (() => void) | null = null

  /** Where a runThen callback's exception goes (a bug): app.ts logs it. */
  onCallbackError: (error: unknown) => void = (error) =>
    console.error("signalbox: a write job's callback threw", error)

  constructor(
    db: Database,
    private readonly maxJobs = 2000,
  ) {
    this.inner = db.transaction((fn: () => unknown) => fn())
    this.outer = db.transaction((jobs: Job[], guardAll: boolean) => {
      for (let i = 0; i < jobs.length; i++) {
        const job = jobs[i]!
        if (!job.savepoint && !guardAll) {
          try {
            job.result = job.fn()
            job.ok = true
          } catch (error) {
            throw new UnguardedJobFailed("a job without a savepoint failed", { cause: error })
          }
          continue
        }
        try {
          job.result = this.inner(job.fn)
          job.ok = true
        } catch (error) {
          job.result = error
          job.ok = false
        }
      }
    })
  }

  run<T>(fn: () => T, options: RunOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.runThen(fn, (ok, value) => (ok ? resolve(value as T) : reject(value)), options)
    })
  }

  /**
   * run() with a callback instead of a promise, for the jobs the gateway queues per message
   * (recording a submit outcome, a receipt): a promise with its resolving functions and
   * reaction is garbage that, at 15,000 messages/s, made up much of the heap's growth between
   * collections (docs/performance.md, session 6). `done` is called after the commit, in the
   * committing turn (not as a microtask), and must not throw.
   */
  runThen(fn: () => unknown, done: JobDone, options: RunOptions = {}): void {
    ;(options.urgent ? this.urgent : this.queue).push({
      fn,
      savepoint: options.savepoint !== false,
      done,
      ok: false,
      result: undefined,
    })
    this.schedule()
  }

  private schedule(): void {
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.turn())
  }

  /**
   * One turn: the urgent jobs alone if there are any (their answers go out as this callback
   * returns), and then everything in the next turn. The others wait one turn at most, however
   * many requests keep coming.
   */
  private turn(): void {
    this.scheduled = false
    if (this.urgent.length > 0 && !this.othersDue) {
      this.commitAll(this.urgent)
      if (this.queue.length > 0) {
        this.othersDue = true
        this.schedule()
      }
      return
    }
    this.othersDue = false
    // One transaction for both: the urgent jobs' answers go out when this callback returns,
    // after the others' commit however it is split, so a second commit would only cost.
    this.commitAll(
      this.urgent.length === 0 ? this.queue : this.urgent.splice(0).concat(this.queue.splice(0)),
    )
  }

  /**
   * Commits everything queued, urgent jobs first, and what their callbacks queue meanwhile,
   * until nothing is left: the store calls it before it closes.
   */
  flush(): void {
    this.scheduled = false
    while (this.urgent.length > 0 || this.queue.length > 0) {
      this.commitAll(this.urgent)
      this.commitAll(this.queue)
    }
  }

  /**
   * Commits the jobs in `queue` when it is called. Jobs that their callbacks queue there
   * meanwhile wait for the next turn, as a promise's reaction would have queued them after this
   * one, instead of a second transaction of their own at once. (2,000 jobs at most per
   * transaction; turn() decides whether urgent jobs go alone or with the others.)
   */
  private commitAll(queue: Job[]): void {
    let left = queue.length
    while (left > 0) {
      const jobs = queue.splice(0, Math.min(left, this.maxJobs))
      left -= jobs.length
      if (jobs.length > this.maxBatch) this.maxBatch = jobs.length
      try {
        try {
          this.outer.immediate(jobs, false)
        } catch (error) {
          if (!(error instanceof UnguardedJobFailed)) throw error
          this.replays++
          this.outer.immediate(jobs, true)
        }
        this.commits++
      } catch (error) {
        for (const job of jobs) this.tell(job, false, error)
        continue
      }
      // Outside the commit's try: the jobs are committed whatever it does.
      try {
        this.afterCommit?.()
      } catch {}
      for (const job of jobs) this.tell(job, job.ok, job.result)
    }
  }

  /** A callback that throws must not keep the batch's other jobs from being told. */
  private tell(job: Job, ok: boolean, valueOrError: unknown): void {
    try {
      job.done(ok, valueOrError)
    } catch (error) {
      try {
        this.onCallbackError(error)
      } catch {}
    }
  }
}
