// `serve` started as an operator starts it: on a machine with 16 GB of RAM or more it replaces
// itself, same PID, with JavaScriptCore's heap growth set (src/cli/heap-growth.ts); an operator's
// own setting is kept. The RAM JSC sizes its heap from is set for each test
// (BUN_JSC_forceRAMSize), so both branches run whatever this machine has.
import { describe, expect, test } from "bun:test"
import { closeSync, openSync } from "node:fs"
import { join } from "node:path"
import { HEAP_GROWTH_VAR, PROPORTIONAL_VALUE, REEXEC_MARKER } from "../../src/cli/heap-growth.ts"
import {
  environOf,
  type GatewayProcess,
  type SpawnOptions,
  spawnGateway,
} from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"

const GB = 1024 ** 3
/** A machine of 32 GB, where JSC would use its big-machine growth. */
const BIG = { BUN_JSC_forceRAMSize: String(32 * GB) }
const SMALL = { BUN_JSC_forceRAMSize: String(8 * GB) }

/** The start log's heap line. */
function heapLine(output: string): { growth: string; reason: string; pid: number } {
  const line = output.split("\n").find((l) => l.includes('"growth"'))
  expect(line).toBeDefined()
  return JSON.parse(line!)
}

/** Starts `serve`, runs `check` on it, and stops it. */
async function withServe(
  options: SpawnOptions,
  check: (gateway: GatewayProcess) => Promise<void> | void,
): Promise<void> {
  using dir = tempDir()
  const gateway = await spawnGateway(dir.path, "", options)
  try {
    await check(gateway)
  } finally {
    gateway.proc.kill()
    await gateway.proc.exited
  }
}

/** It serves: a message is accepted. */
async function accepts(gateway: GatewayProcess): Promise<void> {
  const res = await gateway.api("/v1/messages", {
    method: "POST",
    json: { to: "+233201234567", message: "after the exec" },
  })
  expect(res.status).toBe(202)
}

describe("serve and JavaScriptCore's heap growth", () => {
  test("16 GB or more: serve re-executes itself once, in the same process, and says so", () =>
    withServe({ env: BIG }, async (gateway) => {
      const env = environOf(gateway.proc.pid)
      expect(env.get(HEAP_GROWTH_VAR)).toBe(PROPORTIONAL_VALUE)
      expect(env.get(REEXEC_MARKER)).toBe("1")
      const line = heapLine(gateway.output())
      // The process that answers is the one that was started: execve kept its PID.
      expect(line).toMatchObject({
        pid: gateway.proc.pid,
        growth: "proportional",
        reason: `${HEAP_GROWTH_VAR}=${PROPORTIONAL_VALUE}`,
      })
      // The arguments came through the exec: it serves with the config it was given.
      await accepts(gateway)
    }))

  test("under 16 GB there is nothing to change: no re-exec", () =>
    withServe({ env: SMALL }, (gateway) => {
      const env = environOf(gateway.proc.pid)
      expect(env.has(HEAP_GROWTH_VAR)).toBe(false)
      expect(env.has(REEXEC_MARKER)).toBe(false)
      expect(heapLine(gateway.output())).toMatchObject({
        growth: "proportional",
        reason: "RAM under 16 GB",
      })
    }))

  test("an operator's own value is kept as given", () =>
    withServe({ env: { ...BIG, [HEAP_GROWTH_VAR]: "16384" } }, (gateway) => {
      const env = environOf(gateway.proc.pid)
      expect(env.get(HEAP_GROWTH_VAR)).toBe("16384")
      expect(env.has(REEXEC_MARKER)).toBe(false)
      expect(heapLine(gateway.output())).toMatchObject({
        growth: "jsc-default",
        reason: `${HEAP_GROWTH_VAR}=16384`,
      })
    }))

  test("a process that was re-executed once never does it again", () =>
    withServe({ env: { ...BIG, [REEXEC_MARKER]: "1" } }, async (gateway) => {
      expect(heapLine(gateway.output())).toMatchObject({
        pid: gateway.proc.pid,
        growth: "jsc-default",
        reason: `re-executed, but ${HEAP_GROWTH_VAR} did not come through`,
      })
      await accepts(gateway)
    }))

  test("the arguments byte for byte and inherited descriptors survive the re-exec", async () => {
    using dir = tempDir()
    // A config path with a space and a non-ASCII letter.
    await withServe({ env: BIG, configPath: join(dir.path, "my conf é.toml") }, (gateway) => {
      expect(environOf(gateway.proc.pid).get(REEXEC_MARKER)).toBe("1")
      expect(heapLine(gateway.output()).pid).toBe(gateway.proc.pid)
    })
    // A config read from fd 7, as a supervisor might pass one (fd 3 was seen to survive even
    // without keeping descriptors).
    const file = join(dir.path, "by-fd.toml")
    const fd = openSync(file, "w+")
    try {
      await withServe(
        {
          env: BIG,
          configPath: file,
          configArg: "/dev/fd/7",
          fds: ["ignore", "ignore", "ignore", "ignore", fd],
        },
        async (gateway) => {
          expect(environOf(gateway.proc.pid).get(REEXEC_MARKER)).toBe("1")
          expect(heapLine(gateway.output()).pid).toBe(gateway.proc.pid)
          await accepts(gateway)
        },
      )
    } finally {
      closeSync(fd)
    }
  })
})
