// MO (inbound) messages over real TCP: the fake SMSC sends deliver_sm / data_sm, the connector
// decodes them, holds the parts of long ones in a real store (test-harness.ts: a temp SQLite file
// behind core/inbound.ts, as the gateway wires it), and acknowledges only what is committed.
import { afterEach, describe, expect, test } from "bun:test"
import smpp from "smpp"
import { type FakeSmsc, type MoSpec, startFakeSmsc } from "../../test/fakes/smsc.ts"
import { waitFor } from "../../test/support/wait-for.ts"
import type {
  ConnectorEvents,
  InboundMessage,
  InboundPart,
  InboundPartEvents,
  InboundPartResult,
} from "../connectors/connector.ts"
import { ROOT_ACCOUNT } from "../core/auth.ts"
import { listInbound } from "../core/inbound.ts"
import { silentLogger } from "../lib/logger.ts"
import { createSmppConnector } from "./connector.ts"
import type { SmppConnectorOptions } from "./options.ts"
import { type ConnectorHarness, connectorFor, smppOptions } from "./test-harness.ts"

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function setup(
  overrides: Partial<SmppConnectorOptions> = {},
  beforeStart: (harness: ConnectorHarness) => void = () => {},
): Promise<ConnectorHarness & { smsc: FakeSmsc }> {
  const smsc = await startFakeSmsc()
  cleanups.push(() => smsc.close())
  const harness = connectorFor(smppOptions(smsc.port, overrides))
  cleanups.push(() => harness.connector.stop())
  beforeStart(harness)
  await harness.connector.start()
  await waitFor(() => harness.connector.health().sessions.bound === (overrides.sessions ?? 1), {
    what: "bind",
  })
  return Object.assign(harness, { smsc })
}

/** A store that stays open until the test calls resolve() or reject(). */
function heldStore() {
  let resolve!: () => void
  let reject!: (error: Error) => void
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { store: () => promise, resolve, reject }
}

const FROM = "+4915112345678"
const mo = (spec: Partial<MoSpec> & { text: string }): MoSpec => ({
  from: FROM,
  to: "12345",
  ...spec,
})
// 400 GSM characters: 3 parts of ≤ 153 septets behind an 8-bit reference UDH.
const LONG = Array.from({ length: 40 }, (_, i) => `part${String(i).padStart(4, "0")} `).join("")

/** Parts the harness's store holds for the connector, and the messages it stored. */
const heldParts = (h: ConnectorHarness) => h.storage.moParts.held("carrier-a")
const storedTexts = (h: ConnectorHarness) =>
  listInbound(h.storage, ROOT_ACCOUNT, { limit: 100 }).data.map((m) => m.message)

