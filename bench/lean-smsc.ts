/**
 * A lean SMSC for benchmarks: the same traffic as the test fake (test/fakes/smsc-main.ts with
 * `--receipts auto`) written as raw SMPP 3.4 frames instead of `smpp` PDU objects, so the
 * bench's fixture costs less of the shared CPU (the test fake, built on `smpp`'s server side for
 * its fault behaviours, needs ~80 µs per message; Kannel's reference figure came from its own
 * C fakesmsc). It answers bind_transceiver/transmitter/receiver, enquire_link, unbind and
 * submit_sm, and sends each receipt-requesting submit_sm a DELIVRD deliver_sm in the Appendix B
 * text layout with the receipted_message_id and message_state TLVs, right after the resp.
 *
 *   bun bench/lean-smsc.ts --port 0 [--receipts auto] [--stamps FILE]
 *
 * Prints {"port":N} once listening; on SIGTERM or SIGINT prints {"submits":N,"receipts":N}
 * and exits. With --stamps it writes "destination_addr<TAB>epoch ms" per submit_sm, like the
 * test fake, for the submit latency figure.
 */
import { parseArgs } from "node:util"
import type { Socket } from "bun"
import {
  DELIVER_SM,
  ENQUIRE_LINK,
  ENQUIRE_LINK_RESP,
  GENERIC_NACK,
  RESPONSE_BIT,
  SUBMIT_SM,
  SUBMIT_SM_RESP,
  UNBIND,
  UNBIND_RESP,
} from "../src/smpp/command-ids.ts"
import { ESME_RINVCMDID } from "../src/smpp/command-status.ts"
import { FrameReader } from "../src/smpp/frame-reader.ts"
import { TLV_MESSAGE_STATE, TLV_RECEIPTED_MESSAGE_ID } from "../src/smpp/hot-frames.ts"
import { appendixBDate } from "../test/fakes/smsc-pdus.ts"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    // accepted for the same command line as the test fake; receipts are always on
    receipts: { type: "string", default: "auto" },
    stamps: { type: "string" },
  },
})
if (values.receipts !== "auto") throw new Error("lean-smsc only does --receipts auto")
const stamps = values.stamps ? Bun.file(values.stamps).writer() : null

// The bind requests the gateway's command-ids.ts has no use for (it only sends transceiver).
const BIND_RECEIVER = 0x01
const BIND_TRANSMITTER = 0x02
const BIND_TRANSCEIVER = 0x09
const STATE_DELIVERED = 2

interface Conn {
  reader: FrameReader
  out: Buffer[]
  outBytes: number
  pending: Buffer | null
  seq: number
}

let submits = 0
let receipts = 0
let nextId = 0x10000000

function header(length: number, id: number, status: number, seq: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  b.writeUInt32BE(length, 0)
  b.writeUInt32BE(id >>> 0, 4)
  b.writeUInt32BE(status, 8)
  b.writeUInt32BE(seq, 12)
  return b
}

/** A response whose body is one C-octet string (system_id / message_id), or empty. */
function resp(id: number, status: number, seq: number, cstring?: string): Buffer {
  const body = cstring === undefined ? 0 : cstring.length + 1
  const b = header(16 + body, id, status, seq)
  if (cstring !== undefined) {
    b.write(cstring, 16, "latin1")
    b[16 + cstring.length] = 0
  }
  return b
}

function cstringEnd(b: Buffer, at: number): number {
  const end = b.indexOf(0, at)
  if (end < 0) throw new Error("unterminated C-octet string")
  return end
}

/** A DELIVRD receipt for `messageId`, addressed back from the submit's destination to its source. */
function receipt(
  conn: Conn,
  messageId: string,
  src: { ton: number; npi: number; addr: string },
  dst: { ton: number; npi: number; addr: string },
  excerpt: string,
  submittedAt: Date,
): Buffer {
  const now = new Date()
  const text =
    `id:${messageId} sub:001 dlvrd:001 submit date:${appendixBDate(submittedAt)} ` +
    `done date:${appendixBDate(now)} stat:DELIVRD err:000 text:${excerpt}`
  const length =
    16 +
    1 + // service_type ""
    2 +
    src.addr.length +
    1 +
    2 +
    dst.addr.length +
    1 +
    3 + // esm_class, protocol_id, priority_flag
    2 + // schedule_delivery_time "", validity_period ""
    5 + // registered_delivery, replace_if_present, data_coding, sm_default_msg_id, sm_length
    text.length +
    4 +
    messageId.length +
    1 +
    5
  conn.seq = conn.seq >= 0x7fffffff ? 1 : conn.seq + 1
  const b = header(length, DELIVER_SM, 0, conn.seq)
  let o = 16
  b[o++] = 0
  b[o++] = src.ton
  b[o++] = src.npi
  o += b.write(src.addr, o, "latin1")
  b[o++] = 0
  b[o++] = dst.ton
  b[o++] = dst.npi
  o += b.write(dst.addr, o, "latin1")
  b[o++] = 0
  b[o++] = 0x04 // esm_class: SMSC Delivery Receipt (SMPP 3.4 §5.2.12)
  b[o++] = 0
  b[o++] = 0
  b[o++] = 0
  b[o++] = 0
  b[o++] = 0
  b[o++] = 0
  b[o++] = 0
  b[o++] = 0
  b[o++] = text.length
  o += b.write(text, o, "latin1")
  o = b.writeUInt16BE(TLV_RECEIPTED_MESSAGE_ID, o)
  o = b.writeUInt16BE(messageId.length + 1, o)
  o += b.write(messageId, o, "latin1")
  b[o++] = 0
  o = b.writeUInt16BE(TLV_MESSAGE_STATE, o)
  o = b.writeUInt16BE(1, o)
  b[o++] = STATE_DELIVERED
  return b
}

