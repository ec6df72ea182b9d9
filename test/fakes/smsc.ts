/**
 * A fake SMSC on npm `smpp`'s server side, listening on 127.0.0.1 port 0. Behaviours follow
 * jasmin's test SMSC: happy, blackHole, throttle, errorOnSubmit, receiptBeforeResp, hex/decimal
 * receipt ids, malformed PDUs. Per-submit work is light: the benchmark drives 7,000+ submit_sm/s
 * through it (with `record: false` it keeps counters only).
 */
import type { AddressInfo } from "node:net"
import smpp, { type PDU, type Session } from "smpp"
import {
  decodeSubmit,
  type MalformedPdu,
  malformedFrame,
  type ReceiptSubject,
  type ReceivedSubmit,
  receiptDeliverSm,
  receiptSubjectOf,
} from "./smsc-pdus.ts"

export type { MalformedPdu, ReceivedSubmit }

export interface FakeSmscBehaviour {
  /** Accepted system_id/password pairs; null accepts anyone. Others get ESME_RBINDFAIL. */
  credentials: { system_id: string; password: string }[] | null
  rejectBind: boolean
  /** auto: a deliver_sm receipt for each accepted submit_sm with registered_delivery. */
  receipts: "auto" | "none"
  receiptDelayMs: number
  receiptStat: string
  /** Add receipted_message_id and message_state TLVs to receipts. */
  receiptTlvs: boolean
  idFormat: "hex" | "decimal"
  /** The base the receipt writes the id in; real carriers often differ from submit_sm_resp. */
  receiptIdFormat: "same" | "hex" | "decimal"
  receiptBeforeResp: boolean
  /** Answer this status to `fraction` (default 1) of submit_sm, spread evenly. */
  errorOnSubmit: { status: number; fraction?: number } | null
  /** submit_sm per second (fixed one-second buckets) above which ESME_RTHROTTLED is answered. */
  throttleAbove: number | null
  /** Close the TCP connection on receiving the Nth submit_sm (unanswered), once. */
  dropAfterSubmits: number | null
  /** Accept submit_sm but never answer it. */
  blackHole: boolean
  /** Answer submit_sm after this delay, so several are outstanding at once. */
  responseDelayMs: number
  ignoreEnquireLink: boolean
  malformedPdu: MalformedPdu | null
}

export interface FakeSmscOptions extends Partial<FakeSmscBehaviour> {
  /** false: counters only, no `submits` array (benchmarks). Default true. */
  record?: boolean
  /** Default 0 (an ephemeral port); tests never pass anything else. */
  port?: number
  /** Called for every submit_sm as it arrives, before any behaviour applies. */
  onSubmit?: (pdu: PDU) => void
}

export interface BindRequest {
  command: string
  system_id: string
  system_type: string
  interface_version: number
}

export interface ReceiptOptions {
  idFormat?: "same" | "hex" | "decimal"
  err?: string
  tlvs?: boolean
}

export interface FakeSmscCounters {
  submits: number
  receipts: number
  deliverSmResps: number
  deliverSmRespErrors: number
  enquireLinks: number
  genericNacks: number
  unbinds: number
}

export interface FakeSmsc {
  port: number
  submits: ReceivedSubmit[]
  binds: { accepted: number; rejected: number; systemIds: string[]; requests: BindRequest[] }
  counters: FakeSmscCounters
  /** Most submit_sm outstanding (received, not answered) at once on one session. */
  maxOutstanding: number
  boundSessions(): number
  setBehaviour(behaviour: Partial<FakeSmscBehaviour>): void
  sendReceipt(messageId: string, stat?: string, options?: ReceiptOptions): boolean
  /** Sends a raw deliver_sm (MO or odd receipt) on the first bound session. */
  sendDeliverSm(fields: Record<string, unknown>): boolean
  /** SMSC-initiated unbind of every bound session. */
  unbindAll(): void
  close(): Promise<void>
}

const DEFAULTS: FakeSmscBehaviour = {
  credentials: null,
  rejectBind: false,
  receipts: "none",
  receiptDelayMs: 0,
  receiptStat: "DELIVRD",
  receiptTlvs: true,
  idFormat: "hex",
  receiptIdFormat: "same",
  receiptBeforeResp: false,
  errorOnSubmit: null,
  throttleAbove: null,
  dropAfterSubmits: null,
  blackHole: false,
  responseDelayMs: 0,
  ignoreEnquireLink: false,
  malformedPdu: null,
}

