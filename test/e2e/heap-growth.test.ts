// `serve` started as an operator starts it: on a machine with 16 GB of RAM or more it replaces
// itself, same PID, with JavaScriptCore's heap growth set (src/cli/heap-growth.ts); an operator's
// own setting is kept. Which branch runs depends on this machine's RAM, so each test says what
// it expects for both.
import { describe, expect, test } from "bun:test"
import { closeSync, openSync } from "node:fs"
import { totalmem } from "node:os"
import { join } from "node:path"
import { HEAP_GROWTH_VAR, JSC_THRESHOLD_MB, PROPORTIONAL_VALUE } from "../../src/cli/heap-growth.ts"
import { TEST_ADMIN_KEY } from "../support/gateway.ts"
import { environOf, spawnGateway } from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"

const BIG_MACHINE = totalmem() >= JSC_THRESHOLD_MB * 1024 * 1024

/** The start log's heap line. */
function heapLine(output: string): { growth: string; reason: string; pid: number } {
  const line = output.split("\n").find((l) => l.includes('"growth"'))
  expect(line).toBeDefined()
  return JSON.parse(line!)
}

describe("serve and JavaScriptCore's heap growth", () => {
  test("serve sets the heap growth itself, in the same process, and says so", async () => {
    using dir = tempDir()
    const gateway = await spawnGateway(dir.path)
    try {
      const env = environOf(gateway.proc.pid)
      const line = heapLine(gateway.output())
      // The process that answers is the one that was started: execve kept its PID.
      expect(line.pid).toBe(gateway.proc.pid)
      expect(line.growth).toBe("proportional")
      if (BIG_MACHINE) {
        expect(env.get(HEAP_GROWTH_VAR)).toBe(PROPORTIONAL_VALUE)
        expect(line.reason).toBe(`${HEAP_GROWTH_VAR}=${PROPORTIONAL_VALUE}`)
      } else {
        expect(env.has(HEAP_GROWTH_VAR)).toBe(false)
        expect(line.reason).toBe("RAM under 16 GB")
      }
      // The arguments came through the exec: it serves with the config it was given.
      const res = await fetch(`${gateway.url}/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ to: "+233201234567", message: "after the exec" }),
      })
      expect(res.status).toBe(202)
    } finally {
      gateway.proc.kill()
      await gateway.proc.exited
    }
  })

  test("an operator's own value is kept as given", async () => {
    using dir = tempDir()
    const gateway = await spawnGateway(dir.path, "", { env: { [HEAP_GROWTH_VAR]: "16384" } })
    try {
      expect(environOf(gateway.proc.pid).get(HEAP_GROWTH_VAR)).toBe("16384")
      const line = heapLine(gateway.output())
      expect(line.reason).toBe(`${HEAP_GROWTH_VAR}=16384`)
      expect(line.growth).toBe(BIG_MACHINE ? "jsc-default" : "proportional")
    } finally {
      gateway.proc.kill()
      await gateway.proc.exited
    }
  })

  test("the arguments byte for byte and inherited descriptors survive the re-exec", async () => {
    using dir = tempDir()
    // A config path with a space and a non-ASCII letter, then a config read from fd 7, as a
    // supervisor might pass one (fd 3 was seen to survive even without keeping descriptors).
    const odd = await spawnGateway(dir.path, "", { configPath: join(dir.path, "my conf é.toml") })
    try {
      expect(heapLine(odd.output()).pid).toBe(odd.proc.pid)
    } finally {
      odd.proc.kill()
      await odd.proc.exited
    }
    const file = join(dir.path, "by-fd.toml")
    const fd = openSync(file, "w+")
    try {
      const viaFd = await spawnGateway(dir.path, "", {
        configPath: file,
        configArg: "/dev/fd/7",
        fds: ["ignore", "ignore", "ignore", "ignore", fd],
      })
      try {
        const line = heapLine(viaFd.output())
        expect(line.pid).toBe(viaFd.proc.pid)
        if (BIG_MACHINE) expect(line.reason).toBe(`${HEAP_GROWTH_VAR}=${PROPORTIONAL_VALUE}`)
        const res = await fetch(`${viaFd.url}/v1/messages`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${TEST_ADMIN_KEY}`,
            "content-type": "application/json",
          },
          body: JSON.stringify({ to: "+233201234567", message: "config from a descriptor" }),
        })
        expect(res.status).toBe(202)
      } finally {
        viaFd.proc.kill()
        await viaFd.proc.exited
      }
    } finally {
      closeSync(fd)
    }
  })
})
