/**
 * Messages waiting for a window slot. The next part of a message already under way goes before
 * new messages, so started messages finish first and hold their pending slot for less time.
 */
import { Fifo } from "./fifo.ts"

export interface Queued {
  /** When the job (re-)entered the queue; ascending within each FIFO. */
  queuedAt: number
}

export class JobQueue<T extends Queued> {
  private readonly continuations = new Fifo<T>()
  private readonly fresh = new Fifo<T>()

  get length(): number {
    return this.continuations.length + this.fresh.length
  }

  pushNew(job: T): void {
    this.fresh.push(job)
  }

  pushContinuation(job: T): void {
    this.continuations.push(job)
  }

  peek(): T | undefined {
    return this.continuations.peek() ?? this.fresh.peek()
  }

  shift(): T | undefined {
    return this.continuations.length > 0 ? this.continuations.shift() : this.fresh.shift()
  }

  /** Removes the jobs queued at or before `cutoff`, oldest first within each FIFO. */
  expire(cutoff: number): T[] {
    const expired: T[] = []
    for (const queue of [this.continuations, this.fresh]) {
      for (
        let job = queue.peek();
        job !== undefined && job.queuedAt <= cutoff;
        job = queue.peek()
      ) {
        expired.push(queue.shift()!)
      }
    }
    return expired
  }

  drain(): T[] {
    return [...this.continuations.drain(), ...this.fresh.drain()]
  }
}
