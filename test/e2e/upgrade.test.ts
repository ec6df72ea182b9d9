// An operator upgrading: a database at schema version 8 (what the gateway wrote before the
// tenancy, two-way and dispatch changes of migrations 0010 and later; there is no 0002, so version
// 8 ends at 0009) is migrated at start, with a
// copy of the old file kept, and what was queued in it is delivered: a live message, a sandbox
// message, and a reply pinned to its connector (which 0013 and 0015 move to a lane of their own).
// And from schema version 15: a suspended webhook endpoint's backlog survives 0017's flag.
import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { copyFileSync, existsSync } from "node:fs"
import { join } from "node:path"
import { generateSecret } from "../../src/core/webhooks/signature.ts"
import { MIGRATIONS } from "../../src/store/migrations/index.ts"
import { openDatabase } from "../../src/store/open.ts"
import { startFakeSmsc } from "../fakes/smsc.ts"
import { smppCarrier } from "../support/connector-config.ts"
import { spawnGateway } from "../support/gateway-process.ts"
import { readRows } from "../support/store.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"
import { startReceiver } from "../support/webhook-receiver.ts"

const OLD_VERSION = 8
/** The last schema before 0017 (has_open): MIGRATIONS has no 0002, so version 15 ends at 0016. */
const BEFORE_HAS_OPEN = 15

/** A database at schema `version`, as a build of that time left it. */
function schemaAt(path: string, version: number): Database {
  const db = new Database(path, { create: true, strict: true })
  db.exec("PRAGMA journal_mode = WAL")
  for (const m of MIGRATIONS.slice(0, version)) db.exec(m.sql)
  db.exec(`PRAGMA user_version = ${version}`)
  return db
}

function oldDatabase(path: string): void {
  const db = schemaAt(path, OLD_VERSION)
  const insert = db.prepare(
    `INSERT INTO messages (id, batch_id, account_id, to_number, from_addr, body, encoding, segments,
       reference, priority, status, scheduled_at, not_before, created_at, updated_at, mode,
       pinned_connector_id)
     VALUES (?1, ?2, 'acc_root', ?3, NULL, ?4, 'gsm7', 1, 0, 5, 'queued', NULL, 1, 1, 1, ?5, ?6)`,
  )
  insert.run(
    "msg_old_live",
    "bat_old_1",
    "+233201234567",
    "queued before the upgrade",
    "live",
    null,
  )
  insert.run("msg_old_test", "bat_old_2", "+233201234568", "a sandbox one", "test", null)
  insert.run("msg_old_reply", "bat_old_3", "+233201234569", "a pinned reply", "live", "simulator")
  db.close()
}

describe("upgrading a database from schema version 8", () => {
  test("migrates at start, keeps a copy of the old file, and delivers what was queued", async () => {
    using dir = tempDir("signalbox-upgrade-")
    const path = join(dir.path, "signalbox.db")
    oldDatabase(path)
    const gateway = await spawnGateway(dir.path)
    try {
      const statuses = await waitFor(
        () => {
          const rows = readRows<{ id: string; status: string; connector_id: string | null }>(
            path,
            "SELECT id, status, connector_id FROM messages WHERE id LIKE 'msg_old_%' ORDER BY id",
          )
          return rows.every((r) => r.status === "delivered") ? rows : null
        },
        { what: "the old queue delivered", timeoutMs: 15_000, intervalMs: 100 },
      )
      expect(statuses).toEqual([
        { id: "msg_old_live", status: "delivered", connector_id: "simulator" },
        { id: "msg_old_reply", status: "delivered", connector_id: "simulator" },
        { id: "msg_old_test", status: "delivered", connector_id: "sandbox" },
      ])
      expect(readRows<{ user_version: number }>(path, "PRAGMA user_version")).toEqual([
        { user_version: MIGRATIONS.length },
      ])
      expect(existsSync(`${path}.v${OLD_VERSION}.bak`)).toBe(true)
    } finally {
      gateway.proc.kill("SIGTERM")
      await gateway.proc.exited
    }
  })

  // Work in progress at the upgrade, for the migrations of session 6: two sent messages that
  // share a carrier id (0016 rebuilds the index their lookup reads), and a webhook endpoint
  // with a delivery waiting (0017 and the worker's start flag it, or no claim would find it).
  test("a receipt for a carrier id stored twice and a waiting webhook both go on after it", async () => {
    using dir = tempDir("signalbox-upgrade-")
    const path = join(dir.path, "signalbox.db")
    oldDatabase(path)
    const smsc = await startFakeSmsc()
    await using receiver = startReceiver()
    const secret = generateSecret()
    receiver.setSecret("/old-hooks", secret)
    const db = new Database(path, { strict: true })
    const sent = db.prepare(
      `INSERT INTO messages (id, batch_id, account_id, to_number, body, encoding, segments,
         reference, priority, status, not_before, connector_id, carrier_message_id, created_at,
         updated_at, sent_at, mode)
       VALUES (?1, ?1, 'acc_root', '+233201234570', 'x', 'gsm7', 1, 0, 5, 'sent', 1, 'carrier',
         '17', 1, ?2, ?2, 'live')`,
    )
    const part = db.prepare(
      `INSERT INTO message_parts (message_id, part_index, connector_id, carrier_id, carrier_id_raw,
         status, submitted_at) VALUES (?1, 0, 'carrier', '17', '17', 'sent', ?2)`,
    )
    for (const [id, at] of [
      ["msg_sent_older", 3],
      ["msg_sent_newer", 7],
    ] as const) {
      sent.run(id, at)
      part.run(id, at)
    }
    db.prepare(
      `INSERT INTO webhook_endpoints (id, account_id, url, events, secret, status, created_at,
         updated_at) VALUES ('whk_old', 'acc_root', ?1, '["*"]', ?2, 'active', 1, 1)`,
    ).run(receiver.url("/old-hooks"), secret)
    db.prepare(
      `INSERT INTO webhook_deliveries (id, endpoint_id, account_id, event_type, payload, status,
         next_attempt_at, created_at, updated_at)
       VALUES ('whd_old', 'whk_old', 'acc_root', 'webhook.ping', '{"type":"webhook.ping"}',
         'pending', 1, 1, 1)`,
    ).run()
    db.close()

    const gateway = await spawnGateway(dir.path, smppCarrier(smsc.port))
    try {
      await waitFor(() => smsc.boundSessions() > 0, { what: "bind" })
      expect(smsc.sendReceipt("17")).toBe(true)
      const statuses = await waitFor(
        () => {
          const rows = readRows<{ id: string; status: string }>(
            path,
            "SELECT id, status FROM messages WHERE id LIKE 'msg_sent_%' ORDER BY id",
          )
          return rows.some((r) => r.status === "delivered") ? rows : null
        },
        { what: "the receipt applied", timeoutMs: 15_000, intervalMs: 100 },
      )
      expect(statuses).toEqual([
        { id: "msg_sent_newer", status: "delivered" },
        { id: "msg_sent_older", status: "sent" },
      ])
      await waitFor(() => receiver.at("/old-hooks").some((r) => r.verified), {
        what: "the waiting webhook delivered",
        timeoutMs: 15_000,
      })
      expect(receiver.at("/old-hooks")[0]!.id).toBe("whd_old")
    } finally {
      gateway.proc.kill("SIGTERM")
      await gateway.proc.exited
      await smsc.close()
    }
  })
})

