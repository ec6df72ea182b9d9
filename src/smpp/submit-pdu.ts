/**
 * OutboundMessage part → submit_sm fields (SMPP 3.4 §4.4.1). Pure: the connector hands the
 * result to npm `smpp`, always with a Buffer short_message and an explicit data_coding so the
 * library's own text encoding never runs (it would pick data_coding itself and never split).
 */

import { type DefaultEncoding, encodeDataCoding0 } from "../codec/charset.ts"
import {
  SHORT_CODE_MAX_DIGITS,
  TON_ALPHANUMERIC,
  TON_INTERNATIONAL,
  TON_UNKNOWN,
} from "../codec/received-number.ts"
import { encodeUcs2 } from "../codec/ucs2.ts"
import { concatUdh } from "../codec/udh.ts"
import type { ConnectorError, OutboundMessage, OutboundPart } from "../connectors/connector.ts"

/** SMPP 3.4 §5.2.5 / §5.2.6 (the type-of-number values are received-number.ts's). */
const TON_NETWORK_SPECIFIC = 3
const NPI_UNKNOWN = 0
const NPI_ISDN = 1

/** SMPP 3.4 §5.2.19. */
export const DATA_CODING_DEFAULT = 0x00
export const DATA_CODING_UCS2 = 0x08

/** SMPP 3.4 §5.2.12: UDH indicator (GSM-specific bit 6). */
export const ESM_CLASS_UDHI = 0x40

/** SMPP 3.4 §5.2.21: sm_length is one octet and 255 is reserved. */
export const MAX_SHORT_MESSAGE = 254

export interface Address {
  ton: number
  npi: number
  addr: string
}

export interface SubmitOptions {
  default_encoding: DefaultEncoding
  registered_delivery: boolean
  source_ton: number
  source_npi: number
}

/** The submit_sm body fields npm `smpp` encodes, in its (spec) spelling. */
export interface SubmitSmFields {
  service_type: string
  source_addr_ton: number
  source_addr_npi: number
  source_addr: string
  dest_addr_ton: number
  dest_addr_npi: number
  destination_addr: string
  esm_class: number
  protocol_id: number
  priority_flag: number
  schedule_delivery_time: string
  validity_period: string
  registered_delivery: number
  replace_if_present_flag: number
  data_coding: number
  sm_default_msg_id: number
  short_message: Buffer
}

export type SubmitSmBuild =
  | { ok: true; fields: SubmitSmFields; replaced: number }
  | { ok: false; error: ConnectorError }

/**
 * Sender → source_addr. An explicit source_ton / source_npi (≥ 0) wins; otherwise the form
 * decides: any non-digit means alphanumeric (TON 5, NPI 0); a '+' or 8+ digits an international
 * MSISDN (TON 1, NPI 1, sent without '+'); up to 7 digits a network-specific short code (TON 3,
 * NPI 0). No sender gives an empty source_addr with TON 0 / NPI 0 so the SMSC fills in its
 * default.
 */
export function sourceAddress(
  from: string | null,
  options: Pick<SubmitOptions, "source_ton" | "source_npi">,
): Address {
  const auto = autoSource(from)
  return {
    ton: options.source_ton >= 0 ? options.source_ton : auto.ton,
    npi: options.source_npi >= 0 ? options.source_npi : auto.npi,
    addr: auto.addr,
  }
}

function autoSource(from: string | null): Address {
  if (from === null || from === "") return { ton: TON_UNKNOWN, npi: NPI_UNKNOWN, addr: "" }
  const plus = from.startsWith("+")
  const digits = plus ? from.slice(1) : from
  if (!/^[0-9]+$/.test(digits)) return { ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN, addr: from }
  if (plus || digits.length > SHORT_CODE_MAX_DIGITS) {
    return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: digits }
  }
  return { ton: TON_NETWORK_SPECIFIC, npi: NPI_UNKNOWN, addr: digits }
}

/** E.164 "+4915…" → international digits without '+', TON 1 / NPI 1. */
export function destinationAddress(to: string): Address {
  return { ton: TON_INTERNATIONAL, npi: NPI_ISDN, addr: to.startsWith("+") ? to.slice(1) : to }
}

/**
 * One part → submit_sm fields. Multi-part messages get an 8-bit-reference concatenation UDH
 * (TS 23.040 §9.2.3.24.1) in front of the part's octets and esm_class UDHI. Every part asks for
 * a receipt when any does: carriers bill and report per part, and a receipt for part 1 alone
 * says nothing about part 3.
 */
export function buildSubmitSm(
  message: OutboundMessage,
  part: OutboundPart,
  source: Address,
  destination: Address,
  options: SubmitOptions,
): SubmitSmBuild {
  let body: Uint8Array
  let dataCoding: number
  let replaced = 0
  if (message.encoding === "ucs2") {
    body = encodeUcs2(part.text)
    dataCoding = DATA_CODING_UCS2
  } else {
    const encoded = encodeDataCoding0(part.text, options.default_encoding)
    body = encoded.bytes
    replaced = encoded.replaced
    dataCoding = DATA_CODING_DEFAULT
  }

  const concatenated = message.partCount > 1
  let shortMessage: Buffer
  if (concatenated) {
    let udh: Uint8Array
    try {
      udh = concatUdh(message.reference, message.partCount, part.index + 1)
    } catch (error) {
      return { ok: false, error: invalidMessage(String((error as Error).message)) }
    }
    shortMessage = Buffer.allocUnsafe(udh.length + body.length)
    shortMessage.set(udh, 0)
    shortMessage.set(body, udh.length)
  } else {
    shortMessage = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  }
  if (shortMessage.length > MAX_SHORT_MESSAGE) {
    const octets = shortMessage.length
    return {
      ok: false,
      error: invalidMessage(
        `part ${part.index} is ${octets} octets; the limit is ${MAX_SHORT_MESSAGE}`,
      ),
    }
  }

  return {
    ok: true,
    replaced,
    fields: {
      service_type: "",
      source_addr_ton: source.ton,
      source_addr_npi: source.npi,
      source_addr: source.addr,
      dest_addr_ton: destination.ton,
      dest_addr_npi: destination.npi,
      destination_addr: destination.addr,
      esm_class: concatenated ? ESM_CLASS_UDHI : 0,
      protocol_id: 0,
      priority_flag: 0,
      schedule_delivery_time: "",
      validity_period: "",
      // SMPP 3.4 §5.2.17: 1 = receipt on final outcome, success or failure.
      registered_delivery: message.requestReceipt && options.registered_delivery ? 1 : 0,
      replace_if_present_flag: 0,
      data_coding: dataCoding,
      sm_default_msg_id: 0,
      short_message: shortMessage,
    },
  }
}

function invalidMessage(message: string): ConnectorError {
  return { code: "invalid_message", temporary: false, message }
}
