/**
 * The outstanding requests of one session, keyed by sequence_number, each with its own deadline.
 * Every request of a session gets the same timeout, so insertion order is deadline order and an
 * expiry sweep only looks at the expired head of the Map: no scan of the live entries, no timer
 * per PDU (cloudhopper's window + expiry "monitor" thread, done as one periodic sweep).
 */
export interface Deadlined {
  deadline: number
}

export class InFlight<T extends Deadlined> {
  readonly size: number
  private readonly bySequence = new Map<number, T>()

  constructor(size: number) {
    this.size = Math.max(1, size)
  }

  get used(): number {
    return this.bySequence.size
  }

  get full(): boolean {
    return this.bySequence.size >= this.size
  }

  add(sequence: number, item: T): void {
    this.bySequence.set(sequence, item)
  }

  take(sequence: number): T | undefined {
    const item = this.bySequence.get(sequence)
    if (item !== undefined) this.bySequence.delete(sequence)
    return item
  }

  /**
   * Removes and returns the entries whose deadline has passed, oldest first. If the clock
   * stepped back, a later entry may carry an earlier deadline; it then expires with its
   * predecessor, at most one timeout late.
   */
  expire(now: number): T[] | null {
    let expired: T[] | null = null
    for (const [sequence, item] of this.bySequence) {
      if (item.deadline > now) break
      this.bySequence.delete(sequence)
      if (expired === null) expired = []
      expired.push(item)
    }
    return expired
  }

  /** Removes and returns every entry, oldest first. */
  drain(): T[] {
    const items = [...this.bySequence.values()]
    this.bySequence.clear()
    return items
  }
}
