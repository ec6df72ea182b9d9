/**
 * The part of npm `smpp` 0.5.1 (CommonJS, untyped) that Signalbox uses. Field names follow the
 * library, which follows SMPP 3.4 spelling.
 */
declare module "smpp" {
  import type { EventEmitter } from "node:events"
  import type { Server as NetServer, Socket } from "node:net"

  export interface PduFields {
    sequence_number?: number
    command_status?: number
    [field: string]: unknown
  }

  export class PDU {
    constructor(command: string, options?: PduFields)
    /** Parses one whole PDU. */
    constructor(buffer: Buffer)
    command: string
    command_id: number
    command_status: number
    command_length: number
    sequence_number: number;
    [field: string]: unknown
    isResponse(): boolean
    response(options?: PduFields): PDU
    toBuffer(): Buffer
    static maxLength: number
  }

  export interface SessionOptions {
    host?: string
    port?: number
    tls?: boolean
    socket?: Socket
    [option: string]: unknown
  }

  export class Session extends EventEmitter {
    constructor(options: SessionOptions)
    socket: Socket
    server?: Server
    sequence: number
    send(
      pdu: PDU,
      responseCallback?: (pdu: PDU) => void,
      sendCallback?: (pdu: PDU) => void,
    ): boolean
    pause(): void
    resume(): void
    close(callback?: () => void): void
    destroy(callback?: () => void): void
  }

  export class Server extends NetServer {
    sessions: Session[]
  }

  export interface ServerOptions {
    key?: string | Buffer
    cert?: string | Buffer
    [option: string]: unknown
  }

  export function connect(options: SessionOptions, listener?: () => void): Session
  export function createServer(
    options?: ServerOptions,
    listener?: (session: Session) => void,
  ): Server

  export const errors: Record<string, number>

  /** How the library reads and writes one field or TLV value (lib/defs.js). */
  export interface FieldType {
    read(buffer: Buffer, offset: number, length: number): unknown
    write(value: unknown, buffer: Buffer, offset: number): void
    size(value: unknown): number
    default: unknown
  }

  /** The field types, by kind; `tlv` holds the ones TLVs use. */
  export const types: { tlv: Record<string, FieldType> & { cstring: FieldType } }

  /** Registers (or replaces) the TLV `tag`, read and written by `type`. */
  export function addTLV(tag: string, options: { id: number; type: FieldType }): void

  /** Text encodings by name; `default` names the one data_coding 0 uses (README "Encodings"). */
  export const encodings: Record<string, unknown> & { default: string }

  /** GSM 03.38 tables the library decodes data_coding 0/1 short_message text with. */
  export const gsmCoder: {
    encode(text: string, nationalTable: number): Buffer
    decode(octets: Buffer, nationalTable: number): string
    /** 0x00 = the default table; the maps are filled on first use. */
    getCoder(nationalTable: number): {
      charListEnc: Record<string, number>
      extCharListEnc: Record<string, string>
    }
  }

  const smpp: {
    PDU: typeof PDU
    Session: typeof Session
    Server: typeof Server
    connect: typeof connect
    createServer: typeof createServer
    errors: typeof errors
    encodings: typeof encodings
    gsmCoder: typeof gsmCoder
    types: typeof types
    addTLV: typeof addTLV
  }
  export default smpp
}
