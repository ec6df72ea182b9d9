/**
 * A fake SMSC on npm `smpp`'s server side, listening on 127.0.0.1 port 0. Behaviours follow
 * jasmin's test SMSC: happy, blackHole, throttle, errorOnSubmit, receiptBeforeResp, hex/decimal
 * receipt ids, malformed PDUs, binds that drop every N ms; every behaviour can be switched at
 * run time with setBehaviour(). It also sends MO messages (sendMo: deliver_sm or data_sm, split
 * by UDH, SAR or message_payload, in any order) and reports how the ESME answered them.
 * Per-submit work is light: the benchmark drives 7,000+ submit_sm/s through it (with
 * `record: false` it keeps counters only).
 */
import type { AddressInfo } from "node:net"
import smpp, { type PDU, type Session } from "smpp"
import {
  decodeSubmit,
  type MalformedPdu,
  type MoSpec,
  malformedFrame,
  moPdus,
  type ReceiptSubject,
  type ReceivedSubmit,
  receiptDeliverSm,
  receiptSubjectOf,
} from "./smsc-pdus.ts"

export type { MalformedPdu, MoSpec, ReceivedSubmit }

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
  /** Close the TCP connection of every bound session every N ms (a carrier that keeps dropping). */
  dropBindEveryMs: number | null
}

export interface FakeSmscOptions extends Partial<FakeSmscBehaviour> {
  /** false: counters only, no `submits` array (benchmarks). Default true. */
  record?: boolean
  /** Default 0 (an ephemeral port); tests never pass anything else. */
  port?: number
  /** Called for every submit_sm as it arrives, before any behaviour applies. */
  onSubmit?: (pdu: PDU) => void
  /** Time source for arrival stamps (`submits[].at`) and throttleAbove's one-second buckets. */
  clock?: () => number
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
  /** Receipts sent again: their session closed before answering, or answered an error. */
  receiptsRedelivered: number
  deliverSmResps: number
  deliverSmRespErrors: number
  /** command_status of the last deliver_sm_resp, or null before the first. */
  lastDeliverSmRespStatus: number | null
  enquireLinks: number
  genericNacks: number
  unbinds: number
  dataSmResps: number
  /** MO deliver_sm / data_sm sent by sendMo / sendPdus. */
  mo: number
  /** Answers to those, by command_status (0 = stored, 100 = ESME_RX_T_APPN, …). */
  moResps: Record<number, number>
  /** Bound sessions closed by dropBindEveryMs or dropAll(). */
  bindsDropped: number
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
  /** Writes these bytes as they are on the first bound session (frames no library would make). */
  sendFrame(frame: Buffer): boolean
  /**
   * Sends an MO message; resolves with the command_status of each PDU's answer in sending order
   * (-1: the connection closed before an answer). Rejects if that session is not bound.
   */
  sendMo(spec: MoSpec): Promise<number[]>
  /** The PDUs sendMo would send, in part order, for tests that interleave several messages. */
  moPdus(spec: MoSpec): PDU[]
  /** Sends these PDUs (each with a fresh sequence_number) and resolves with their answers. */
  sendPdus(pdus: PDU[], sessionIndex?: number): Promise<number[]>
  /** SMSC-initiated unbind of every bound session. */
  unbindAll(): void
  /** Closes the TCP connection of every bound session, without an unbind. */
  dropAll(): void
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
  dropBindEveryMs: null,
}

const ESME_RBINDFAIL = 0x0d
const ESME_RTHROTTLED = 0x58
const FIRST_MESSAGE_ID = 0x3b9aca00

interface Peer {
  session: Session
  systemId: string
  bound: boolean
  /** Order of binding, for sessionIndex. */
  bindOrder: number
  outstanding: number
  /** Our MO PDUs waiting for their deliver_sm_resp / data_sm_resp, by sequence_number. */
  moWaiters: Map<number, (status: number) => void>
  /** Receipts sent on this session and not yet answered with ESME_ROK, by sequence_number. */
  receiptsAwaiting: Map<number, PDU>
}

