// `bun run build` as package.json writes it, and the binary it makes run where there is no Bun
// and no node_modules: a long recipient list goes through the phone worker, and WAL checkpoints
// run on the checkpoint worker; the binary must carry both as entry points (src/worker-urls.ts).
import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { HEAP_GROWTH_VAR, PROPORTIONAL_VALUE } from "../../src/cli/heap-growth.ts"
import { TEST_ADMIN_KEY } from "../support/gateway.ts"
import { environOf, spawnGateway } from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"

const ROOT = join(import.meta.dir, "..", "..")

/** package.json's build script with its output in `outfile`. */
function buildCommand(outfile: string): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"))
  const words = (pkg.scripts.build as string).split(/\s+/)
  expect(words[0]).toBe("bun")
  const at = words.indexOf("--outfile")
  expect(at).toBeGreaterThan(0)
  words[at + 1] = outfile
  return [process.execPath, ...words.slice(1)]
}

describe("compiled binary", () => {
  test("serves a 200-recipient request from a folder with no node_modules, through the phone worker", async () => {
    using dir = tempDir()
    const binary = join(dir.path, "signalbox")
    const build = Bun.spawnSync(buildCommand(binary), { cwd: ROOT, stdout: "pipe", stderr: "pipe" })
    expect(build.stderr.toString()).not.toContain("error")
    expect(build.exitCode).toBe(0)

    const gateway = await spawnGateway(dir.path, "", {
      command: [binary],
      // A machine of 32 GB as JSC sees it, so the re-exec runs whatever this one has.
      env: { BUN_JSC_forceRAMSize: String(32 * 1024 ** 3) },
    })
    try {
      // The binary replaces itself with the heap growth set, as `bun src/main.ts` does: the
      // dynamic import of the commands, bun:ffi and /proc/self/exe all work from the binary.
      expect(environOf(gateway.proc.pid).get(HEAP_GROWTH_VAR)).toBe(PROPORTIONAL_VALUE)
      const to = Array.from({ length: 200 }, (_, i) => `+4915${String(i).padStart(9, "0")}`)
      to[7] = "+44 7400 123456"
      const res = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ to, message: "Hello from the binary" }),
      })
      expect(res.status).toBe(202)
      const body = (await res.json()) as { messages: { id: string; to: string }[] }
      expect(body.messages).toHaveLength(200)
      expect(body.messages[7]!.to).toBe("+447400123456")

      const bad = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ to: [...to.slice(0, 99), "+233 20"], message: "x" }),
      })
      expect(bad.status).toBe(422)
      expect(((await bad.json()) as { code: string }).code).toBe("invalid_phone_number")

      // The default simulator connector delivers it.
      await waitFor(async () => {
        const m = await fetch(`${gateway.url}/v1/messages/${body.messages[199]!.id}`, {
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
        })
        return ((await m.json()) as { status: string }).status === "delivered"
      })
      // Both workers ran: a binary without one falls back to the event loop and says so.
      expect(gateway.output()).not.toContain("phone worker")
      expect(gateway.output()).not.toContain("checkpoint worker failed")
    } finally {
      gateway.proc.kill("SIGTERM")
      await gateway.proc.exited
    }
  })
})
