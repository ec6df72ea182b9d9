/**
 * One correction to npm `smpp`'s TLV table, made once when the SMPP session module loads.
 *
 * receipted_message_id (SMPP 3.4 §5.3.2.12) is a C-Octet String TLV. The library reads such a
 * TLV up to the next NUL whatever its length says, so a carrier that leaves the NUL out gets
 * the next TLV's octets in the id, and its receipt (one with a UDH, or a data_sm) matches no
 * message. Read here within the TLV's length, up to a NUL inside it: what hot-frames.ts reads
 * on the fast path. Writing is the library's own (the string and a NUL).
 */
import smpp from "smpp"

const cstring = smpp.types.tlv.cstring

smpp.addTLV("receipted_message_id", {
  id: 0x001e,
  type: {
    read(buffer: Buffer, offset: number, length: number): string {
      const end = offset + length
      const nul = buffer.indexOf(0, offset)
      return buffer.toString("ascii", offset, nul >= 0 && nul < end ? nul : end)
    },
    write: cstring.write,
    size: cstring.size,
    default: "",
  },
})
