// Issue 3 item 8: kill -9 the gateway repeatedly under load, then check message by message that
// every accepted message reached the SMSC at least once and none is lost, stuck or failed; and,
// since a receipt is acknowledged only once stored and the fake SMSC sends an unacknowledged one
// again (as a carrier does), that every one ends delivered: no receipt lost either.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { startFakeSmsc } from "../fakes/smsc.ts"
import { TEST_ADMIN_KEY } from "../support/gateway.ts"
import { type GatewayProcess, spawnGateway } from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"

const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" }
const KILLS = 3
const SESSIONS = 2
const WINDOW = 10

describe("repeated kill -9 under load over a real SMPP bind", () => {
  test("every acknowledged message reaches the SMSC at least once and ends delivered", async () => {
    using dir = tempDir("signalbox-crash3-")
    const smsc = await startFakeSmsc({
      credentials: null,
      receipts: "auto",
      receiptDelayMs: 20,
      responseDelayMs: 2,
    })
    const toml = `[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "gw"
sessions = ${SESSIONS}
window = ${WINDOW}
tps = 400
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[queue]
retry_base_ms = 20
retry_cap_ms = 200
`
    // destination (digits) → message id, for every 202.
    const acknowledged = new Map<string, string>()
    let gateway: GatewayProcess = await spawnGateway(dir.path, toml)
    let serial = 0
    let running = true
    const client = async () => {
      while (running) {
        const n = serial++
        const to = `+4915${String(n).padStart(9, "0")}`
        try {
          const res = await fetch(`${gateway.url}/v1/messages`, {
            method: "POST",
            headers,
            body: JSON.stringify({ to, message: `crash ${n}` }),
          })
          if (res.status === 202) {
            const body = (await res.json()) as { messages: { id: string }[] }
            acknowledged.set(to.slice(1), body.messages[0]!.id)
          } else await res.arrayBuffer()
        } catch {
          await Bun.sleep(20) // between a kill and the restart
        }
      }
    }
    const clients = Array.from({ length: 8 }, client)
    try {
      for (let k = 0; k < KILLS; k++) {
        const target = acknowledged.size + 200
        await waitFor(() => acknowledged.size >= target, {
          what: `${target} acknowledged`,
          timeoutMs: 20_000,
        })
        gateway.proc.kill("SIGKILL")
        await gateway.proc.exited
        gateway = await spawnGateway(dir.path, toml)
      }
      const after = acknowledged.size + 200
      await waitFor(() => acknowledged.size >= after, {
        what: "more load after the last restart",
        timeoutMs: 20_000,
      })
      running = false
      await Promise.all(clients)

      const dbPath = join(dir.path, "signalbox.db")
      const settled = await waitFor(
        () => {
          const db = new Database(dbPath, { readonly: true })
          const open = db
            .query<{ n: number }, []>(
              "SELECT count(*) AS n FROM messages WHERE status IN ('queued','sending','scheduled','sent')",
            )
            .get()!.n
          db.close()
          return open === 0
        },
        {
          what: "every message delivered after the last restart",
          timeoutMs: 30_000,
          intervalMs: 200,
        },
      )
      expect(settled).toBe(true)

      const db = new Database(dbPath, { readonly: true })
      const rows = new Map(
        db
          .query<{ id: string; status: string }, []>("SELECT id, status FROM messages")
          .all()
          .map((r) => [r.id, r.status]),
      )
      db.close()

      const submitsPerDestination = new Map<string, number>()
      for (const s of smsc.submits)
        submitsPerDestination.set(
          s.destination_addr,
          (submitsPerDestination.get(s.destination_addr) ?? 0) + 1,
        )

      const lost: string[] = []
      const notAtSmsc: string[] = []
      const wrongState: string[] = []
      for (const [dest, id] of acknowledged) {
        const status = rows.get(id)
        if (status === undefined) lost.push(id)
        else if (status !== "delivered") wrongState.push(`${id}:${status}`)
        if (!submitsPerDestination.has(dest)) notAtSmsc.push(id)
      }
      expect(lost).toEqual([])
      expect(wrongState).toEqual([])
      expect(notAtSmsc).toEqual([])
      // Duplicates only from submits in flight at a kill: at most sessions × window each time.
      let duplicates = 0
      for (const n of submitsPerDestination.values()) duplicates += n - 1
      expect(duplicates).toBeLessThanOrEqual(KILLS * SESSIONS * WINDOW)
    } finally {
      running = false
      gateway.proc.kill("SIGKILL")
      await gateway.proc.exited
      await smsc.close()
    }
  }, 90_000)
})