interface SubmitRoute {
  peer: Peer
  subject: ReceiptSubject
}

export async function startFakeSmsc(options: FakeSmscOptions = {}): Promise<FakeSmsc> {
  const {
    record = true,
    port: listenPort = 0,
    onSubmit: observe,
    clock = Date.now,
    ...initial
  } = options
  const behaviour: FakeSmscBehaviour = { ...DEFAULTS, ...initial }
  const peers = new Set<Peer>()
  const heldReceipts: PDU[] = []
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
    receiptsRedelivered: 0,
    deliverSmResps: 0,
    deliverSmRespErrors: 0,
    lastDeliverSmRespStatus: null,
    enquireLinks: 0,
    genericNacks: 0,
    unbinds: 0,
    dataSmResps: 0,
    mo: 0,
    moResps: {},
    bindsDropped: 0,
  }
  let nextId = FIRST_MESSAGE_ID
  let nextReference = 0
  let bindCount = 0
  let dropTimer: ReturnType<typeof setInterval> | null = null
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
    return boundPeers()[0]
  }

  function boundPeers(): Peer[] {
    return [...peers].filter((peer) => peer.bound).sort((a, b) => a.bindOrder - b.bindOrder)
  }

  function dropAll(): void {
    for (const peer of peers) {
      if (!peer.bound) continue
      peer.bound = false
      counters.bindsDropped++
      peer.session.destroy()
    }
  }

  function scheduleDrops(): void {
    if (dropTimer !== null) clearInterval(dropTimer)
    dropTimer = null
    const every = behaviour.dropBindEveryMs
    if (every !== null && every > 0) dropTimer = setInterval(dropAll, every)
  }

  function settleMo(peer: Peer, pdu: PDU): void {
    const waiter = peer.moWaiters.get(pdu.sequence_number)
    if (waiter === undefined) return
    peer.moWaiters.delete(pdu.sequence_number)
    counters.moResps[pdu.command_status] = (counters.moResps[pdu.command_status] ?? 0) + 1
    waiter(pdu.command_status)
  }

  function sendPdus(pdus: PDU[], sessionIndex = 0): Promise<number[]> {
    const peer = boundPeers()[sessionIndex]
    if (peer === undefined) return Promise.reject(new Error(`no bound session ${sessionIndex}`))
    const answers = pdus.map(
      (pdu) =>
        new Promise<number>((resolve) => {
          pdu.sequence_number = 0
          if (!peer.session.send(pdu)) return resolve(-1)
          counters.mo++
          peer.moWaiters.set(pdu.sequence_number, resolve)
        }),
    )
    return Promise.all(answers)
  }

  function buildMo(spec: MoSpec): PDU[] {
    nextReference = (nextReference + 1) & 0xffff
    return moPdus(spec, spec.reference ?? nextReference)
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

  /**
   * Like a real SMSC, a receipt is not lost until the ESME acknowledges it: one whose session has
   * gone goes out on another bound session or waits for the next bind (store and forward of DLRs),
   * and so does one that was sent but not answered ESME_ROK before its session closed, or was
   * answered with an error (sent again a little later).
   */
  function sendReceiptTo(peer: Peer, pdu: PDU): boolean {
    const live = (p: Peer) => p.bound && !p.session.socket.destroyed && p.session.socket.writable
    const target = live(peer) ? peer : boundPeers().find(live)
    if (target === undefined) {
      heldReceipts.push(pdu)
      return false
    }
    return sendTracked(target, pdu)
  }

  function flushHeldReceipts(peer: Peer): void {
    for (const pdu of heldReceipts.splice(0)) sendTracked(peer, pdu)
  }

  const redelivering = new WeakSet<PDU>()
  let closed = false

  function sendTracked(peer: Peer, pdu: PDU): boolean {
    if (redelivering.has(pdu)) counters.receiptsRedelivered++
    else counters.receipts++
    pdu.sequence_number = 0 // a fresh one from this session
    const sent = peer.session.send(pdu)
    // Not written (the socket stopped taking writes): kept for the next bind.
    if (sent) peer.receiptsAwaiting.set(pdu.sequence_number, pdu)
    else heldReceipts.push(redeliver(pdu))
    return sent
  }

  /** Marks a receipt going out again (sendTracked gives it the new session's sequence_number). */
  function redeliver(pdu: PDU): PDU {
    redelivering.add(pdu)
    return pdu
  }

  function settleReceipt(peer: Peer, resp: PDU): void {
    const pdu = peer.receiptsAwaiting.get(resp.sequence_number)
    if (pdu === undefined) return
    peer.receiptsAwaiting.delete(resp.sequence_number)
    if (resp.command_status !== 0) {
      setTimeout(() => {
        if (!closed) sendReceiptTo(peer, redeliver(pdu))
      }, 200)
    }
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
      const second = Math.floor(clock() / 1000)
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
      if (record) submits.push(decodeSubmit(pdu, peer.systemId, "", clock()))
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
      const received = decodeSubmit(pdu, peer.systemId, messageId, clock())
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
    peer.bindOrder = bindCount++
    peer.session.send(pdu.response({ system_id: "fakesmsc" }))
    flushHeldReceipts(peer)
    if (behaviour.malformedPdu !== null && !malformedSent) {
      malformedSent = true
      peer.session.socket.write(malformedFrame(behaviour.malformedPdu))
    }
  }

  function attach(session: Session): void {
    const peer: Peer = {
      session,
      systemId: "",
      bound: false,
      bindOrder: 0,
      outstanding: 0,
      moWaiters: new Map(),
      receiptsAwaiting: new Map(),
    }
    peers.add(peer)
    session.on("error", () => session.destroy())
    session.on("close", () => {
      peer.bound = false
      peers.delete(peer)
      for (const waiter of peer.moWaiters.values()) waiter(-1)
      peer.moWaiters.clear()
      for (const pdu of peer.receiptsAwaiting.values()) heldReceipts.push(redeliver(pdu))
      peer.receiptsAwaiting.clear()
      const next = boundPeers()[0]
      if (next) flushHeldReceipts(next)
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
          counters.lastDeliverSmRespStatus = pdu.command_status
          settleReceipt(peer, pdu)
          settleMo(peer, pdu)
          return
        case "data_sm_resp":
          counters.dataSmResps++
          settleMo(peer, pdu)
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
          settleMo(peer, pdu)
          return
      }
    })
  }

  const server = smpp.createServer({}, attach)
  server.on("error", () => {})
  await new Promise<void>((resolve) => server.listen(listenPort, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  scheduleDrops()

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
      if ("dropBindEveryMs" in next) scheduleDrops()
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
    sendFrame(frame) {
      const peer = firstBound()
      return peer ? peer.session.socket.write(frame) : false
    },
    sendMo(spec) {
      const pdus = buildMo(spec)
      const order = spec.order ?? pdus.map((_, i) => i)
      const chosen = order.map((i) => {
        const pdu = pdus[i]
        if (pdu === undefined) throw new RangeError(`order names part ${i} of ${pdus.length}`)
        return pdu
      })
      return sendPdus(chosen, spec.sessionIndex)
    },
    moPdus: buildMo,
    sendPdus,
    dropAll,
    unbindAll() {
      for (const peer of peers) {
        if (!peer.bound) continue
        peer.bound = false
        peer.session.send(new smpp.PDU("unbind", {}))
      }
    },
    async close() {
      closed = true
      if (dropTimer !== null) clearInterval(dropTimer)
      dropTimer = null
      for (const peer of peers) peer.session.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
