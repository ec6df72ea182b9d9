/**
 * The simulator's side of the wire: creates the pty pair (the driver opens `devicePath`, the
 * simulator `<devicePath>.sim`), writes with writeSync and reads through `cat`, like the driver.
 * With `chunked`, each write is cut into 1-5 byte pieces sent on separate event-loop turns, so
 * the driver sees answers split at arbitrary places. close() removes both ends: an unplug.
 */
import { closeSync, constants, openSync, writeSync } from "node:fs"
import type { Subprocess } from "bun"
import { openPtyPair, type PtyPair } from "./pty-pair.ts"

export class ModemLine {
  private writes: Promise<void> = Promise.resolve()
  private fd: number | null

  private constructor(
    private readonly pty: PtyPair,
    fd: number,
    private readonly reader: Subprocess<"ignore", "pipe", "ignore">,
    private readonly chunked: boolean,
  ) {
    this.fd = fd
  }

  static async open(
    devicePath: string,
    chunked: boolean,
    onBytes: (chunk: Uint8Array) => void,
  ): Promise<ModemLine> {
    const pty = await openPtyPair(devicePath, `${devicePath}.sim`)
    let fd: number
    try {
      fd = openSync(pty.b, constants.O_WRONLY | constants.O_NOCTTY)
    } catch (error) {
      await pty.close()
      throw error
    }
    const reader = Bun.spawn(["cat", pty.b], { stdin: "ignore", stdout: "pipe", stderr: "ignore" })
    void (async () => {
      for await (const chunk of reader.stdout) onBytes(chunk)
    })().catch(() => {})
    return new ModemLine(pty, fd, reader, chunked)
  }

  write(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data
    if (!this.chunked) {
      this.writeNow(bytes)
      return
    }
    for (let i = 0; i < bytes.length; ) {
      const piece = bytes.subarray(i, i + 1 + ((i * 7 + bytes.length) % 5))
      i += piece.length
      this.writes = this.writes.then(async () => {
        this.writeNow(piece)
        await Bun.sleep(0)
      })
    }
  }

  async close(): Promise<void> {
    if (this.fd !== null) {
      try {
        closeSync(this.fd)
      } catch {
        // gone with the pty
      }
      this.fd = null
    }
    this.reader.kill()
    await this.pty.close()
    await this.reader.exited
    await this.writes
  }

  private writeNow(bytes: Uint8Array): void {
    if (this.fd === null) return
    try {
      writeSync(this.fd, bytes)
    } catch {
      // unplugged meanwhile
    }
  }
}
