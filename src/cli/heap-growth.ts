/**
 * JavaScriptCore's heap growth on machines with 16 GB of RAM or more, and the one re-exec of
 * `serve` that turns it off.
 *
 * From `heapGrowthFunctionThresholdInMB` (16,384) of RAM up, JSC lets the heap grow to about
 * three times its live size before the next full collection instead of two, trading memory for
 * fewer collections. For the gateway that trade is a loss on both sides: on a 24 GB machine a
 * bulk run peaked at 197–215 MB RSS with it and 154–160 MB without, and the gateway spent ~10 %
 * less CPU per message without it (docs/performance.md, session 7). Below 16 GB JSC already
 * grows the heap in proportion, so there is nothing to change.
 *
 * JSC reads its options once, from the environment, before any JavaScript runs; the only way to
 * choose is to start the process with `BUN_JSC_heapGrowthFunctionThresholdInMB` set. So `serve`
 * replaces itself (execve: same PID, same arguments, same descriptors) with the variable set,
 * before it opens anything. A variable the operator set, to any value, is left as it is: that
 * is the way to keep JSC's default. Where the re-exec is not possible (no /proc, no libc to
 * call) the gateway runs on JSC's default and its start log says why.
 */
import { dlopen, FFIType, ptr } from "bun:ffi"
import { readFileSync, readlinkSync } from "node:fs"
import { totalmem } from "node:os"

export const HEAP_GROWTH_VAR = "BUN_JSC_heapGrowthFunctionThresholdInMB"
/** JSC's default threshold, in MB of RAM. */
export const JSC_THRESHOLD_MB = 16 * 1024
/** Above any machine's RAM (1 TiB), so the proportional growth applies everywhere. */
export const PROPORTIONAL_VALUE = "1048576"

export interface HeapGrowth {
  /** `proportional`: 2× growth as below 16 GB; `jsc-default`: JSC's big-machine growth. */
  growth: "proportional" | "jsc-default"
  reason: string
}

export type HeapGrowthPlan = { reexec: true } | { reexec: false; outcome: HeapGrowth }

/** What `serve` should do, from its environment, the machine's RAM and its arguments. */
export function planHeapGrowth(
  env: Record<string, string | undefined>,
  ramBytes: number,
  args: readonly string[],
): HeapGrowthPlan {
  // citty takes the first argument that is not an option as the subcommand.
  if (args.find((a) => !a.startsWith("-")) !== "serve") {
    return { reexec: false, outcome: { growth: "jsc-default", reason: "not serve" } }
  }
  const set = env[HEAP_GROWTH_VAR]
  if (set !== undefined) {
    const threshold = Number(set)
    const proportional = Number.isFinite(threshold) && threshold * 1024 * 1024 > ramBytes
    return {
      reexec: false,
      outcome: {
        growth: proportional ? "proportional" : "jsc-default",
        reason: `${HEAP_GROWTH_VAR}=${set}`,
      },
    }
  }
  if (ramBytes < JSC_THRESHOLD_MB * 1024 * 1024) {
    return { reexec: false, outcome: { growth: "proportional", reason: "RAM under 16 GB" } }
  }
  return { reexec: true }
}

let outcome: HeapGrowth = { growth: "jsc-default", reason: "not checked" }

/** What the process runs with; `serve` logs it at start. */
export function heapGrowth(): HeapGrowth {
  return outcome
}

/**
 * Runs before anything else `main.ts` imports. Returns only if the process keeps its heap
 * policy; on success the process image is replaced and nothing after the call runs.
 */
export function applyHeapGrowth(): void {
  const plan = planHeapGrowth(process.env, totalmem(), process.argv.slice(2))
  if (!plan.reexec) {
    outcome = plan.outcome
    return
  }
  const failure = reexec({ ...process.env, [HEAP_GROWTH_VAR]: PROPORTIONAL_VALUE })
  outcome = { growth: "jsc-default", reason: `re-exec failed: ${failure}` }
}

/** execve(2) of this executable with its own argument list; returns why it did not happen. */
function reexec(env: Record<string, string | undefined>): string {
  if (process.platform !== "linux") return `not on Linux (${process.platform})`
  let argv: string[]
  let exe: string
  try {
    // The arguments as the kernel has them: runtime flags and the script path included.
    argv = readFileSync("/proc/self/cmdline", "utf8").split("\0").slice(0, -1)
    exe = readlinkSync("/proc/self/exe")
  } catch (error) {
    return (error as Error).message
  }
  const libc = openLibc()
  if (typeof libc === "string") return libc
  const pinned: Buffer[] = []
  const cString = (s: string) => {
    const b = Buffer.from(`${s}\0`, "utf8")
    pinned.push(b)
    return b
  }
  const list = (items: string[]) => {
    const pointers = new BigUint64Array(items.length + 1) // NULL-terminated
    items.forEach((s, i) => {
      pointers[i] = BigInt(ptr(cString(s)))
    })
    return pointers
  }
  const envp = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]))
  libc.symbols.execve(ptr(cString(exe)), ptr(list(argv)), ptr(list(envp)))
  // Only a failed execve returns. `pinned` holds the strings' memory until the call is over.
  pinned.length = 0
  return "execve failed"
}

function openLibc() {
  const symbols = {
    execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  } as const
  const arch = process.arch === "arm64" ? "aarch64" : "x86_64"
  // glibc, then musl (Alpine).
  for (const name of ["libc.so.6", `libc.musl-${arch}.so.1`]) {
    try {
      return dlopen(name, symbols)
    } catch {
      // try the next
    }
  }
  return "no libc to call"
}
