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
 * replaces itself (execve: same PID, same arguments, the descriptors it inherited) with the
 * variable set, before it opens anything, and once only (REEXEC_MARKER). A variable the
 * operator set, to any value, is left as it is: that is the way to keep JSC's default. Where
 * the re-exec is not possible (not Linux, no /proc, no libc to call) or wanted (--inspect), the
 * gateway runs on JSC's default and its start log says why.
 */
import { dlopen, FFIType, ptr } from "bun:ffi"
import { readdirSync, readFileSync, readlinkSync } from "node:fs"
import { totalmem } from "node:os"

export const HEAP_GROWTH_VAR = "BUN_JSC_heapGrowthFunctionThresholdInMB"
/** JSC's default threshold, in MB of RAM. */
const JSC_THRESHOLD_MB = 16 * 1024
/** Above any machine's RAM (1 TiB), so the proportional growth applies everywhere. */
export const PROPORTIONAL_VALUE = "1048576"

export interface HeapGrowth {
  /** `proportional`: 2× growth as below 16 GB; `jsc-default`: JSC's big-machine growth. */
  growth: "proportional" | "jsc-default"
  reason: string
}

type HeapGrowthPlan = { reexec: true } | { reexec: false; outcome: HeapGrowth }

/** Set in the re-executed process: it never re-executes again, whatever it reads. */
export const REEXEC_MARKER = "SIGNALBOX_HEAP_REEXEC"
const WHOLE = /^\d+$/

/** How JSC grows the heap with this threshold (MB) on this much RAM. */
function growthWith(thresholdMb: number, ramBytes: number): HeapGrowth["growth"] {
  return ramBytes < thresholdMb * 1024 * 1024 ? "proportional" : "jsc-default"
}

/**
 * What `serve` should do, from its environment, the machine's RAM, its arguments and the
 * runtime's own flags (`process.execArgv`).
 */
export function planHeapGrowth(
  env: Record<string, string | undefined>,
  ramBytes: number,
  args: readonly string[],
  runtimeFlags: readonly string[] = [],
): HeapGrowthPlan {
  const keep = (growth: HeapGrowth["growth"], reason: string): HeapGrowthPlan => ({
    reexec: false,
    outcome: { growth, reason },
  })
  // citty takes the first argument that is not an option as the subcommand.
  if (args.find((a) => !a.startsWith("-")) !== "serve") return keep("jsc-default", "not serve")
  // JSC reads its RAM size from here when set (BUN_JSC_forceRAMSize, bytes).
  const forced = env.BUN_JSC_forceRAMSize
  const ram = forced !== undefined && WHOLE.test(forced) ? Number(forced) : ramBytes
  const set = env[HEAP_GROWTH_VAR]
  if (set !== undefined) {
    if (WHOLE.test(set)) return keep(growthWith(Number(set), ram), `${HEAP_GROWTH_VAR}=${set}`)
    return keep(
      growthWith(JSC_THRESHOLD_MB, ram),
      `${HEAP_GROWTH_VAR}=${set} is not a whole number of MB; JSC ignores it`,
    )
  }
  if (ram < JSC_THRESHOLD_MB * 1024 * 1024) return keep("proportional", "RAM under 16 GB")
  if (env[REEXEC_MARKER] !== undefined)
    return keep("jsc-default", `re-executed, but ${HEAP_GROWTH_VAR} did not come through`)
  // A debugger would have to attach twice.
  if (runtimeFlags.some((f) => f.startsWith("--inspect")))
    return keep("jsc-default", "not re-executed under --inspect")
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
  const plan = planHeapGrowth(process.env, totalmem(), process.argv.slice(2), process.execArgv)
  if (!plan.reexec) {
    outcome = plan.outcome
    return
  }
  const why = reexec({
    ...process.env,
    [HEAP_GROWTH_VAR]: PROPORTIONAL_VALUE,
    [REEXEC_MARKER]: "1",
  })
  outcome = { growth: "jsc-default", reason: `not re-executed: ${why}` }
}

/** What execve reads, kept reachable during the call. */
const pinned: unknown[] = []

/** A NUL-terminated copy of `bytes`. */
function cString(bytes: Uint8Array | string): Buffer {
  return Buffer.concat([typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes, ZERO])
}
const ZERO = Buffer.alloc(1)

/** execve(2) of this executable with its own argument list; returns why it did not happen. */
function reexec(env: Record<string, string | undefined>): string {
  if (process.platform !== "linux") return `not on Linux (${process.platform})`
  let argv: Buffer[]
  let exe: string
  try {
    // The arguments as the kernel has them, byte for byte: runtime flags and script included.
    const raw = readFileSync("/proc/self/cmdline")
    argv = []
    for (let at = 0; at < raw.length; ) {
      const end = raw.indexOf(0, at)
      argv.push(raw.subarray(at, end === -1 ? raw.length : end))
      at = end === -1 ? raw.length : end + 1
    }
    exe = readlinkSync("/proc/self/exe")
  } catch (error) {
    return (error as Error).message
  }
  const libc = openLibc()
  if (typeof libc === "string") return libc
  keepInheritedDescriptors(libc.symbols.fcntl)
  // Every buffer and pointer array stays reachable (`pinned`) until after the call: a
  // collection in between would free memory execve is about to read.
  const strings = [cString(exe), ...argv.map(cString)]
  const envStrings = Object.entries(env).flatMap(([k, v]) =>
    v === undefined ? [] : [cString(`${k}=${v}`)],
  )
  const pointers = (list: Buffer[]) => {
    const array = new BigUint64Array(list.length + 1) // NULL-terminated
    list.forEach((b, i) => {
      array[i] = BigInt(ptr(b))
    })
    return array
  }
  const argvArray = pointers(strings.slice(1))
  const envArray = pointers(envStrings)
  pinned.push(strings, envStrings, argvArray, envArray)
  libc.symbols.execve(ptr(strings[0]!), ptr(argvArray), ptr(envArray))
  // Only a failed execve returns.
  pinned.length = 0
  return "execve failed"
}

/**
 * Bun marks every descriptor it inherited above 2 close-on-exec when it starts, so an execve
 * would close them: a config passed as /dev/fd/N, a socket handed over by a supervisor. They
 * are inherited again by clearing the flag; Bun's own (epoll, eventfd: anon inodes) keep it.
 */
function keepInheritedDescriptors(fcntl: (fd: number, cmd: number, arg: number) => number): void {
  const F_SETFD = 2
  let fds: string[]
  try {
    fds = readdirSync("/proc/self/fd")
  } catch {
    return
  }
  for (const name of fds) {
    const fd = Number(name)
    if (fd <= 2) continue
    let target: string
    try {
      target = readlinkSync(`/proc/self/fd/${name}`)
    } catch {
      continue // the listing's own descriptor, closed since
    }
    if (!target.startsWith("anon_inode:")) fcntl(fd, F_SETFD, 0)
  }
}

function openLibc() {
  const symbols = {
    execve: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
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