describe("SmppConnector MO", () => {
  test("stores a single GSM-7 MO and answers deliver_sm_resp 0 only once the store resolved", async () => {
    const h = await setup()
    const held = heldStore()
    h.store = held.store
    const first = h.smsc.sendMo(mo({ text: "STOP {now}" }))
    await waitFor(() => h.inbound.length === 1, { what: "first MO handed over" })

    // The same connection answers a second MO, stored at once, while the first waits: its
    // deliver_sm_resp would have come first had it been sent before the store resolved.
    h.store = async () => {}
    expect(await h.smsc.sendMo(mo({ text: "second" }))).toEqual([0])
    expect(h.smsc.counters.moResps).toEqual({ 0: 1 })

    held.resolve()
    expect(await first).toEqual([0])
    expect(h.inbound[0] as InboundMessage).toEqual({
      connectorId: "carrier-a",
      from: FROM,
      to: "12345",
      text: "STOP {now}",
      encoding: "gsm7",
      parts: 1,
      sentAt: null,
      receivedAt: expect.any(Number),
      externalId: null,
      fingerprint: expect.any(String),
    })
    expect(h.connector.health().counters.inbound).toBe(2)
  })

  test("answers ESME_RX_T_APPN when the store fails, and 0 when the SMSC redelivers", async () => {
    const h = await setup()
    h.store = async () => {
      throw new Error("disk full")
    }
    expect(await h.smsc.sendMo(mo({ text: "hello" }))).toEqual([0x64])
    expect(h.connector.health().counters.inbound).toBe(0)

    h.store = async () => {}
    expect(await h.smsc.sendMo(mo({ text: "hello" }))).toEqual([0])
    expect(h.inbound.map((m) => m.text)).toEqual(["hello", "hello"])
    expect(h.connector.stats()).toMatchObject({ inbound: 1, inboundRejected: 1 })
    expect(h.smsc.counters.moResps).toEqual({ 0: 1, 100: 1 })
  })

  test("reassembles UDH parts sent out of order into one message", async () => {
    const h = await setup()
    const statuses = await h.smsc.sendMo(mo({ text: LONG, order: [2, 0, 1], messageId: "SM9" }))
    expect(statuses).toEqual([0, 0, 0])
    expect(h.inbound).toHaveLength(1)
    expect(h.inbound[0]).toMatchObject({
      text: LONG,
      parts: 3,
      encoding: "gsm7",
      externalId: "SM9.1,SM9.2,SM9.3",
    })
  })

  test("acknowledges held parts at once and the completing part only after the store", async () => {
    const h = await setup()
    const held = heldStore()
    h.store = held.store
    const [p1, p2, p3] = h.smsc.moPdus(mo({ text: LONG }))
    expect(await h.smsc.sendPdus([p1!, p2!])).toEqual([0, 0])
    expect(h.inbound).toHaveLength(0)
    expect(h.connector.stats().moHeldParts).toBe(2)
    expect(heldParts(h)).toBe(2)

    const last = h.smsc.sendPdus([p3!])
    await waitFor(() => h.inbound.length === 1, { what: "set handed over" })
    expect(h.smsc.counters.moResps).toEqual({ 0: 2 })
    expect(storedTexts(h)).toEqual([])
    held.resolve()
    expect(await last).toEqual([0])
    expect(h.connector.stats().moHeldParts).toBe(0)
    expect(heldParts(h)).toBe(0)
    expect(storedTexts(h)).toEqual([LONG])
  })

  test("keeps a set whose store failed and completes it when the SMSC redelivers the last part", async () => {
    const h = await setup()
    const [p1, p2] = h.smsc.moPdus(mo({ text: LONG.slice(0, 200) }))
    h.store = async () => {
      throw new Error("database locked")
    }
    expect(await h.smsc.sendPdus([p1!, p2!])).toEqual([0, 0x64])
    // Nothing of the completing part was written; the part before it stays committed.
    expect(heldParts(h)).toBe(1)
    expect(h.connector.stats()).toMatchObject({ inboundRejected: 1, moHeldParts: 1 })
    h.store = async () => {}
    expect(await h.smsc.sendPdus([p2!])).toEqual([0])
    expect(h.inbound.map((m) => m.text)).toEqual([LONG.slice(0, 200), LONG.slice(0, 200)])
    expect(h.connector.health().counters.inbound).toBe(1)
    expect(storedTexts(h)).toEqual([LONG.slice(0, 200)])
  })

  test("keeps a redelivered part once, and stores nothing for a part of a message already stored", async () => {
    const h = await setup()
    const [p1, p2, p3] = h.smsc.moPdus(mo({ text: LONG }))
    expect(await h.smsc.sendPdus([p1!, p1!])).toEqual([0, 0])
    expect(h.connector.stats()).toMatchObject({ duplicates: 1, moHeldParts: 1 })
    expect(heldParts(h)).toBe(1)

    expect(await h.smsc.sendPdus([p2!, p3!])).toEqual([0, 0])
    // The SMSC lost the deliver_sm_resp of the last part and sends it again.
    expect(await h.smsc.sendPdus([p3!])).toEqual([0])
    expect(h.inbound.map((m) => m.text)).toEqual([LONG])
    expect(storedTexts(h)).toEqual([LONG])
    expect(h.connector.stats()).toMatchObject({ duplicates: 2, inbound: 1, moHeldParts: 0 })
    expect(heldParts(h)).toBe(0)
  })

  test("drops the oldest other sets beyond mo_reassembly_max_parts; a late part starts a new set", async () => {
    const h = await setup({ mo_reassembly_max_parts: 2 })
    const a = h.smsc.moPdus(mo({ text: LONG, reference: 1 }))
    const b = h.smsc.moPdus(mo({ text: LONG.toUpperCase(), reference: 2 }))
    expect(await h.smsc.sendPdus([a[0]!, a[1]!])).toEqual([0, 0])
    expect(await h.smsc.sendPdus([b[0]!])).toEqual([0])
    expect(h.connector.stats()).toMatchObject({ evictedSets: 1, evictedParts: 2, moHeldParts: 1 })
    expect(heldParts(h)).toBe(1)

    // A's last part comes after A was dropped: a set of its own, which B's next part evicts.
    expect(await h.smsc.sendPdus([a[2]!, b[1]!, b[2]!])).toEqual([0, 0, 0])
    expect(h.connector.stats()).toMatchObject({ evictedSets: 2, evictedParts: 3, moHeldParts: 0 })
    expect(h.inbound.map((m) => m.text)).toEqual([LONG.toUpperCase()])
    expect(storedTexts(h)).toEqual([LONG.toUpperCase()])
  })

  test.each([
    ["16-bit reference UDH", { split: "udh16" }],
    ["SAR TLVs", { split: "sar" }],
    ["one message_payload", { split: "payload" }],
    ["data_sm with SAR TLVs", { dataSm: true, split: "sar" }],
    ["data_sm with a UDH", { dataSm: true, split: "udh8" }],
    ["parts out of order with SAR", { split: "sar", order: [1, 2, 0] }],
  ] as const)("reassembles a long text carried by %s", async (_, spec) => {
    const h = await setup()
    const statuses = await h.smsc.sendMo(mo({ text: LONG, ...spec }))
    expect(statuses.every((s) => s === 0)).toBe(true)
    expect(h.inbound).toHaveLength(1)
    expect(h.inbound[0]).toMatchObject({ text: LONG, from: FROM, to: "12345" })
    expect(h.inbound[0]?.parts).toBe(spec.split === "payload" ? 1 : 3)
  })

  test("joins a UCS-2 surrogate pair and a GSM escape that a part boundary cut in two", async () => {
    const h = await setup()
    // UCS-2, 4 octets per part: "Hi 👋" is H i | ␠ D83D | DC4B …
    await h.smsc.sendMo(mo({ text: "Hi 👋 مرحبا", encoding: "ucs2", partOctets: 4 }))
    // GSM, 3 septets per part: "ab€" is a b ESC | 0x65.
    await h.smsc.sendMo(mo({ text: "ab€c", partOctets: 3, split: "udh16" }))
    expect(h.inbound.map((m) => [m.text, m.encoding])).toEqual([
      ["Hi 👋 مرحبا", "ucs2"],
      ["ab€c", "gsm7"],
    ])
  })

  test("reads Latin-1 as data_coding 3, and data_coding 0 as the connector's default_encoding", async () => {
    const h = await setup({ default_encoding: "latin1" })
    await h.smsc.sendMo(mo({ text: "café à 5 £", encoding: "latin1" }))
    await h.smsc.sendMo(mo({ text: "crème brûlée", encoding: "latin1", dataCoding: 0 }))
    expect(h.inbound.map((m) => [m.text, m.encoding])).toEqual([
      ["café à 5 £", "latin1"],
      ["crème brûlée", "latin1"],
    ])
  })

  test("keeps interleaved messages from two senders apart", async () => {
    const h = await setup()
    const a = h.smsc.moPdus(mo({ text: LONG, reference: 5 }))
    const b = h.smsc.moPdus(mo({ from: "+4917612345678", text: LONG.toUpperCase(), reference: 5 }))
    const statuses = await h.smsc.sendPdus([a[0]!, b[2]!, b[0]!, a[2]!, b[1]!, a[1]!])
    expect(statuses).toEqual([0, 0, 0, 0, 0, 0])
    expect(h.inbound.map((m) => [m.from, m.text])).toEqual([
      ["+4917612345678", LONG.toUpperCase()],
      [FROM, LONG],
    ])
  })

  test("reassembles parts that arrive on different sessions", async () => {
    const h = await setup({ sessions: 2 })
    const [p1, p2] = h.smsc.moPdus(mo({ text: LONG.slice(0, 250), split: "sar" }))
    expect(await h.smsc.sendPdus([p2!], 1)).toEqual([0])
    expect(await h.smsc.sendPdus([p1!], 0)).toEqual([0])
    expect(h.inbound.map((m) => m.text)).toEqual([LONG.slice(0, 250)])
  })

  test("refuses malformed MO with the matching status, counts them and keeps the session", async () => {
    const h = await setup()
    const address = { source_addr_ton: 1, source_addr_npi: 1, dest_addr_ton: 1, dest_addr_npi: 1 }
    const statuses = await h.smsc.sendPdus([
      new smpp.PDU("deliver_sm", { ...address, source_addr: "", short_message: Buffer.from("x") }),
      new smpp.PDU("deliver_sm", {
        ...address,
        source_addr: "4915112345678",
        esm_class: 0x40,
        short_message: Buffer.of(0x0a, 0x00, 0x03),
      }),
      new smpp.PDU("data_sm", {
        ...address,
        source_addr: "4915112345678",
        message_payload: Buffer.from("x"),
        sar_msg_ref_num: 1,
        sar_total_segments: 2,
      }),
    ])
    expect(statuses).toEqual([0x0a, 0x43, 0xc3])
    expect(h.connector.stats()).toMatchObject({ moMalformed: 3, moParts: 3, inbound: 0 })
    expect(await h.smsc.sendMo(mo({ text: "still here" }))).toEqual([0])
    expect(h.smsc.binds.accepted).toBe(1)
  })

  test("drops an incomplete set after mo_reassembly_timeout_s and counts it", async () => {
    const h = await setup({ mo_reassembly_timeout_s: 0.1 })
    const [p1, p2] = h.smsc.moPdus(mo({ text: LONG.slice(0, 250) }))
    expect(await h.smsc.sendPdus([p1!])).toEqual([0])
    await waitFor(() => h.connector.stats().expiredSets === 1, { what: "expiry" })
    expect(h.connector.stats()).toMatchObject({ expiredParts: 1, moHeldParts: 0 })
    expect(heldParts(h)).toBe(0)
    // The late part starts a new set of its own; nothing is handed over.
    expect(await h.smsc.sendPdus([p2!])).toEqual([0])
    expect(h.inbound).toHaveLength(0)
    expect(heldParts(h)).toBe(1)
  })

  test("drops at its first sweep a set an earlier run left past its timeout", async () => {
    const earlier = Date.now() - 60_000
    const h = await setup({ mo_reassembly_timeout_s: 30 }, ({ storage }) => {
      for (const sequence of [1, 2])
        storage.transaction(() =>
          storage.moParts.hold({
            connector_id: "carrier-a",
            set_key: "left by an earlier run",
            sequence,
            total: 3,
            from_addr: FROM,
            to_addr: "12345",
            data_coding: 0,
            encoding: "gsm7",
            octets: Uint8Array.of(0x41),
            external_id: null,
            fingerprint: `earlier ${sequence}`,
            first_at: earlier,
            received_at: earlier,
          }),
        )
    })
    await waitFor(() => h.connector.stats().expiredSets === 1, { what: "first sweep" })
    expect(h.connector.stats()).toMatchObject({ expiredParts: 2, moHeldParts: 0 })
    expect(heldParts(h)).toBe(0)
  })

  test("cannot be built without the durable part events", () => {
    const events: ConnectorEvents = { receipt: async () => {}, inbound: async () => {} }
    expect(() =>
      createSmppConnector(smppOptions(2775), {
        logger: silentLogger,
        clock: { now: () => Date.now() },
        events,
      }),
    ).toThrow('smpp connector "carrier-a" needs events.inboundPart and events.expireInboundParts')
  })

  test("sends no answer on a later connection when the MO's own connection closed first", async () => {
    const h = await setup()
    const held = heldStore()
    h.store = held.store
    const answer = h.smsc.sendMo(mo({ text: "in flight" }))
    await waitFor(() => h.inbound.length === 1, { what: "MO handed over" })
    h.smsc.dropAll()
    expect(await answer).toEqual([-1])
    await waitFor(
      () => h.connector.stats().connectionsLost === 1 && h.connector.health().state === "bound",
      { what: "rebind" },
    )

    held.resolve()
    await waitFor(() => h.connector.stats().answersDropped === 1, { what: "dropped answer" })
    expect(h.smsc.counters.moResps).toEqual({})
  })

  test("answers ESME_RX_T_APPN to an MO that arrives while the connector stops", async () => {
    const h = await setup()
    const held = heldStore()
    h.store = held.store
    const [p1, p2] = h.smsc.moPdus(mo({ text: LONG.slice(0, 250) }))
    // Part 1 completes nothing and is held; the connector then starts stopping while the
    // SMSC still has a single MO's store open.
    expect(await h.smsc.sendPdus([p1!])).toEqual([0])
    const single = h.smsc.sendMo(mo({ text: "single" }))
    await waitFor(() => h.inbound.length === 1, { what: "single handed over" })
    const stopping = h.connector.stop()
    const late = h.smsc.sendPdus([p2!]).catch(() => [-1])
    held.resolve()
    await stopping
    expect(await single).toEqual([0])
    expect([[0x64], [-1]]).toContainEqual(await late)
    expect(h.inbound).toHaveLength(1)
  })
})

