/**
 * The PDUs of every message, straight to and from bytes: submit_sm (SMPP 3.4 §4.4.1) and its
 * submit_sm_resp (§4.4.2), the deliver_sm that carries its receipt (§4.6.1), and the
 * deliver_sm_resp / data_sm_resp that answers a receipt or MO (§4.6.2, §4.7.2). npm `smpp` handles the same octets through a generic field-by-field PDU
 * object, which profiling put at ~8 % of the gateway's CPU at 4,000 messages/s; every other PDU
 * still goes through the library. Pure: no I/O. hot-frames.test.ts checks these byte for byte
 * against the library.
 */
import { DATA_SM, DELIVER_SM, RESPONSE_BIT, SUBMIT_SM } from "./command-ids.ts"
import { isReceipt, type ReceivedSm } from "./receipt-pdu.ts"
import { ESM_CLASS_UDHI, type SubmitSmFields } from "./submit-pdu.ts"

const HEADER = 16

/** Octets of a C-Octet String: the text as latin1 (addresses are ASCII) plus its NUL. */
function cstringLength(s: string): number {
  return s.length + 1
}

function writeCString(b: Buffer, s: string, at: number): number {
  const n = b.write(s, at, "latin1")
  b[at + n] = 0
  return at + n + 1
}

function writeHeader(b: Buffer, commandId: number, status: number, sequence: number): void {
  b.writeUInt32BE(b.length, 0)
  b.writeUInt32BE(commandId >>> 0, 4)
  b.writeUInt32BE(status >>> 0, 8)
  b.writeUInt32BE(sequence >>> 0, 12)
}

/** submit_sm with these fields and no optional parameters. */
export function submitSmFrame(f: SubmitSmFields, sequence: number): Buffer {
  const length =
    HEADER +
    cstringLength(f.service_type) +
    2 +
    cstringLength(f.source_addr) +
    2 +
    cstringLength(f.destination_addr) +
    3 +
    cstringLength(f.schedule_delivery_time) +
    cstringLength(f.validity_period) +
    5 +
    f.short_message.length
  const b = Buffer.allocUnsafe(length)
  writeHeader(b, SUBMIT_SM, 0, sequence)
  let o = writeCString(b, f.service_type, HEADER)
  b[o++] = f.source_addr_ton
  b[o++] = f.source_addr_npi
  o = writeCString(b, f.source_addr, o)
  b[o++] = f.dest_addr_ton
  b[o++] = f.dest_addr_npi
  o = writeCString(b, f.destination_addr, o)
  b[o++] = f.esm_class
  b[o++] = f.protocol_id
  b[o++] = f.priority_flag
  o = writeCString(b, f.schedule_delivery_time, o)
  o = writeCString(b, f.validity_period, o)
  b[o++] = f.registered_delivery
  b[o++] = f.replace_if_present_flag
  b[o++] = f.data_coding
  b[o++] = f.sm_default_msg_id
  b[o++] = f.short_message.length
  f.short_message.copy(b, o)
  return b
}

/**
 * deliver_sm_resp or data_sm_resp for the request `commandId` / `sequence`: message_id unused
 * and empty (§4.6.2). With an error status the body is left out (header only), as the library
 * does (§3.3: a response with a non-zero command_status may carry no body).
 */
export function deliverRespFrame(commandId: number, status: number, sequence: number): Buffer {
  if (commandId !== DELIVER_SM && commandId !== DATA_SM) {
    throw new Error(`no fast response for command 0x${commandId.toString(16)}`)
  }
  const b = Buffer.allocUnsafe(status === 0 ? HEADER + 1 : HEADER)
  writeHeader(b, (commandId | RESPONSE_BIT) >>> 0, status, sequence)
  if (status === 0) b[HEADER] = 0
  return b
}

/** generic_nack (§4.3) for request `sequence`: the header alone. */
export function genericNackFrame(status: number, sequence: number): Buffer {
  const b = Buffer.allocUnsafe(HEADER)
  writeHeader(b, RESPONSE_BIT, status, sequence)
  return b
}

