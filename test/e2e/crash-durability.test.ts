// Brief rule 3: a message acknowledged with 2xx survives kill -9, and a restart delivers it.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { TEST_ADMIN_KEY } from "../support/gateway.ts"
import { spawnGateway } from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"

const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" }

describe("kill -9 during sends", () => {
  test("every message answered 202 is in the database after the crash and leaves the queue after restart", async () => {
    using dir = tempDir("signalbox-crash-")
    // A slow simulator (200 parts/s) keeps a backlog queued and in flight when the process dies.
    const toml = `[[connectors]]\nid = "sim"\ntype = "simulator"\ndelivery_delay_ms = 300\ntps = 200\n`
    const first = await spawnGateway(dir.path, toml)
    const acknowledged: string[] = []
    let stop = false
    const clients = Array.from({ length: 8 }, async (_, c) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${first.url}/v1/messages`, {
            method: "POST",
            headers,
            body: JSON.stringify({
              to: [`+2332012${String(c).padStart(2, "0")}${String(i % 1000).padStart(3, "0")}`],
              message: `crash test ${c}/${i}`,
            }),
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
    await waitFor(() => acknowledged.length >= 300, {
      what: "300 acknowledged sends",
      timeoutMs: 20_000,
    })
    first.proc.kill("SIGKILL")
    stop = true
    await first.proc.exited
    await Promise.all(clients)

    const db = new Database(join(dir.path, "signalbox.db"), { readonly: true })
    const stored = new Set(
      db
        .query<{ id: string }, []>("SELECT id FROM messages")
        .all()
        .map((r) => r.id),
    )
    const statuses = db
      .query<{ status: string; n: number }, []>(
        "SELECT status, count(*) AS n FROM messages GROUP BY status",
      )
      .all()
    db.close()
    const missing = acknowledged.filter((id) => !stored.has(id))
    expect(missing).toEqual([])
    expect(statuses.length).toBeGreaterThan(0)

    const second = await spawnGateway(dir.path, toml)
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
})
