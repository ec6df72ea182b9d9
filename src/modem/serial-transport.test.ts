import { describe, expect, test } from "bun:test"
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs"
import { join } from "node:path"
import { openPtyPair } from "../../test/fakes/pty-pair.ts"
import { tempDir } from "../../test/support/temp-dir.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import { SerialTransport, TransportError } from "./serial-transport.ts"

describe("SerialTransport", () => {
  test("moves bytes both ways over a real pty and reports the device vanishing", async () => {
    await using dir = tempDir("signalbox-tty-")
    const pty = await openPtyPair(join(dir.path, "a"), join(dir.path, "b"))
    const received: string[] = []
    const closed: string[] = []
    const transport = await SerialTransport.open(pty.a, 115200, {
      data: (chunk) => received.push(Buffer.from(chunk).toString("latin1")),
      closed: (reason) => closed.push(reason),
    })
    // Non-blocking: an empty read answers EAGAIN instead of stopping the event loop.
    const peer = openSync(pty.b, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK)
    try {
      transport.write("AT\r")
      const echo = Buffer.alloc(16)
      await waitFor(
        () => {
          try {
            return readSync(peer, echo, 0, 16, null) > 0
          } catch {
            return false
          }
        },
        { what: "bytes at the other end" },
      )
      expect(echo.toString("latin1", 0, 3)).toBe("AT\r")

      writeSync(peer, "\r\nOK\r\n")
      await waitFor(() => received.join("") === "\r\nOK\r\n", { what: "bytes from the other end" })

      await pty.close()
      await waitFor(() => closed.length === 1, { what: "closed reported" })
      expect(closed[0]).toContain("reader exited")
      expect(transport.isOpen).toBe(false)
      expect(() => transport.write("AT\r")).toThrow(TransportError)
    } finally {
      closeSync(peer)
      await transport.close()
      await pty.close()
    }
  })

  test("fails to open a missing device with its errno code", async () => {
    await using dir = tempDir("signalbox-tty-")
    const error = await SerialTransport.open(join(dir.path, "ttyUSB9"), 115200, {
      data: () => {},
      closed: () => {},
    }).catch((e) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe("ENOENT")
  })

  test("fails to open a file that is not a tty (stty refuses it)", async () => {
    await using dir = tempDir("signalbox-tty-")
    const path = join(dir.path, "not-a-tty")
    await Bun.write(path, "")
    const error = await SerialTransport.open(path, 115200, {
      data: () => {},
      closed: () => {},
    }).catch((e) => e)
    expect(error).toBeInstanceOf(TransportError)
    expect((error as TransportError).code).toBe("stty")
  })
})
