/**
 * Which set a part of a multipart MO belongs to. The parts themselves are held in the store
 * (mo_parts, core/inbound.ts storeInboundPart) until the set completes; see docs/smpp.md#reassembly.
 */
import type { MoConcat, MoPart } from "./mo-pdu.ts"

/**
 * The set a part belongs to: (scheme, source, destination, reference, total), as JSON so that no
 * address can make two keys meet. Parts of one message share all five (TS 23.040 §9.2.3.24.1;
 * SMPP 3.4 §5.3.2.22–24); the scheme keeps an 8-bit UDH reference from meeting an equal SAR or
 * 16-bit one, and different senders sharing a reference stay apart.
 */
export function moSetKey(part: Pick<MoPart, "from" | "to">, concat: MoConcat): string {
  return JSON.stringify([concat.scheme, part.from, part.to, concat.reference, concat.total])
}
