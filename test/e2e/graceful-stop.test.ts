// Stopping the gateway while submit_sm are outstanding: each is re-queued with the reason before
// the store closes (none is left `sending`), and a new start delivers them all. Real gateway,
// fake SMSC over TCP, and the SQLite file read between the two runs. (That Outbox.stop() itself
// waits for outcomes in flight is src/core/outbox-stop.test.ts.)
import { Database } from "bun:sqlite"
import { afterAll, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { smppCarrier } from "../support/connector-config.ts"
import { startGateway } from "../support/gateway.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"

let smsc: FakeSmsc | undefined
const dir = tempDir("signalbox-stop-")

afterAll(async () => {
  await smsc?.close()
  dir[Symbol.dispose]()
})

function config(port: number): string {
  return `${smppCarrier(port)}
[queue]
retry_base_ms = 50
retry_cap_ms = 200
`
}

test("unanswered submits are re-queued with the reason at stop; the next start delivers them", async () => {
  // The carrier takes every submit_sm and never answers, so all five are in flight at stop.
  smsc = await startFakeSmsc({ blackHole: true })
  const first = await startGateway(config(smsc.port), { dataDir: dir.path })
  await waitFor(async () => (await fetch(`${first.url}/readyz`)).status === 200, { what: "bind" })
  const to = [1, 2, 3, 4, 5].map((n) => `+23324100000${n}`)
  const res = await first.api("/v1/messages", {
    method: "POST",
    json: { to, message: "in flight at stop" },
  })
  expect(res.status).toBe(202)
  const ids = ((await res.json()) as { messages: { id: string }[] }).messages.map((m) => m.id)
  await waitFor(() => smsc!.submits.length === 5, { what: "five outstanding submit_sm" })
  for (const id of ids) {
    const m = (await (await first.api(`/v1/messages/${id}`)).json()) as { status: string }
    expect(m.status).toBe("sending")
  }

  await first.stop()

  // Nothing left `sending`: each was recorded before the store closed, with the reason.
  const db = new Database(first.dbPath, { readonly: true })
  try {
    const rows = db
      .query<{ id: string; status: string; attempts: number }, []>(
        "SELECT id, status, attempts FROM messages ORDER BY seq",
      )
      .all()
    expect(rows.map((r) => r.id)).toEqual(ids)
    expect(rows.every((r) => r.status === "queued")).toBe(true)
    for (const id of ids) {
      const last = db
        .query<{ status: string; detail: string }, [string]>(
          "SELECT status, detail FROM message_events WHERE message_id = ? ORDER BY seq DESC LIMIT 1",
        )
        .get(id)!
      expect(last.status).toBe("queued")
      expect(last.detail).toContain("stopped")
    }
  } finally {
    db.close()
  }

  // The carrier answers again: the same database delivers all five.
  smsc.setBehaviour({ blackHole: false, receipts: "auto" })
  const second = await startGateway(config(smsc.port), { dataDir: dir.path })
  try {
    for (const id of ids) {
      await waitFor(
        async () => {
          const m = (await (await second.api(`/v1/messages/${id}`)).json()) as { status: string }
          return m.status === "delivered"
        },
        { what: `${id} delivered` },
      )
    }
  } finally {
    await second.stop()
  }
})
