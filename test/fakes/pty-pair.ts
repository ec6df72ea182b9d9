/**
 * A real pseudo-terminal pair for modem tests: bytes written to one end come out of the other.
 * Uses `socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B`; without socat, a small Python
 * relay over two `pty.openpty()` pairs does the same. Killing the process makes both ends vanish
 * (readers get EIO), which is how the tests "unplug" a modem.
 */
import { existsSync } from "node:fs"
import type { Subprocess } from "bun"

const PYTHON_RELAY = `
import os, pty, select, signal, sys, tty
a_link, b_link = sys.argv[1], sys.argv[2]
ma, sa = pty.openpty()
mb, sb = pty.openpty()
for fd in (sa, sb):
    tty.setraw(fd)
os.symlink(os.ttyname(sa), a_link)
os.symlink(os.ttyname(sb), b_link)
def bye(*_):
    for link in (a_link, b_link):
        try:
            os.unlink(link)
        except OSError:
            pass
    os._exit(0)
signal.signal(signal.SIGTERM, bye)
signal.signal(signal.SIGINT, bye)
sys.stderr.write("starting data transfer loop\\n")
sys.stderr.flush()
while True:
    ready, _, _ = select.select([ma, mb], [], [])
    for fd in ready:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b""
        if data:
            os.write(mb if fd == ma else ma, data)
`

export interface PtyPair {
  /** One end (the driver opens this one). */
  a: string
  /** The other end (the simulator's). */
  b: string
  readonly pid: number
  /** Kills the relay; both ends vanish. */
  close(): Promise<void>
}

function hasSocat(): boolean {
  return Bun.which("socat") !== null
}

/** Tries twice more when the relay dies before it is ready (reported with its exit status). */
export async function openPtyPair(a: string, b: string, timeoutMs = 5_000): Promise<PtyPair> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRelay(a, b, timeoutMs)
    } catch (error) {
      if (attempt >= 3 || !(error instanceof RelayDied)) throw error
    }
  }
}

class RelayDied extends Error {}

async function startRelay(a: string, b: string, timeoutMs: number): Promise<PtyPair> {
  const proc: Subprocess<"ignore", "ignore", "pipe"> = hasSocat()
    ? Bun.spawn(["socat", "-d", "-d", `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      })
    : Bun.spawn(["python3", "-c", PYTHON_RELAY, a, b], {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      })

  const reader = proc.stderr.getReader()
  const decoder = new TextDecoder()
  let log = ""
  const deadline = Date.now() + timeoutMs
  const ready = (async () => {
    while (!log.includes("starting data transfer loop")) {
      const { value, done } = await reader.read()
      if (done) {
        await proc.exited
        const status = `exit ${proc.exitCode} signal ${proc.signalCode}`
        throw new RelayDied(`pty relay exited before it was ready (${status}): ${log.trim()}`)
      }
      log += decoder.decode(value)
    }
  })()
  const timer = new Promise<never>((_, reject) => {
    const t = setTimeout(
      () => reject(new Error(`pty relay not ready after ${timeoutMs} ms: ${log.trim()}`)),
      timeoutMs,
    )
    void ready.finally(() => clearTimeout(t))
  })
  try {
    await Promise.race([ready, timer])
    while (!(existsSync(a) && existsSync(b))) {
      if (Date.now() > deadline) throw new Error("pty links did not appear")
      await Bun.sleep(5)
    }
  } catch (error) {
    proc.kill()
    await proc.exited
    throw error
  }
  // Keep draining stderr so the relay never blocks on a full pipe.
  void (async () => {
    try {
      for (;;) if ((await reader.read()).done) break
    } catch {
      // the relay is gone
    }
  })()

  let closed: Promise<void> | null = null
  return {
    a,
    b,
    pid: proc.pid,
    close() {
      closed ??= (async () => {
        proc.kill("SIGTERM")
        await proc.exited
      })()
      return closed
    },
  }
}