/** submit_sm_resp (§4.4.2): the fields the session needs, without a library PDU object. */
export function readSubmitResp(frame: Buffer): {
  status: number
  sequence: number
  messageId: string
} {
  const status = frame.readUInt32BE(8)
  const sequence = frame.readUInt32BE(12)
  let messageId = ""
  if (frame.length > HEADER) {
    const nul = frame.indexOf(0, HEADER)
    messageId = frame.toString("ascii", HEADER, nul < 0 ? frame.length : nul)
  }
  return { status, sequence, messageId }
}

/** A receipt deliver_sm read by readReceiptDeliverSm: the fields receipt-pdu.ts reads. */
export interface ReceiptDeliverSm extends ReceivedSm {
  command: "deliver_sm"
  command_id: number
  sequence_number: number
  esm_class: number
  data_coding: number
  short_message: Buffer
}

// SMPP 3.4 §5.3.2: the optional parameters a receipt is read from.
export const TLV_RECEIPTED_MESSAGE_ID = 0x001e
const TLV_NETWORK_ERROR_CODE = 0x0423
const TLV_MESSAGE_PAYLOAD = 0x0424
export const TLV_MESSAGE_STATE = 0x0427

/**
 * A deliver_sm whose esm_class says delivery receipt or intermediate notification, read
 * without a library PDU object. null for anything else, which the library then decodes with its
 * own rules: an MO, a receipt with a UDH, and any frame with a field or TLV that runs past its
 * end (the library throws for some of those and reads others short).
 */
export function readReceiptDeliverSm(frame: Buffer): ReceiptDeliverSm | null {
  const end = frame.length
  let o = afterCString(frame, HEADER) // service_type
  if (o < 0) return null
  o = afterCString(frame, o + 2) // source_addr_ton, source_addr_npi, source_addr
  if (o < 0) return null
  o = afterCString(frame, o + 2) // dest_addr_ton, dest_addr_npi, destination_addr
  if (o < 0 || o >= end) return null
  const esmClass = frame[o]!
  // A receipt with a UDH (UDHI, §5.2.12) is left to the library, which splits the header off.
  if (!isReceipt(esmClass) || (esmClass & ESM_CLASS_UDHI) !== 0) return null
  o = afterCString(frame, o + 3) // esm_class, protocol_id, priority_flag, schedule_delivery_time
  if (o < 0) return null
  o = afterCString(frame, o) // validity_period
  // registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length
  if (o < 0 || o + 5 > end) return null
  const dataCoding = frame[o + 2]!
  const smLength = frame[o + 4]!
  o += 5
  if (o + smLength > end) return null
  const pdu: ReceiptDeliverSm = {
    command: "deliver_sm",
    command_id: DELIVER_SM,
    sequence_number: frame.readUInt32BE(12),
    esm_class: esmClass,
    data_coding: dataCoding,
    short_message: frame.subarray(o, o + smLength),
  }
  o += smLength
  while (o < end) {
    if (o + 4 > end) return null
    const tag = frame.readUInt16BE(o)
    const length = frame.readUInt16BE(o + 2)
    o += 4
    if (o + length > end) return null
    const value = frame.subarray(o, o + length)
    if (tag === TLV_RECEIPTED_MESSAGE_ID) pdu.receipted_message_id = value.toString("ascii")
    else if (tag === TLV_MESSAGE_STATE && length >= 1) pdu.message_state = value[0]
    else if (tag === TLV_NETWORK_ERROR_CODE) pdu.network_error_code = value
    else if (tag === TLV_MESSAGE_PAYLOAD) pdu.message_payload = value
    o += length
  }
  return pdu
}

/** The offset after the C-Octet String at `at` (its NUL included); -1 when it has no NUL. */
function afterCString(frame: Buffer, at: number): number {
  const nul = at < frame.length ? frame.indexOf(0, at) : -1
  return nul < 0 ? -1 : nul + 1
}