function onSubmit(conn: Conn, pdu: Buffer, seq: number): void {
  let o = 16
  o = cstringEnd(pdu, o) + 1 // service_type
  const srcTon = pdu[o++]!
  const srcNpi = pdu[o++]!
  let end = cstringEnd(pdu, o)
  const srcAddr = pdu.toString("latin1", o, end)
  o = end + 1
  const dstTon = pdu[o++]!
  const dstNpi = pdu[o++]!
  end = cstringEnd(pdu, o)
  const dstAddr = pdu.toString("latin1", o, end)
  o = end + 1
  o += 3 // esm_class, protocol_id, priority_flag
  o = cstringEnd(pdu, o) + 1 // schedule_delivery_time
  o = cstringEnd(pdu, o) + 1 // validity_period
  const registered = pdu[o++]!
  o += 3 // replace_if_present, data_coding, sm_default_msg_id
  const smLength = pdu[o++]!
  const excerpt = pdu
    .toString("latin1", o, o + Math.min(smLength, 20))
    .replace(/[^\x20-\x7e]/g, "?")

  submits++
  if (stamps)
    stamps.write(`${dstAddr}\t${(performance.timeOrigin + performance.now()).toFixed(3)}\n`)
  const id = (nextId++).toString(16)
  queue(conn, resp(SUBMIT_SM_RESP, 0, seq, id))
  if ((registered & 0x03) !== 0) {
    receipts++
    queue(
      conn,
      receipt(
        conn,
        id,
        { ton: dstTon, npi: dstNpi, addr: dstAddr },
        { ton: srcTon, npi: srcNpi, addr: srcAddr },
        excerpt,
        new Date(),
      ),
    )
  }
}

function onPdu(socket: Socket<Conn>, pdu: Buffer): void {
  const conn = socket.data
  const id = pdu.readUInt32BE(4)
  const seq = pdu.readUInt32BE(12)
  switch (id) {
    case SUBMIT_SM:
      onSubmit(conn, pdu, seq)
      return
    case BIND_TRANSCEIVER:
    case BIND_TRANSMITTER:
    case BIND_RECEIVER:
      queue(conn, resp(id | RESPONSE_BIT, 0, seq, "leansmsc"))
      return
    case ENQUIRE_LINK:
      queue(conn, resp(ENQUIRE_LINK_RESP, 0, seq))
      return
    case UNBIND:
      queue(conn, resp(UNBIND_RESP, 0, seq))
      flush(socket)
      socket.end()
      return
    default:
      if ((id & RESPONSE_BIT) === 0) queue(conn, resp(GENERIC_NACK, ESME_RINVCMDID, seq))
  }
}

function queue(conn: Conn, b: Buffer): void {
  conn.out.push(b)
  conn.outBytes += b.length
}

/** Writes what the last read produced (after anything still unwritten) in one call; keeps the rest for `drain`. */
function flush(socket: Socket<Conn>): void {
  const conn = socket.data
  if (conn.out.length === 0) return
  const chunk = Buffer.concat(conn.out, conn.outBytes)
  conn.out = []
  conn.outBytes = 0
  write(socket, conn.pending ? Buffer.concat([conn.pending, chunk]) : chunk)
}

/** Writes `chunk`; what the socket does not take waits for `drain`. */
function write(socket: Socket<Conn>, chunk: Buffer): void {
  const written = socket.write(chunk)
  socket.data.pending = written < chunk.length ? chunk.subarray(Math.max(0, written)) : null
}

const server = Bun.listen<Conn>({
  hostname: "127.0.0.1",
  port: Number(values.port),
  socket: {
    open(socket) {
      socket.data = { reader: new FrameReader(65536), out: [], outBytes: 0, pending: null, seq: 0 }
    },
    data(socket, data) {
      const conn = socket.data
      try {
        conn.reader.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (frame) => {
          onPdu(socket, frame)
          return true
        })
      } catch (error) {
        process.stderr.write(`[lean-smsc] ${(error as Error).message}; closing\n`)
        socket.end()
        return
      }
      // Resps go out once per read, however many PDUs it held.
      flush(socket)
    },
    drain(socket) {
      if (socket.data.pending) write(socket, socket.data.pending)
    },
  },
})
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`)

let exiting = false
async function shutdown(): Promise<void> {
  if (exiting) return
  exiting = true
  await stamps?.end()
  process.stdout.write(`${JSON.stringify({ submits, receipts })}\n`)
  server.stop(true)
  process.exit(0)
}
process.on("SIGTERM", shutdown)
process.on("SIGINT", shutdown)
