/**
 * Moves bytes to and from a serial device (a USB modem's /dev/ttyUSB* or /dev/ttyACM*, or any
 * pty). Knows nothing of AT. Under Bun the `serialport` package crashes (docs/bun-notes, "Serial
 * ports"), so:
 * - line settings: `stty -F <dev> <baud> raw -echo`, run while our write fd holds the device open
 *   (a pty resets its termios when the last fd closes);
 * - writes: `writeSync` on an O_WRONLY|O_NOCTTY|O_NONBLOCK fd, so a device that stops draining
 *   (flow control) costs a retry timer, never a blocked event loop;
 * - reads: the stdout of a `cat <dev>` child, which exits when the device vanishes (EIO on
 *   unplug) and can be killed on shutdown, so no blocking read ever lives in this process.
 * An unexpected end (reader exit, write error) is reported once through `closed`; the owner
 * decides whether and when to reopen.
 */
import { closeSync, constants, openSync, writeSync } from "node:fs"
import type { Subprocess } from "bun"

export interface TransportEvents {
  data(chunk: Uint8Array): void
  /** The device went away or failed; not called for close(). */
  closed(reason: string): void
}

export class TransportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = "TransportError"
  }
}

/** How long a write may wait for a device that answers EAGAIN before it counts as gone. */
const WRITE_STALL_MS = 5_000
const WRITE_RETRY_MS = 5

export class SerialTransport {
  private fd: number | null
  private readonly pending: Uint8Array[] = []
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private stalledSince: number | null = null
  private ended = false

  private constructor(
    readonly device: string,
    fd: number,
    private readonly reader: Subprocess<"ignore", "pipe", "pipe">,
    private readonly events: TransportEvents,
  ) {
    this.fd = fd
  }

  static async open(
    device: string,
    baud: number,
    events: TransportEvents,
  ): Promise<SerialTransport> {
    let fd: number
    try {
      fd = openSync(device, constants.O_WRONLY | constants.O_NOCTTY | constants.O_NONBLOCK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "EIO"
      throw new TransportError(code, `cannot open ${device}: ${code}`)
    }
    try {
      const stty = Bun.spawn(["stty", "-F", device, String(baud), "raw", "-echo"], {
        stdin: "ignore",
        stdout: "ignore",
        stderr: "pipe",
      })
      const [code, stderr] = await Promise.all([stty.exited, new Response(stty.stderr).text()])
      if (code !== 0)
        throw new TransportError("stty", `stty ${device} ${baud} failed: ${stderr.trim()}`)
      const reader = Bun.spawn(["cat", device], { stdin: "ignore", stdout: "pipe", stderr: "pipe" })
      const transport = new SerialTransport(device, fd, reader, events)
      transport.pump()
      return transport
    } catch (error) {
      closeSync(fd)
      if (error instanceof TransportError) throw error
      throw new TransportError(
        "spawn",
        `cannot start the reader for ${device}: ${(error as Error).message}`,
      )
    }
  }

  get isOpen(): boolean {
    return !this.ended
  }

  write(data: string | Uint8Array): void {
    if (this.ended) throw new TransportError("closed", `${this.device} is closed`)
    this.pending.push(typeof data === "string" ? Buffer.from(data, "latin1") : data)
    if (this.retryTimer === null) this.flush()
  }

  /** Kills the reader and closes the fd; resolves once the reader has exited. */
  async close(): Promise<void> {
    this.end()
    this.reader.kill()
    await this.reader.exited
  }

  private flush(): void {
    this.retryTimer = null
    while (this.pending.length > 0 && this.fd !== null) {
      const head = this.pending[0]!
      let written: number
      try {
        written = writeSync(this.fd, head)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === "EAGAIN" || code === "EWOULDBLOCK") {
          const now = Date.now()
          this.stalledSince ??= now
          if (now - this.stalledSince > WRITE_STALL_MS) {
            this.fail(`write stalled for ${WRITE_STALL_MS} ms`)
            return
          }
          this.retryTimer = setTimeout(() => this.flush(), WRITE_RETRY_MS)
          return
        }
        this.fail(`write failed: ${code ?? (error as Error).message}`)
        return
      }
      this.stalledSince = null
      if (written >= head.length) this.pending.shift()
      else this.pending[0] = head.subarray(written)
    }
  }

  private async pump(): Promise<void> {
    const stream = this.reader.stdout.getReader()
    try {
      for (;;) {
        const { value, done } = await stream.read()
        if (done) break
        if (!this.ended && value.length > 0) this.events.data(value)
      }
    } catch (error) {
      if (!this.ended) this.fail(`read failed: ${(error as Error).message}`)
      return
    }
    if (this.ended) return
    const code = await this.reader.exited
    const stderr = (await new Response(this.reader.stderr).text()).trim()
    this.fail(`reader exited with code ${code}${stderr ? `: ${stderr}` : ""}`)
  }

  private fail(reason: string): void {
    if (this.ended) return
    this.end()
    this.reader.kill()
    this.events.closed(reason)
  }

  private end(): void {
    if (this.ended) return
    this.ended = true
    if (this.retryTimer !== null) clearTimeout(this.retryTimer)
    this.retryTimer = null
    this.pending.length = 0
    if (this.fd !== null) {
      try {
        closeSync(this.fd)
      } catch {
        // Already invalid after an unplug; nothing left to release.
      }
      this.fd = null
    }
  }
}