describe("SmppConnector MO against part events that answer as the test says", () => {
  /** Part events that record what they are given and answer as the test says. */
  type Expiry = Awaited<ReturnType<InboundPartEvents["expireInboundParts"]>>
  async function durable(
    overrides: Partial<SmppConnectorOptions> = {},
    expire: () => Promise<Expiry> = async () => ({
      expired: [],
      heldParts: 0,
      oldestFirstAt: null,
    }),
  ) {
    const smsc = await startFakeSmsc()
    cleanups.push(() => smsc.close())
    const parts: InboundPart[] = []
    const messages: InboundMessage[] = []
    const expiries: number[] = []
    const control = {
      answer: (
        part: InboundPart,
        assemble: (parts: InboundPart[]) => InboundMessage,
      ): Promise<InboundPartResult> => {
        const set = parts.filter((p) => p.setKey === part.setKey)
        if (set.length < part.total)
          return Promise.resolve({
            kind: "held",
            duplicate: false,
            firstAt: part.receivedAt,
            heldParts: set.length,
            evicted: [],
          })
        messages.push(assemble(set.sort((a, b) => a.sequence - b.sequence)))
        return Promise.resolve({ kind: "stored", heldParts: 0 })
      },
    }
    const events: ConnectorEvents & InboundPartEvents = {
      receipt: async () => {},
      inbound: async (message) => {
        messages.push(message)
      },
      inboundPart: (part, options) => {
        parts.push(part)
        return control.answer(part, options.assemble)
      },
      expireInboundParts: (_, before) => {
        expiries.push(before)
        return expire()
      },
    }
    const connector = createSmppConnector(smppOptions(smsc.port, overrides), {
      logger: silentLogger,
      clock: { now: () => Date.now() },
      events,
    })
    cleanups.push(() => connector.stop())
    await connector.start()
    await waitFor(() => connector.health().sessions.bound === 1, { what: "bind" })
    return { smsc, connector, parts, messages, expiries, control }
  }

  test("answers each part only once inboundPart resolved, and the assembled set is the text", async () => {
    const d = await durable()
    let release!: () => void
    const answer = d.control.answer
    d.control.answer = (part, assemble) =>
      new Promise((resolve) => {
        release = () => resolve(answer(part, assemble))
      })
    const [p1, p2, p3] = d.smsc.moPdus(mo({ text: LONG, split: "sar" }))
    const first = d.smsc.sendPdus([p1!])
    await waitFor(() => d.parts.length === 1, { what: "part handed over" })
    // A single MO on the same connection is answered while the part's commit is pending.
    expect(await d.smsc.sendMo(mo({ text: "meanwhile" }))).toEqual([0])
    expect(d.smsc.counters.moResps).toEqual({ 0: 1 })
    release()
    expect(await first).toEqual([0])

    d.control.answer = answer
    expect(await d.smsc.sendPdus([p3!, p2!])).toEqual([0, 0])
    expect(d.messages.map((m) => [m.text, m.parts])).toEqual([
      ["meanwhile", 1],
      [LONG, 3],
    ])
    expect(d.parts.map((p) => [p.sequence, p.total])).toEqual([
      [1, 3],
      [3, 3],
      [2, 3],
    ])
    expect(new Set(d.parts.map((p) => p.setKey)).size).toBe(1)
    expect(d.connector.stats()).toMatchObject({ inbound: 2, moHeldParts: 0 })
  })

  test("answers ESME_RX_T_APPN when the part cannot be stored, and 0 to its redelivery", async () => {
    const d = await durable()
    const answer = d.control.answer
    d.control.answer = () => Promise.reject(new Error("database is locked"))
    const [p1] = d.smsc.moPdus(mo({ text: LONG }))
    expect(await d.smsc.sendPdus([p1!])).toEqual([0x64])
    d.control.answer = answer
    expect(await d.smsc.sendPdus([p1!])).toEqual([0])
    expect(d.parts).toHaveLength(2)
    expect(d.connector.stats()).toMatchObject({ inboundRejected: 1, moParts: 2 })
  })

  test("asks the store at its first sweep for sets an earlier run left, and counts what expired", async () => {
    const d = await durable({}, async () => ({
      expired: [{ setKey: "earlier", received: 2, total: 3 }],
      heldParts: 0,
      oldestFirstAt: null,
    }))
    await waitFor(() => d.connector.stats().expiredSets === 1, { what: "first expiry" })
    expect(d.connector.stats()).toMatchObject({ expiredParts: 2, moHeldParts: 0 })
    expect(d.expiries).toHaveLength(1)
  })
})
