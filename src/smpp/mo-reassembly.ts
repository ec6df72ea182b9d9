/**
 * Holds the parts of multipart MO messages until every part has arrived, in memory. Used only
 * when the connector's events cannot hold parts durably (mo-receiver.ts): the gateway stores
 * them in SQLite (mo_parts) instead, keyed by the same `moSetKey`.
 *
 * - A set is keyed by (scheme, source, destination, reference, total): parts of one message
 *   share all five (TS 23.040 §9.2.3.24.1; SMPP 3.4 §5.3.2.22–24), and the scheme keeps an 8-bit
 *   UDH reference from meeting an equal SAR or 16-bit one. Parts may come in any order and
 *   interleaved with other sets; a part that is already held (the SMSC redelivered it) replaces
 *   the held copy and counts as a duplicate.
 * - A set lives `timeoutMs` from its first part. Then its held parts are dropped (counted,
 *   reported through `onDrop`). Every set gets the same timeout, so Map insertion order is
 *   deadline order and the sweep stops at the first live set: O(expired).
 * - At most `maxParts` parts are held. Beyond that the oldest sets are dropped first.
 * - A complete set stays here while its message is being stored (`delivering`): duplicates
 *   arriving meanwhile wait for that outcome. If storing fails, the completing part is taken out
 *   again so the SMSC's redelivery of it completes the set a second time.
 */
import type { MoConcat, MoPart } from "./mo-pdu.ts"

export interface HeldSet {
  readonly key: string
  readonly total: number
  readonly parts: (MoPart | undefined)[]
  received: number
  readonly deadline: number
  /** The status the completing part will be answered with, while the message is stored. */
  delivering: Promise<number> | null
}

export type Offer =
  /** A part that does not complete its set is held (or replaced a held duplicate). */
  | { kind: "held" }
  /** The part completed its set: the parts in sequence order. */
  | { kind: "complete"; set: HeldSet; parts: MoPart[] }
  /** The set is being stored: answer this part as that turns out. */
  | { kind: "busy"; delivering: Promise<number> }

export type DropReason = "expired" | "evicted"

/**
 * The set a part belongs to: (scheme, source, destination, reference, total), as JSON so that no
 * address can make two keys meet. Different senders sharing a reference stay apart.
 */
export function moSetKey(part: Pick<MoPart, "from" | "to">, concat: MoConcat): string {
  return JSON.stringify([concat.scheme, part.from, part.to, concat.reference, concat.total])
}

export interface ReassemblyCounters {
  duplicates: number
  expiredSets: number
  expiredParts: number
  evictedSets: number
  evictedParts: number
}

export class MoReassembler {
  readonly counters: ReassemblyCounters = {
    duplicates: 0,
    expiredSets: 0,
    expiredParts: 0,
    evictedSets: 0,
    evictedParts: 0,
  }
  private readonly sets = new Map<string, HeldSet>()
  private held = 0

  constructor(
    private readonly timeoutMs: number,
    private readonly maxParts: number,
    private readonly onDrop: (set: HeldSet, reason: DropReason) => void = () => {},
  ) {}

  /** Parts held now, across all sets. */
  get heldParts(): number {
    return this.held
  }

  get pendingSets(): number {
    return this.sets.size
  }

  offer(part: MoPart, concat: MoConcat, now: number): Offer {
    const key = moSetKey(part, concat)
    let set = this.sets.get(key)
    if (set?.delivering) return { kind: "busy", delivering: set.delivering }
    if (set === undefined) {
      set = {
        key,
        total: concat.total,
        parts: new Array(concat.total),
        received: 0,
        deadline: now + this.timeoutMs,
        delivering: null,
      }
      this.sets.set(key, set)
    }
    const index = concat.sequence - 1
    if (set.parts[index] !== undefined) {
      set.parts[index] = part
      this.counters.duplicates++
      return { kind: "held" }
    }
    set.parts[index] = part
    set.received++
    this.held++
    if (set.received === set.total) return { kind: "complete", set, parts: set.parts as MoPart[] }
    this.enforceBound()
    return { kind: "held" }
  }

  /** The set's message is stored: forget the set. */
  delivered(set: HeldSet): void {
    if (this.sets.get(set.key) !== set) return
    this.sets.delete(set.key)
    this.held -= set.received
  }

  /** Storing failed: take the completing part out and wait for the SMSC to redeliver it. */
  failed(set: HeldSet, sequence: number): void {
    set.delivering = null
    if (this.sets.get(set.key) !== set || set.parts[sequence - 1] === undefined) return
    set.parts[sequence - 1] = undefined
    set.received--
    this.held--
  }

  /** Drops the sets whose time is up. */
  expire(now: number): void {
    for (const set of this.sets.values()) {
      if (set.deadline > now) return
      if (set.delivering) continue
      this.drop(set, "expired")
    }
  }

  private enforceBound(): void {
    if (this.held <= this.maxParts) return
    for (const set of this.sets.values()) {
      if (set.delivering) continue
      this.drop(set, "evicted")
      if (this.held <= this.maxParts) return
    }
  }

  private drop(set: HeldSet, reason: DropReason): void {
    this.sets.delete(set.key)
    this.held -= set.received
    if (reason === "expired") {
      this.counters.expiredSets++
      this.counters.expiredParts += set.received
    } else {
      this.counters.evictedSets++
      this.counters.evictedParts += set.received
    }
    this.onDrop(set, reason)
  }
}
