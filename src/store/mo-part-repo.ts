import type { Database, Statement } from "bun:sqlite"

export interface MoPartRow {
  connector_id: string
  set_key: string
  /** 1-based. */
  sequence: number
  total: number
  from_addr: string
  to_addr: string
  data_coding: number
  encoding: string
  octets: Uint8Array
  external_id: string | null
  fingerprint: string
  /** When the set's first part arrived: the same on every row of the set. */
  first_at: number
  received_at: number
}

/** A set taken out of mo_parts: how many of its parts had arrived. */
export interface DroppedMoSet {
  setKey: string
  received: number
  total: number
}

/**
 * The MO redelivery and reassembly state (0008): parts of incomplete multipart MOs, and the
 * fingerprints of MO PDUs recently stored. Synchronous: callers own transactions.
 */
export class MoPartRepo {
  private readonly q: {
    setState: Statement<{ first_at: number | null; n: number }, [string, string]>
    insert: Statement<
      MoPartRow,
      [
        string,
        string,
        number,
        number,
        string,
        string,
        number,
        string,
        Uint8Array,
        string | null,
        string,
        number,
        number,
      ]
    >
    countHeld: Statement<{ n: number }, [string]>
    setParts: Statement<MoPartRow, [string, string]>
    deleteSet: Statement<{ total: number }, [string, string]>
    oldestOther: Statement<{ set_key: string }, [string, string]>
    expire: Statement<{ set_key: string; total: number }, [string, number]>
    oldest: Statement<{ first_at: number | null }, [string]>
    seen: Statement<{ inbound_id: string }, [string, string, number]>
    remember: Statement<null, [string, string, string, number]>
    forget: Statement<null, [number]>
  }

  constructor(db: Database) {
    this.q = {
      setState: db.query(
        `SELECT min(first_at) AS first_at, count(*) AS n FROM mo_parts
         WHERE connector_id = ? AND set_key = ?`,
      ),
      insert: db.query(
        `INSERT INTO mo_parts (connector_id, set_key, sequence, total, from_addr, to_addr,
           data_coding, encoding, octets, external_id, fingerprint, first_at, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT DO NOTHING RETURNING *`,
      ),
      countHeld: db.query("SELECT count(*) AS n FROM mo_parts WHERE connector_id = ?"),
      setParts: db.query(
        "SELECT * FROM mo_parts WHERE connector_id = ? AND set_key = ? ORDER BY sequence",
      ),
      deleteSet: db.query(
        "DELETE FROM mo_parts WHERE connector_id = ? AND set_key = ? RETURNING total",
      ),
      oldestOther: db.query(
        `SELECT set_key FROM mo_parts WHERE connector_id = ?1 AND set_key <> ?2
         ORDER BY first_at LIMIT 1`,
      ),
      expire: db.query(
        "DELETE FROM mo_parts WHERE connector_id = ? AND first_at <= ? RETURNING set_key, total",
      ),
      oldest: db.query("SELECT min(first_at) AS first_at FROM mo_parts WHERE connector_id = ?"),
      seen: db.query(
        `SELECT inbound_id FROM mo_fingerprints
         WHERE connector_id = ? AND fingerprint = ? AND at >= ?`,
      ),
      remember: db.query(
        `INSERT INTO mo_fingerprints (connector_id, fingerprint, inbound_id, at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO UPDATE SET inbound_id = excluded.inbound_id, at = excluded.at`,
      ),
      forget: db.query("DELETE FROM mo_fingerprints WHERE at < ?"),
    }
  }

  /** When the set's first part arrived (null when none of it is held), and how many are held. */
  heldSet(connectorId: string, setKey: string): { firstAt: number | null; received: number } {
    const row = this.q.setState.get(connectorId, setKey)
    return { firstAt: row?.first_at ?? null, received: row?.n ?? 0 }
  }

  /** Holds the part; false when that part of the set is already held (a redelivery). */
  hold(p: MoPartRow): boolean {
    return (
      this.q.insert.get(
        p.connector_id,
        p.set_key,
        p.sequence,
        p.total,
        p.from_addr,
        p.to_addr,
        p.data_coding,
        p.encoding,
        p.octets,
        p.external_id,
        p.fingerprint,
        p.first_at,
        p.received_at,
      ) !== null
    )
  }

  /** Parts held now for the connector, across its sets. */
  held(connectorId: string): number {
    return this.q.countHeld.get(connectorId)?.n ?? 0
  }

  /** The set's parts in sequence order. */
  parts(connectorId: string, setKey: string): MoPartRow[] {
    return this.q.setParts.all(connectorId, setKey)
  }

  /** Deletes the set; how many parts it had. */
  deleteSet(connectorId: string, setKey: string): DroppedMoSet | null {
    const rows = this.q.deleteSet.all(connectorId, setKey)
    const first = rows[0]
    return first === undefined ? null : { setKey, received: rows.length, total: first.total }
  }

  /** Deletes the connector's oldest set other than `keep`, or returns null when there is none. */
  evictOldest(connectorId: string, keep: string): DroppedMoSet | null {
    const oldest = this.q.oldestOther.get(connectorId, keep)
    return oldest === null ? null : this.deleteSet(connectorId, oldest.set_key)
  }

  /** Deletes the connector's sets whose first part arrived at or before `before`. */
  expire(connectorId: string, before: number): DroppedMoSet[] {
    const sets = new Map<string, DroppedMoSet>()
    const rows = this.q.expire.all(connectorId, before)
    for (const row of rows) {
      const set = sets.get(row.set_key)
      if (set) set.received++
      else sets.set(row.set_key, { setKey: row.set_key, received: 1, total: row.total })
    }
    return [...sets.values()]
  }

  /** When the connector's oldest held set began, or null when it holds nothing. */
  oldestFirstAt(connectorId: string): number | null {
    return this.q.oldest.get(connectorId)?.first_at ?? null
  }

  /** The inbound message a PDU with this fingerprint was stored as, if at or after `since`. */
  seen(connectorId: string, fingerprint: string, since: number): string | null {
    return this.q.seen.get(connectorId, fingerprint, since)?.inbound_id ?? null
  }

  /** Records a fingerprint for the inbound message `inboundId`. */
  remember(connectorId: string, fingerprint: string, inboundId: string, at: number): void {
    this.q.remember.run(connectorId, fingerprint, inboundId, at)
  }

  /** Forgets the fingerprints recorded before `before` (every connector's: one index seek). */
  forgetFingerprints(before: number): void {
    this.q.forget.run(before)
  }
}