const ESME_RBINDFAIL = 0x0d
const ESME_RTHROTTLED = 0x58
const FIRST_MESSAGE_ID = 0x3b9aca00

interface Peer {
  session: Session
  systemId: string
  bound: boolean
  outstanding: number
}

interface SubmitRoute {
  peer: Peer
  subject: ReceiptSubject
}

export async function startFakeSmsc(options: FakeSmscOptions = {}): Promise<FakeSmsc> {
  const { record = true, port: listenPort = 0, onSubmit: observe, ...initial } = options
  const behaviour: FakeSmscBehaviour = { ...DEFAULTS, ...initial }
  const peers = new Set<Peer>()
  const routes = new Map<string, SubmitRoute>()
  const submits: ReceivedSubmit[] = []
  const binds = {
    accepted: 0,
    rejected: 0,
    systemIds: [] as string[],
    requests: [] as BindRequest[],
  }
  const counters: FakeSmscCounters = {
    submits: 0,
    receipts: 0,
    deliverSmResps: 0,
    deliverSmRespErrors: 0,
    enquireLinks: 0,
    genericNacks: 0,
    unbinds: 0,
  }
  let nextId = FIRST_MESSAGE_ID
  let errorCredit = 0
  let throttleSecond = 0
  let throttleCount = 0
  let dropCount = 0
  let malformedSent = false
  let maxOutstanding = 0

  const formatId = (n: number, format: "hex" | "decimal") =>
    format === "hex" ? n.toString(16).toUpperCase() : String(n)
  const parseId = (id: string) =>
    behaviour.idFormat === "hex" ? Number.parseInt(id, 16) : Number.parseInt(id, 10)

  function firstBound(): Peer | undefined {
    for (const peer of peers) if (peer.bound) return peer
    return undefined
  }

  function receiptPdu(
    messageId: string,
    stat: string,
    route: SubmitRoute | undefined,
    opts: ReceiptOptions,
  ) {
    const format = opts.idFormat ?? behaviour.receiptIdFormat
    const id = format === "same" ? messageId : formatId(parseId(messageId), format)
    const tlvs = opts.tlvs ?? behaviour.receiptTlvs
    return receiptDeliverSm({ id, stat, err: opts.err, tlvs, subject: route?.subject })
  }

  function sendReceiptTo(peer: Peer, pdu: PDU): boolean {
    if (!peer.bound) return false
    counters.receipts++
    return peer.session.send(pdu)
  }

  function decideStatus(): number {
    const error = behaviour.errorOnSubmit
    if (error) {
      errorCredit += error.fraction ?? 1
      if (errorCredit >= 1) {
        errorCredit -= 1
        return error.status
      }
    }
    if (behaviour.throttleAbove !== null) {
      const second = Math.floor(Date.now() / 1000)
      if (second !== throttleSecond) {
        throttleSecond = second
        throttleCount = 0
      }
      if (++throttleCount > behaviour.throttleAbove) return ESME_RTHROTTLED
    }
    return 0
  }

  function onSubmit(peer: Peer, pdu: PDU): void {
    counters.submits++
    observe?.(pdu)
    if (behaviour.dropAfterSubmits !== null && ++dropCount >= behaviour.dropAfterSubmits) {
      behaviour.dropAfterSubmits = null
      dropCount = 0
      peer.session.destroy()
      return
    }
    peer.outstanding++
    if (peer.outstanding > maxOutstanding) maxOutstanding = peer.outstanding
    if (behaviour.blackHole) {
      if (record) submits.push(decodeSubmit(pdu, peer.systemId, ""))
      return
    }
    const status = decideStatus()
    const messageId = status === 0 ? formatId(nextId++, behaviour.idFormat) : ""
    const wantsReceipt =
      status === 0 &&
      behaviour.receipts === "auto" &&
      ((pdu.registered_delivery as number) & 0x03) !== 0
    let route: SubmitRoute | undefined
    if (record) {
      const received = decodeSubmit(pdu, peer.systemId, messageId)
      submits.push(received)
      route = { peer, subject: received }
      if (messageId !== "") routes.set(messageId, route)
    } else if (wantsReceipt) {
      route = { peer, subject: receiptSubjectOf(pdu) }
    }

    const respond = () => {
      if (!peer.bound) return
      if (wantsReceipt && behaviour.receiptBeforeResp) {
        sendReceiptTo(peer, receiptPdu(messageId, behaviour.receiptStat, route, {}))
      }
      peer.outstanding--
      peer.session.send(
        pdu.response(status === 0 ? { message_id: messageId } : { command_status: status }),
      )
      if (wantsReceipt && !behaviour.receiptBeforeResp) {
        const receipt = receiptPdu(messageId, behaviour.receiptStat, route, {})
        if (behaviour.receiptDelayMs > 0) {
          setTimeout(() => sendReceiptTo(peer, receipt), behaviour.receiptDelayMs)
        } else {
          sendReceiptTo(peer, receipt)
        }
      }
    }
    if (behaviour.responseDelayMs > 0) setTimeout(respond, behaviour.responseDelayMs)
    else respond()
  }

  function onBind(peer: Peer, pdu: PDU): void {
    const systemId = String(pdu.system_id ?? "")
    const password = String(pdu.password ?? "")
    binds.requests.push({
      command: pdu.command,
      system_id: systemId,
      system_type: String(pdu.system_type ?? ""),
      interface_version: pdu.interface_version as number,
    })
    const allowed =
      !behaviour.rejectBind &&
      (behaviour.credentials === null ||
        behaviour.credentials.some((c) => c.system_id === systemId && c.password === password))
    if (!allowed) {
      binds.rejected++
      peer.session.send(pdu.response({ command_status: ESME_RBINDFAIL }))
      return
    }
    binds.accepted++
    binds.systemIds.push(systemId)
    peer.systemId = systemId
    peer.bound = true
    peer.session.send(pdu.response({ system_id: "fakesmsc" }))
    if (behaviour.malformedPdu !== null && !malformedSent) {
      malformedSent = true
      peer.session.socket.write(malformedFrame(behaviour.malformedPdu))
    }
  }

  function attach(session: Session): void {
    const peer: Peer = { session, systemId: "", bound: false, outstanding: 0 }
    peers.add(peer)
    session.on("error", () => session.destroy())
    session.on("close", () => {
      peer.bound = false
      peers.delete(peer)
    })
    session.on("pdu", (pdu: PDU) => {
      switch (pdu.command) {
        case "submit_sm":
          return onSubmit(peer, pdu)
        case "bind_transceiver":
        case "bind_transmitter":
        case "bind_receiver":
          return onBind(peer, pdu)
        case "enquire_link":
          counters.enquireLinks++
          if (!behaviour.ignoreEnquireLink) session.send(pdu.response())
          return
        case "deliver_sm_resp":
          counters.deliverSmResps++
          if (pdu.command_status !== 0) counters.deliverSmRespErrors++
          return
        case "unbind":
          counters.unbinds++
          peer.bound = false
          session.send(pdu.response())
          session.close()
          return
        case "unbind_resp":
          session.close()
          return
        case "generic_nack":
          counters.genericNacks++
          return
      }
    })
  }

  const server = smpp.createServer({}, attach)
  server.on("error", () => {})
  await new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    port,
    submits,
    binds,
    counters,
    get maxOutstanding() {
      return maxOutstanding
    },
    boundSessions: () => [...peers].filter((peer) => peer.bound).length,
    setBehaviour(next) {
      Object.assign(behaviour, next)
      if ("malformedPdu" in next) malformedSent = false
      if ("dropAfterSubmits" in next) dropCount = 0
    },
    sendReceipt(messageId, stat = "DELIVRD", opts = {}) {
      const route = routes.get(messageId)
      const peer = route?.peer.bound ? route.peer : firstBound()
      return peer ? sendReceiptTo(peer, receiptPdu(messageId, stat, route, opts)) : false
    },
    sendDeliverSm(fields) {
      const peer = firstBound()
      return peer ? peer.session.send(new smpp.PDU("deliver_sm", fields)) : false
    },
    unbindAll() {
      for (const peer of peers) {
        if (!peer.bound) continue
        peer.bound = false
        peer.session.send(new smpp.PDU("unbind", {}))
      }
    },
    async close() {
      for (const peer of peers) peer.session.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
