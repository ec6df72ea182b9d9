import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import { FrameError, FrameReader } from "./frame-reader.ts"

function frame(command: string, sequence: number, fields: Record<string, unknown> = {}): Buffer {
  const pdu = new smpp.PDU(command, fields)
  pdu.sequence_number = sequence
  return pdu.toBuffer()
}

function collect(reader: FrameReader, chunks: Buffer[]): number[] {
  const sequences: number[] = []
  for (const chunk of chunks) {
    reader.push(chunk, (f) => {
      sequences.push(f.readUInt32BE(12))
      return true
    })
  }
  return sequences
}

describe("FrameReader", () => {
  const a = frame("submit_sm_resp", 1, { message_id: "abc" })
  const b = frame("deliver_sm", 2, { source_addr: "4915112345678", short_message: "hello" })
  const c = frame("enquire_link", 3)
  const all = Buffer.concat([a, b, c])

  test("several PDUs in one read", () => {
    expect(collect(new FrameReader(16384), [all])).toEqual([1, 2, 3])
  })

  test("a read of one octet at a time gives the same PDUs, byte for byte", () => {
    const reader = new FrameReader(16384)
    const frames: string[] = []
    for (let i = 0; i < all.length; i++) {
      reader.push(all.subarray(i, i + 1), (f) => {
        frames.push(f.toString("hex"))
        return true
      })
    }
    expect(frames).toEqual([a, b, c].map((f) => f.toString("hex")))
  })

  test("a PDU split inside its command_length", () => {
    expect(collect(new FrameReader(16384), [all.subarray(0, 2), all.subarray(2)])).toEqual([
      1, 2, 3,
    ])
  })

  test("stops when the handler says the connection is gone", () => {
    const seen: number[] = []
    new FrameReader(16384).push(all, (f) => {
      seen.push(f.readUInt32BE(12))
      return false
    })
    expect(seen).toEqual([1])
  })

  test("a command_length over the maximum is a FrameError", () => {
    const huge = Buffer.alloc(16)
    huge.writeUInt32BE(0x00ffffff, 0)
    expect(() => collect(new FrameReader(16384), [huge])).toThrow(FrameError)
    expect(() => collect(new FrameReader(16384), [huge])).toThrow("PDU length was too large")
  })

  test("a command_length under the 16-octet header is a FrameError", () => {
    const tiny = Buffer.alloc(16)
    tiny.writeUInt32BE(8, 0)
    expect(() => collect(new FrameReader(16384), [tiny])).toThrow("PDU length was too small")
  })
})