describe("upgrading a database from schema version 15", () => {
  // 0017 flags endpoints with open deliveries, and the claim looks only at active flagged ones:
  // a suspended endpoint's backlog must be flagged too, or resuming it would deliver nothing.
  test("a suspended endpoint's backlog is flagged by the migration, waits, and is delivered once it is resumed", async () => {
    using dir = tempDir("signalbox-upgrade-")
    const path = join(dir.path, "signalbox.db")
    await using receiver = startReceiver()
    const secret = generateSecret()
    receiver.setSecret("/suspended", secret)
    const db = schemaAt(path, BEFORE_HAS_OPEN)
    db.prepare(
      `INSERT INTO webhook_endpoints (id, account_id, url, events, secret, status, created_at,
         updated_at) VALUES ('whk_susp', 'acc_root', ?1, '["*"]', ?2, 'suspended', 1, 1)`,
    ).run(receiver.url("/suspended"), secret)
    const delivery = db.prepare(
      `INSERT INTO webhook_deliveries (id, endpoint_id, account_id, event_type, payload, status,
         next_attempt_at, created_at, updated_at)
       VALUES (?1, 'whk_susp', 'acc_root', 'webhook.ping', '{"type":"webhook.ping"}',
         'pending', 1, ?2, ?2)`,
    )
    for (const [id, at] of [
      ["whd_susp_1", 1],
      ["whd_susp_2", 2],
      ["whd_susp_3", 3],
    ] as const)
      delivery.run(id, at)
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    // The migration alone flags it (the worker also recounts at start, which would hide a
    // migration that did not): migrated on a copy, without a gateway.
    copyFileSync(path, `${path}.copy`)
    const migrated = openDatabase(`${path}.copy`)
    try {
      expect(migrated.query("SELECT id, has_open FROM webhook_endpoints").all()).toEqual([
        { id: "whk_susp", has_open: 1 },
      ])
    } finally {
      migrated.close()
    }

    const gateway = await spawnGateway(dir.path)
    try {
      const held = (await (await gateway.api("/v1/webhooks/whk_susp/deliveries")).json()) as {
        data: { id: string; status: string }[]
      }
      expect(held.data.map((d) => d.id).sort()).toEqual(["whd_susp_1", "whd_susp_2", "whd_susp_3"])
      expect(receiver.at("/suspended")).toEqual([])

      const resumed = await gateway.api("/v1/webhooks/whk_susp", {
        method: "PATCH",
        json: { status: "active" },
      })
      expect(resumed.status).toBe(200)
      await waitFor(() => receiver.at("/suspended").filter((r) => r.verified).length === 3, {
        what: "the backlog delivered",
        timeoutMs: 15_000,
      })
      // Pings are not ordered among themselves: one claim may send all three at once.
      expect(
        receiver
          .at("/suspended")
          .map((r) => r.id)
          .sort(),
      ).toEqual(["whd_susp_1", "whd_susp_2", "whd_susp_3"])
    } finally {
      gateway.proc.kill("SIGTERM")
      await gateway.proc.exited
    }
  })
})
