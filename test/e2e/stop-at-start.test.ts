// SIGTERM the moment the gateway listens, with a queue waiting in the database: the first claim
// may be under way. (The signal handlers were once installed after start() returned, so this
// signal killed the process with 143.) Stopping waits for it and for what it handed the connector, so the process
// exits cleanly, nothing is left `sending`, and no claim fails against a closed store. Real
// process, real SQLite file, the built-in simulator.
import { expect, test } from "bun:test"
import { join } from "node:path"
import { openStore } from "../../src/store/index.ts"
import { spawnGateway } from "../support/gateway-process.ts"
import { newMessage, readRows } from "../support/store.ts"
import { tempDir } from "../support/temp-dir.ts"

test("a stop right after start leaves nothing sending and exits 0", async () => {
  using dir = tempDir("signalbox-stop-at-start-")
  const path = join(dir.path, "signalbox.db")
  const store = openStore(path)
  store.transaction(() => {
    for (let i = 0; i < 500; i++)
      store.messages.insertMessage(newMessage({ id: `msg_early_${i}`, account_id: "acc_root" }))
  })
  store.close()

  const gateway = await spawnGateway(dir.path)
  gateway.proc.kill("SIGTERM")
  expect(await gateway.proc.exited).toBe(0)

  const statuses = readRows<{ status: string; n: number }>(
    path,
    "SELECT status, count(*) AS n FROM messages GROUP BY status",
  )
  expect(statuses.find((s) => s.status === "sending")).toBeUndefined()
  expect(statuses.reduce((sum, s) => sum + s.n, 0)).toBe(500)
  const output = `${gateway.output()}${await new Response(gateway.proc.stderr).text()}`
  expect(output).not.toContain("claiming messages failed")
  expect(output).not.toContain('"level":50')
})
