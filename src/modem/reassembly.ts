/**
 * Pure bookkeeping of concatenated MO messages whose parts are still arriving (TS 23.040
 * §9.2.3.24.1 / .8). The parts themselves stay on the SIM until the whole message is stored;
 * this only remembers which SIM index holds which part. A set is keyed by (sender, reference
 * width, reference, total): parts of different senders, or of two messages of one sender, never
 * mix, whatever order they arrive in.
 */
import type { Alphabet } from "../codec/sms-pdu.ts"

export interface MoPart {
  /** SIM index, or null for a part that arrived as +CMT (never stored on the SIM). */
  index: number | null
  sequence: number
  text: string
  alphabet: Alphabet
  sentAt: number | null
  pdu: string
}

export interface PartialSet {
  key: string
  from: string
  reference: number
  total: number
  parts: Map<number, MoPart>
  /** SIM entries holding a sequence number we already have (a redelivery): deleted with the set. */
  duplicates: SimEntry[]
  /** When the first part reached us (our clock); the expiry deadline counts from here. */
  firstSeenAt: number
}

export interface SimEntry {
  index: number
  pdu: string
}

export interface JoinedMessage {
  from: string
  text: string
  alphabet: Alphabet
  /** Parts present. */
  parts: number
  total: number
  /** 1-based sequence numbers that never arrived. */
  missing: number[]
  /** SC time stamp of the lowest sequence number present. */
  sentAt: number | null
  /** Every SIM entry to delete once the message is stored (parts and duplicates). */
  entries: SimEntry[]
  /** The PDUs of the parts, in sequence order. */
  pdus: string[]
}

export interface AddResult {
  set: PartialSet
  duplicate: boolean
}

export function missingMarker(sequence: number, total: number): string {
  return `[part ${sequence}/${total} missing]`
}

export class Reassembly {
  private readonly sets = new Map<string, PartialSet>()

  get size(): number {
    return this.sets.size
  }

  values(): PartialSet[] {
    return [...this.sets.values()]
  }

  add(
    from: string,
    concat: { reference: number; total: number; sequence: number; bits: 8 | 16 },
    part: MoPart,
    now: number,
  ): AddResult {
    const key = `${from}\u0000${concat.bits}\u0000${concat.reference}\u0000${concat.total}`
    let set = this.sets.get(key)
    if (!set) {
      set = {
        key,
        from,
        reference: concat.reference,
        total: concat.total,
        parts: new Map(),
        duplicates: [],
        firstSeenAt: now,
      }
      this.sets.set(key, set)
    }
    const existing = set.parts.get(part.sequence)
    if (existing) {
      const index = part.index
      if (
        index !== null &&
        index !== existing.index &&
        !set.duplicates.some((d) => d.index === index)
      ) {
        set.duplicates.push({ index, pdu: part.pdu })
      }
      return { set, duplicate: true }
    }
    set.parts.set(part.sequence, part)
    return { set, duplicate: false }
  }

  isComplete(set: PartialSet): boolean {
    return set.parts.size >= set.total
  }

  /** Whether a SIM index is already held, with this PDU, by some set. */
  holds(index: number, pdu: string): boolean {
    for (const set of this.sets.values()) {
      for (const part of set.parts.values())
        if (part.index === index && part.pdu === pdu) return true
      if (set.duplicates.some((d) => d.index === index && d.pdu === pdu)) return true
    }
    return false
  }

  /** Sets whose first part arrived `timeoutMs` or more ago. */
  due(now: number, timeoutMs: number): PartialSet[] {
    return this.values().filter((set) => now - set.firstSeenAt >= timeoutMs)
  }

  complete(): PartialSet[] {
    return this.values().filter((set) => this.isComplete(set))
  }

  remove(set: PartialSet): void {
    this.sets.delete(set.key)
  }

  /**
   * After a full listing of the SIM: forgets parts whose index is gone or now holds another
   * PDU (someone else read or deleted them). Parts that never were on the SIM are kept.
   */
  retain(present: ReadonlyMap<number, string>): void {
    for (const set of this.sets.values()) {
      for (const [sequence, part] of set.parts) {
        if (part.index !== null && present.get(part.index) !== part.pdu) set.parts.delete(sequence)
      }
      set.duplicates = set.duplicates.filter((d) => present.get(d.index) === d.pdu)
      if (set.parts.size === 0) this.sets.delete(set.key)
    }
  }

  /** The text in sequence order; absent parts become a visible marker. */
  join(set: PartialSet): JoinedMessage {
    const ordered = [...set.parts.values()].sort((a, b) => a.sequence - b.sequence)
    const missing: number[] = []
    let text = ""
    for (let sequence = 1; sequence <= set.total; sequence++) {
      const part = set.parts.get(sequence)
      if (part) {
        text += part.text
      } else {
        missing.push(sequence)
        text += missingMarker(sequence, set.total)
      }
    }
    const entries = ordered.flatMap((part) =>
      part.index === null ? [] : [{ index: part.index, pdu: part.pdu }],
    )
    return {
      from: set.from,
      text,
      alphabet: ordered[0]?.alphabet ?? "gsm7",
      parts: ordered.length,
      total: set.total,
      missing,
      sentAt: ordered[0]?.sentAt ?? null,
      entries: [...entries, ...set.duplicates],
      pdus: ordered.map((part) => part.pdu),
    }
  }
}
