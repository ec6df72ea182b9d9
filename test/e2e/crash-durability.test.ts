// Brief rule 3: a message acknowledged with 2xx survives kill -9, and a restart delivers it.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { TEST_ADMIN_KEY } from "../support/gateway.ts"
import { type GatewayProcess, spawnGateway } from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"

const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" }

/**
 * `clients` clients send until `enough` recipients are acknowledged (202), then the gateway is
 * killed (SIGKILL) with requests in flight. Returns the acknowledged message ids.
 */
async function sendUntilKilled(
  gateway: GatewayProcess,
  clients: number,
  recipients: (client: number, request: number) => string[],
  enough: number,
): Promise<string[]> {
  const acknowledged: string[] = []
  let stop = false
  const running = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await fetch(`${gateway.url}/v1/messages`, {
          method: "POST",
          headers,
          body: JSON.stringify({ to: recipients(c, i), message: `crash test ${c}/${i}` }),
        })
        if (res.status === 202) {
          const body = (await res.json()) as { messages: { id: string }[] }
          acknowledged.push(...body.messages.map((m) => m.id))
        }
      } catch {
        return // the process is gone
      }
    }
  })
  await waitFor(() => acknowledged.length >= enough, {
    what: `${enough} acknowledged recipients`,
    timeoutMs: 20_000,
  })
  gateway.proc.kill("SIGKILL")
  stop = true
  await gateway.proc.exited
  await Promise.all(running)
  return acknowledged
}

/** The ids a query on the database file returns in its first column `id`. */
function ids(dbPath: string, sql: string): Set<string> {
  const db = new Database(dbPath, { readonly: true })
  try {
    return new Set(
      db
        .query<{ id: string }, []>(sql)
        .all()
        .map((r) => r.id),
    )
  } finally {
    db.close()
  }
}

// A slow simulator (200 parts/s) keeps a backlog queued and in flight when the process dies.
const SLOW_SIMULATOR = `[[connectors]]\nid = "sim"\ntype = "simulator"\ndelivery_delay_ms = 300\ntps = 200\n`

describe("kill -9 during sends", () => {
  test("every message answered 202 is in the database after the crash and leaves the queue after restart", async () => {
    using dir = tempDir("signalbox-crash-")
    const first = await spawnGateway(dir.path, SLOW_SIMULATOR)
    const acknowledged = await sendUntilKilled(
      first,
      8,
      (c, i) => [`+2332012${String(c).padStart(2, "0")}${String(i % 1000).padStart(3, "0")}`],
      300,
    )

    const stored = ids(join(dir.path, "signalbox.db"), "SELECT id FROM messages")
    const db = new Database(join(dir.path, "signalbox.db"), { readonly: true })
    const statuses = db
      .query<{ status: string; n: number }, []>(
        "SELECT status, count(*) AS n FROM messages GROUP BY status",
      )
      .all()
    db.close()
    const missing = acknowledged.filter((id) => !stored.has(id))
    expect(missing).toEqual([])
    expect(statuses.length).toBeGreaterThan(0)

    const second = await spawnGateway(dir.path, SLOW_SIMULATOR)
    try {
      await waitFor(
        () => {
          const check = new Database(join(dir.path, "signalbox.db"), { readonly: true })
          const open = check
            .query<{ n: number }, []>(
              "SELECT count(*) AS n FROM messages WHERE status IN ('queued','sending','scheduled')",
            )
            .get()!.n
          const recoveredNotDelivered = check
            .query<{ n: number }, []>(
              "SELECT count(*) AS n FROM messages WHERE status <> 'delivered' AND id IN (SELECT message_id FROM message_events WHERE detail LIKE 'recovered at start%')",
            )
            .get()!.n
          check.close()
          return open === 0 && recoveredNotDelivered === 0
        },
        { what: "every message final after restart", timeoutMs: 25_000, intervalMs: 200 },
      ).catch((e) => {
        const c = new Database(join(dir.path, "signalbox.db"), { readonly: true })
        console.log(
          c.query("SELECT status, count(*) n FROM messages GROUP BY status").all(),
          second.output().slice(-3000),
        )
        c.close()
        throw e
      })
      const check = new Database(join(dir.path, "signalbox.db"), { readonly: true })
      // `sent` before the crash: the simulator, unlike a carrier's SMSC, keeps pending receipts
      // only in memory, so those stay `sent`. Everything else must have been (re)submitted and
      // delivered; nothing may be failed or stuck.
      const bad = check
        .query<{ n: number }, []>(
          "SELECT count(*) AS n FROM messages WHERE status NOT IN ('sent','delivered')",
        )
        .get()!.n
      const recovered = check
        .query<{ n: number }, []>(
          "SELECT count(DISTINCT message_id) AS n FROM message_events WHERE detail LIKE 'recovered at start%'",
        )
        .get()!.n
      const recoveredDelivered = check
        .query<{ n: number }, []>(
          "SELECT count(*) AS n FROM messages WHERE status = 'delivered' AND id IN (SELECT message_id FROM message_events WHERE detail LIKE 'recovered at start%')",
        )
        .get()!.n
      check.close()
      expect(bad).toBe(0)
      // Every message caught in `sending` by the kill was submitted again and delivered.
      expect(recovered).toBeGreaterThan(0)
      expect(recoveredDelivered).toBe(recovered)
    } finally {
      second.proc.kill("SIGTERM")
      await second.proc.exited
    }
  }, 60_000)

  // The bulk path: rows written by one INSERT … SELECT FROM json_each, numbers normalised on the
  // phone worker (64 or more per request). Acknowledged means committed there too.
  test("every recipient of a bulk request answered 202 is stored with its first event after the crash", async () => {
    using dir = tempDir("signalbox-crash-bulk-")
    const gateway = await spawnGateway(dir.path, SLOW_SIMULATOR)
    const acknowledged = await sendUntilKilled(
      gateway,
      4,
      (c, i) =>
        Array.from(
          { length: 100 },
          (_, r) => `+2332012${c}${String(i % 100).padStart(2, "0")}${String(r).padStart(2, "0")}`,
        ),
      2000,
    )

    const path = join(dir.path, "signalbox.db")
    const stored = ids(path, "SELECT id FROM messages")
    const withFirstEvent = ids(
      path,
      "SELECT message_id AS id FROM message_events WHERE status = 'queued' AND detail = 'accepted'",
    )
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
    expect(acknowledged.filter((id) => !withFirstEvent.has(id))).toEqual([])
    // No log line says the phone worker failed: the 100-number lists went through it.
    expect(gateway.output()).not.toContain("phone worker")
  }, 60_000)
})
