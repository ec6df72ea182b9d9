// Two-way messaging over real SMPP binds: MO from the fake SMSC → signed message.received at a
// real HTTP receiver; conversations and replies pinned to the connector and number they came in
// on; STOP/START with one confirmation each; opt-out refusals; numbers and keywords deciding the
// owning account; and a poller that never skips or repeats while MOs pour in.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { ROOT_ACCOUNT } from "../../src/core/auth.ts"
import { listInbound } from "../../src/core/inbound.ts"
import { OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION } from "../../src/core/optout.ts"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { carrierOutage } from "../support/connector-view.ts"
import { conversationWith as conversationOf } from "../support/conversations.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { body, problem } from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"
import { type Receiver, startReceiver } from "../support/webhook-receiver.ts"

let smscA: FakeSmsc
let smscB: FakeSmsc
let gw: TestGateway
let receiver: Receiver

const OUR = "+233200000001"
const HOOKS = "/hooks"

interface Conversation {
  id: string
  our_number: string | null
  their_number: string
  connector: string
  opted_out: boolean
}

interface ConversationMessage {
  direction: "inbound" | "outbound"
  id: string
  from: string | null
  to: string | null
  message: string
  connector: string | null
}

beforeAll(async () => {
  smscA = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
  smscB = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
  // Every route leads to carrier-b: a message that leaves through carrier-a was pinned there.
  gw = await startGateway(`
[[connectors]]
id = "carrier-a"
type = "smpp"
host = "127.0.0.1"
port = ${smscA.port}
system_id = "gw"
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[[connectors]]
id = "carrier-b"
type = "smpp"
host = "127.0.0.1"
port = ${smscB.port}
system_id = "gw"
reconnect_min_s = 0.05
reconnect_max_s = 0.2
[[routes]]
prefix = "*"
connectors = ["carrier-b"]
[queue]
retry_base_ms = 50
retry_cap_ms = 200
`)
  await waitFor(() => smscA.boundSessions() > 0 && smscB.boundSessions() > 0, {
    what: "both binds",
  })
  receiver = startReceiver()
  await receiver.subscribe(gw, HOOKS, ["message.received", "optout.created", "optout.removed"])
})

afterAll(async () => {
  await gw?.stop()
  await smscA?.close()
  await smscB?.close()
  await receiver?.stop()
})

function conversationWith(their: string): Promise<Conversation> {
  return conversationOf<Conversation>(gw, their)
}

async function send(json: Record<string, unknown>): Promise<Response> {
  return gw.api("/v1/messages", { method: "POST", json })
}

function submitsTo(smsc: FakeSmsc, e164: string) {
  return smsc.submits.filter((s) => s.destination_addr === e164.slice(1))
}

describe("inbound over SMPP reaches a webhook receiver", () => {
  test("an MO becomes a message.received delivery whose signature the standardwebhooks package verifies", async () => {
    expect(
      await smscA.sendMo({ from: "+233241000001", to: OUR, text: "Hello, is anyone there?" }),
    ).toEqual([0])
    const delivery = await receiver.waitForEvent(
      HOOKS,
      "message.received",
      (d) => d.message === "Hello, is anyone there?",
    )
    expect(delivery.verifyError).toBeNull()
    expect(delivery.verified).toBe(true)
    expect(delivery.id).toMatch(/^whd_/)
    expect(delivery.payload.data).toMatchObject({
      from: "+233241000001",
      to: OUR,
      connector: "carrier-a",
      encoding: "gsm7",
      parts: 1,
    })
    expect(delivery.payload.data.id).toMatch(/^inb_/)
    expect(delivery.payload.data.conversation_id).toMatch(/^cnv_/)
  })
})

describe("conversations", () => {
  test("a reply goes out on the connector and from the number the conversation came in on", async () => {
    const c = await conversationWith("+233241000001")
    expect(c).toMatchObject({ our_number: OUR, connector: "carrier-a", opted_out: false })
    const reply = await body<{
      id: string
      from: string
      connector: string
      conversation_id: string
    }>(
      await gw.api(`/v1/conversations/${c.id}/messages`, {
        method: "POST",
        json: { message: "Yes! How can we help?" },
      }),
      202,
    )
    expect(reply).toMatchObject({ from: OUR, connector: "carrier-a", conversation_id: c.id })
    const submit = await waitFor(
      () => submitsTo(smscA, "+233241000001").find((s) => s.text === "Yes! How can we help?"),
      {
        what: "the reply at carrier-a",
      },
    )
    expect(submit.source_addr).toBe(OUR.slice(1))
    expect(submit.source_addr_ton).toBe(1)
    expect(submitsTo(smscB, "+233241000001")).toEqual([])
    // The submit reaches the SMSC before its resp is recorded: wait for `sent`.
    const detail = await waitFor(
      async () => {
        const d = await body<{
          status: string
          connector: string
          events: { status: string; detail: string | null }[]
        }>(await gw.api(`/v1/messages/${reply.id}`), 200)
        return d.status === "sent" || d.status === "delivered" ? d : null
      },
      { what: "reply sent" },
    )
    expect(detail.connector).toBe("carrier-a")
    expect(detail.events.find((e) => e.status === "sending")?.detail).toMatch(/pinned to carrier-a/)

    // The same recipient through POST /v1/messages follows the routes (carrier-b), and, sent from
    // our number, still belongs to the conversation.
    const plain = await body<{ messages: { id: string }[] }>(
      await send({ to: "+233241000001", from: OUR, message: "Your order shipped." }),
      202,
    )
    await waitFor(
      () => submitsTo(smscB, "+233241000001").some((s) => s.text === "Your order shipped."),
      { what: "routed send at carrier-b" },
    )
    expect(plain.messages.length).toBe(1)
  })

  test("lists both directions in the order they happened, page by page", async () => {
    expect(await smscA.sendMo({ from: "+233241000001", to: OUR, text: "Thanks, got it" })).toEqual([
      0,
    ])
    const c = await conversationWith("+233241000001")
    const all = await body<{ data: ConversationMessage[]; next_cursor: string | null }>(
      await gw.api(`/v1/conversations/${c.id}/messages`),
      200,
    )
    expect(all.data.map((m) => [m.direction, m.message])).toEqual([
      ["inbound", "Hello, is anyone there?"],
      ["outbound", "Yes! How can we help?"],
      ["outbound", "Your order shipped."],
      ["inbound", "Thanks, got it"],
    ])
    expect(all.data[1]).toMatchObject({ from: OUR, to: "+233241000001", connector: "carrier-a" })
    expect(all.next_cursor).toBeNull()

    const first = await body<{ data: ConversationMessage[]; next_cursor: string }>(
      await gw.api(`/v1/conversations/${c.id}/messages?limit=3`),
      200,
    )
    const rest = await body<{ data: ConversationMessage[]; next_cursor: string | null }>(
      await gw.api(`/v1/conversations/${c.id}/messages?limit=3&cursor=${first.next_cursor}`),
      200,
    )
    expect([...first.data, ...rest.data].map((m) => m.id)).toEqual(all.data.map((m) => m.id))
    expect(rest.next_cursor).toBeNull()
  })

  test("a reply waits while its connector is down and leaves on it when it is back, never elsewhere", async () => {
    const c = await conversationWith("+233241000001")
    await carrierOutage(gw, smscA, "carrier-a")
    const reply = await body<{ id: string }>(
      await gw.api(`/v1/conversations/${c.id}/messages`, {
        method: "POST",
        json: { message: "Still there?" },
      }),
      202,
    )
    await waitFor(
      async () => {
        const d = await body<{
          status: string
          events: { status: string; detail: string | null }[]
        }>(await gw.api(`/v1/messages/${reply.id}`), 200)
        return (
          d.status === "queued" &&
          d.events.some((e) => /pinned to carrier-a, which is/.test(e.detail ?? ""))
        )
      },
      { what: "reply held back for carrier-a" },
    )
    smscA.setBehaviour({ rejectBind: false })
    await waitFor(() => submitsTo(smscA, "+233241000001").some((s) => s.text === "Still there?"), {
      what: "the reply at carrier-a after it rebound",
    })
    expect(submitsTo(smscB, "+233241000001").some((s) => s.text === "Still there?")).toBe(false)
  })

  test("another account's or an unknown conversation answers 404", async () => {
    const res = await gw.api("/v1/conversations/cnv_00000000000000000000000000/messages", {
      method: "POST",
      json: { message: "x" },
    })
    await problem(res, 404, "not_found")
  })
})

describe("opt-out by keyword", () => {
  const who = "+233241000002"

  test("STOP adds the sender to the list, emits optout.created and sends one confirmation", async () => {
    // The confirmation is an ordinary message: it is queued (and told) once.
    await receiver.subscribe(gw, "/stop-confirmation", ["message.queued", "message.sent"])
    expect(await smscA.sendMo({ from: who, to: OUR, text: "  Stop " })).toEqual([0])
    const created = await receiver.waitForEvent(HOOKS, "optout.created", (d) => d.number === who)
    expect(created.verified).toBe(true)
    expect(created.payload.data).toMatchObject({ number: who, source: "keyword", keyword: "STOP" })
    const confirmation = await waitFor(
      () => submitsTo(smscA, who).find((s) => s.text === OPT_OUT_CONFIRMATION),
      {
        what: "opt-out confirmation at carrier-a",
      },
    )
    expect(confirmation.source_addr).toBe(OUR.slice(1))

    const list = await body<{ data: { number: string; source: string; keyword: string }[] }>(
      await gw.api("/v1/opt-outs"),
      200,
    )
    expect(list.data).toContainEqual(
      expect.objectContaining({ number: who, source: "keyword", keyword: "STOP" }),
    )
    expect((await conversationWith(who)).opted_out).toBe(true)

    const sent = await body<{ data: { id: string; message: string }[] }>(
      await gw.api(`/v1/messages?to=${encodeURIComponent(who)}`),
      200,
    )
    const id = sent.data.find((m) => m.message === OPT_OUT_CONFIRMATION)!.id
    const timeline = await body<{ events: { status: string }[] }>(
      await gw.api(`/v1/messages/${id}`),
      200,
    )
    expect(timeline.events.filter((e) => e.status === "queued")).toHaveLength(1)
    // Per-message order: a second message.queued would arrive before message.sent.
    await receiver.waitForEvent("/stop-confirmation", "message.sent", (d) => d.id === id)
    const queued = receiver
      .at("/stop-confirmation")
      .filter((r) => r.payload.type === "message.queued" && r.payload.data.id === id)
    expect(queued).toHaveLength(1)
  })

  test("a send to the opted-out number is refused with recipient_opted_out, the whole batch with it", async () => {
    const single = await problem(
      await send({ to: who, message: "Flash sale!" }),
      422,
      "recipient_opted_out",
    )
    expect(single.opted_out).toEqual([{ index: 0, to: who }])

    const batch = await problem(
      await send({ to: ["+233241000003", who], message: "Flash sale!" }),
      422,
      "recipient_opted_out",
    )
    expect(batch.opted_out).toEqual([{ index: 1, to: who }])
    const queued = await body<{ data: unknown[] }>(
      await gw.api("/v1/messages?to=%2B233241000003"),
      200,
    )
    expect(queued.data).toEqual([])

    const c = await conversationWith(who)
    const reply = await gw.api(`/v1/conversations/${c.id}/messages`, {
      method: "POST",
      json: { message: "Sorry to see you go" },
    })
    await problem(reply, 422, "recipient_opted_out")
  })

  test("STOP again changes nothing and sends no second confirmation", async () => {
    expect(await smscA.sendMo({ from: who, to: OUR, text: "STOPALL" })).toEqual([0])
    // The MO is answered only after its transaction committed, confirmation included.
    const toWho = await body<{ data: { message: string }[] }>(
      await gw.api(`/v1/messages?to=${encodeURIComponent(who)}`),
      200,
    )
    expect(toWho.data.map((m) => m.message)).toEqual([OPT_OUT_CONFIRMATION])
  })

  test("START removes the opt-out, emits optout.removed, confirms, and sends are accepted again", async () => {
    expect(await smscA.sendMo({ from: who, to: OUR, text: "start" })).toEqual([0])
    const removed = await receiver.waitForEvent(HOOKS, "optout.removed", (d) => d.number === who)
    expect(removed.verified).toBe(true)
    expect(removed.payload.data).toMatchObject({ number: who, source: "keyword", keyword: "START" })
    await waitFor(() => submitsTo(smscA, who).some((s) => s.text === OPT_IN_CONFIRMATION), {
      what: "opt-in confirmation",
    })
    expect(submitsTo(smscA, who).filter((s) => s.text === OPT_OUT_CONFIRMATION).length).toBe(1)
    await body(await send({ to: who, message: "Welcome back" }), 202)
  })

  test("a keyword inside a longer message is an ordinary message", async () => {
    const before = (await body<{ data: unknown[] }>(await gw.api("/v1/opt-outs"), 200)).data.length
    expect(
      await smscA.sendMo({ from: "+233241000009", to: OUR, text: "please stop the noise" }),
    ).toEqual([0])
    expect((await body<{ data: unknown[] }>(await gw.api("/v1/opt-outs"), 200)).data.length).toBe(
      before,
    )
  })
  // CTIA keywords besides STOP: the whole message, any case, surrounding spaces ignored.
  test.each([
    ["unsubscribe", "UNSUBSCRIBE", "+233241000020"],
    ["Cancel", "CANCEL", "+233241000021"],
    [" END ", "END", "+233241000022"],
    ["qUiT", "QUIT", "+233241000023"],
  ])(
    "%p opts the sender out with one confirmation, and UNSTOP opts back in",
    async (text, keyword, who) => {
      const number = encodeURIComponent(who)
      expect(await smscA.sendMo({ from: who, to: OUR, text })).toEqual([0])
      const created = await receiver.waitForEvent(HOOKS, "optout.created", (d) => d.number === who)
      expect(created.verified).toBe(true)
      expect(created.payload.data).toMatchObject({ number: who, source: "keyword", keyword })
      expect(await body(await gw.api(`/v1/opt-outs/${number}`), 200)).toMatchObject({
        number: who,
        source: "keyword",
        keyword,
      })
      await problem(await send({ to: who, message: "Flash sale!" }), 422, "recipient_opted_out")
      // The MO is answered only after its transaction committed, confirmation included.
      const outbound = async () =>
        (
          await body<{ data: { message: string }[] }>(
            await gw.api(`/v1/messages?to=${number}`),
            200,
          )
        ).data.map((m) => m.message)
      expect(await outbound()).toEqual([OPT_OUT_CONFIRMATION])
      const confirmation = await waitFor(
        () => submitsTo(smscA, who).find((s) => s.text === OPT_OUT_CONFIRMATION),
        { what: `${keyword} confirmation at carrier-a` },
      )
      expect(confirmation.source_addr).toBe(OUR.slice(1))

      expect(await smscA.sendMo({ from: who, to: OUR, text: "Unstop" })).toEqual([0])
      const removed = await receiver.waitForEvent(HOOKS, "optout.removed", (d) => d.number === who)
      expect(removed.verified).toBe(true)
      expect(removed.payload.data).toMatchObject({
        number: who,
        source: "keyword",
        keyword: "UNSTOP",
      })
      await problem(await gw.api(`/v1/opt-outs/${number}`), 404, "not_found")
      expect((await outbound()).sort()).toEqual([OPT_IN_CONFIRMATION, OPT_OUT_CONFIRMATION].sort())
      await waitFor(() => submitsTo(smscA, who).some((s) => s.text === OPT_IN_CONFIRMATION), {
        what: "UNSTOP confirmation at carrier-a",
      })
      expect(submitsTo(smscA, who).filter((s) => s.text === OPT_OUT_CONFIRMATION).length).toBe(1)
      await body(await send({ to: who, message: "Welcome back" }), 202)
    },
  )
})

describe("opt-outs through the API", () => {
  const who = "+233241000004"

  test("POST adds, GET finds, sends are refused; DELETE removes and sends are accepted", async () => {
    const added = await gw.api("/v1/opt-outs", { method: "POST", json: { number: who } })
    expect(await body(added, 201)).toMatchObject({ number: who, source: "api", keyword: null })
    await body(await gw.api("/v1/opt-outs", { method: "POST", json: { number: who } }), 200)
    const created = await receiver.waitForEvent(HOOKS, "optout.created", (d) => d.number === who)
    expect(created.payload.data).toMatchObject({ source: "api" })
    expect(await body(await gw.api(`/v1/opt-outs/${encodeURIComponent(who)}`), 200)).toMatchObject({
      number: who,
    })
    await problem(await send({ to: who, message: "hi" }), 422, "recipient_opted_out")

    expect(
      (await gw.api(`/v1/opt-outs/${encodeURIComponent(who)}`, { method: "DELETE" })).status,
    ).toBe(204)
    await receiver.waitForEvent(HOOKS, "optout.removed", (d) => d.number === who)
    await body(await send({ to: who, message: "hi" }), 202)
    await problem(await gw.api(`/v1/opt-outs/${who}`, { method: "DELETE" }), 404, "not_found")
  })

  test("STOP withdraws the account's scheduled messages to that number, not those to other numbers", async () => {
    const who = "+233241000015"
    const later = new Date(Date.now() + 3_600_000).toISOString()
    const accepted = await body<{ messages: { id: string }[] }>(
      await send({
        to: [who, "+233241000016"],
        message: "Reminder: your appointment",
        scheduled_at: later,
      }),
      202,
    )
    const [toWho, toOther] = accepted.messages.map((m) => m.id)
    expect(await smscA.sendMo({ from: who, to: OUR, text: "STOP" })).toEqual([0])
    await receiver.waitForEvent(HOOKS, "optout.created", (d) => d.number === who)

    const withdrawn = await body<{
      status: string
      error: { code: string } | null
      events: { status: string; detail: string | null }[]
    }>(await gw.api(`/v1/messages/${toWho}`), 200)
    expect(withdrawn.status).toBe("canceled")
    expect(withdrawn.error?.code).toBe("recipient_opted_out")
    expect(withdrawn.events.at(-1)).toMatchObject({
      status: "canceled",
      detail: "recipient opted out (STOP)",
    })
    expect(
      (await body<{ status: string }>(await gw.api(`/v1/messages/${toOther}`), 200)).status,
    ).toBe("scheduled")
  })

  test("a retry with the same Idempotency-Key gets its first answer after the recipient opted out", async () => {
    const who = "+233241000017"
    const request = { to: who, message: "Your code is 1234" }
    const headers = { "idempotency-key": "otp-17" }
    const first = await body<{ batch_id: string }>(
      await gw.api("/v1/messages", { method: "POST", json: request, headers }),
      202,
    )
    await body(await gw.api("/v1/opt-outs", { method: "POST", json: { number: who } }), 201)
    const retry = await gw.api("/v1/messages", { method: "POST", json: request, headers })
    expect((await body<{ batch_id: string }>(retry, 202)).batch_id).toBe(first.batch_id)
    // A new request (no key) is refused.
    await problem(await send(request), 422, "recipient_opted_out")
  })

  test("a message in flight when its recipient opts out is not retried after a temporary error", async () => {
    const who = "+233241000018"
    smscB.setBehaviour({ responseDelayMs: 300, errorOnSubmit: { status: 0x58 } })
    try {
      const sent = await body<{ messages: { id: string }[] }>(
        await send({ to: who, message: "Flash sale!" }),
        202,
      )
      const id = sent.messages[0]!.id
      await waitFor(() => submitsTo(smscB, who).length > 0, { what: "submit_sm in flight" })
      await body(await gw.api("/v1/opt-outs", { method: "POST", json: { number: who } }), 201)
      const ended = await waitFor(
        async () => {
          const d = await body<{ status: string; error: { code: string } | null }>(
            await gw.api(`/v1/messages/${id}`),
            200,
          )
          return d.status === "canceled" ? d : null
        },
        { what: "canceled after the throttled answer" },
      )
      expect(ended.error?.code).toBe("recipient_opted_out")
      expect(submitsTo(smscB, who).length).toBe(1)
    } finally {
      smscB.setBehaviour({ responseDelayMs: 0, errorOnSubmit: null })
    }
  })

  test("a number that is not a phone number answers invalid_phone_number", async () => {
    const res = await gw.api("/v1/opt-outs", { method: "POST", json: { number: "12" } })
    await problem(res, 422, "invalid_phone_number")
  })
})

describe("numbers and keywords", () => {
  const now = Date.now()
  const account = (id: string) => ({
    id,
    parent_id: ROOT_ACCOUNT,
    kind: "customer" as const,
    full_name: id,
    phone: null,
    country_code: null,
    email: null,
    external_ref: null,
    label: null,
    status: "active" as const,
    currency: "USD",
    created_at: now,
  })

  test("assigning a number and a keyword, refusing a taken one and a reserved word", async () => {
    gw.gateway.store.transaction(() => {
      gw.gateway.store.accounts.insert(account("acc_shop"))
      gw.gateway.store.accounts.insert(account("acc_pizza"))
    })
    const shop = await body<{ id: string; number: string; keyword: null }>(
      await gw.api("/v1/numbers", {
        method: "POST",
        json: { number: "+233 20 000 0002", account_id: "acc_shop" },
      }),
      201,
    )
    expect(shop).toMatchObject({ number: "+233200000002", keyword: null, account_id: "acc_shop" })
    const pizza = await body<{ keyword: string }>(
      await gw.api("/v1/numbers", {
        method: "POST",
        json: { number: "54321", keyword: "pizza", account_id: "acc_pizza" },
      }),
      201,
    )
    expect(pizza.keyword).toBe("PIZZA")
    const taken = await gw.api("/v1/numbers", {
      method: "POST",
      json: { number: "+233200000002", account_id: "acc_pizza" },
    })
    await problem(taken, 409, "number_already_assigned")
    const reserved = await gw.api("/v1/numbers", {
      method: "POST",
      json: { number: "54321", keyword: "STOP" },
    })
    await problem(reserved, 422, "validation_failed")
    const unknown = await gw.api("/v1/numbers", {
      method: "POST",
      json: { number: "54322", account_id: "acc_nobody" },
    })
    await problem(unknown, 422, "validation_failed")
    const noConnector = await gw.api("/v1/numbers", {
      method: "POST",
      json: { number: "54322", connector: "carrier-z" },
    })
    expect(await problem(noConnector, 422, "validation_failed")).toMatchObject({
      code: "validation_failed",
      detail: expect.stringContaining("carrier-a, carrier-b"),
    })
    const list = await body<{ data: { id: string }[] }>(await gw.api("/v1/numbers"), 200)
    expect(list.data.map((n) => n.id)).toContain(shop.id)
  })

  test("an MO belongs to the number's account, or the keyword's, else to root", async () => {
    const store = gw.gateway.store
    expect(
      await smscA.sendMo({
        from: "+233241000005",
        to: "+233200000002",
        text: "Where is my order?",
      }),
    ).toEqual([0])
    expect(
      await smscA.sendMo({ from: "+233241000005", to: "54321", text: "Pizza, large please" }),
    ).toEqual([0])
    expect(await smscA.sendMo({ from: "+233241000006", to: "54321", text: "hello?" })).toEqual([0])

    expect(listInbound(store, "acc_shop", {}).data.map((m) => m.message)).toEqual([
      "Where is my order?",
    ])
    expect(listInbound(store, "acc_pizza", {}).data.map((m) => m.message)).toEqual([
      "Pizza, large please",
    ])
    const root = await body<{ data: { message: string }[] }>(
      await gw.api("/v1/inbound?limit=1000"),
      200,
    )
    const texts = root.data.map((m) => m.message)
    expect(texts).toContain("hello?")
    expect(texts).not.toContain("Where is my order?")
    expect(texts).not.toContain("Pizza, large please")
    // Threads are the owner's too.
    const shopThread = store.conversations.find(
      "acc_shop",
      "+233200000002",
      "carrier-a",
      "+233241000005",
    )
    expect(shopThread?.connector_id).toBe("carrier-a")
  })

  test("STOP to an account's number opts out of that account only", async () => {
    expect(
      await smscA.sendMo({ from: "+233241000005", to: "+233200000002", text: "STOP" }),
    ).toEqual([0])
    const store = gw.gateway.store
    expect(store.optOuts.get("acc_shop", "+233241000005")).toMatchObject({
      source: "keyword",
      keyword: "STOP",
    })
    expect(store.optOuts.get(ROOT_ACCOUNT, "+233241000005")).toBeNull()
    await body(await send({ to: "+233241000005", message: "root may still write" }), 202)
    // The confirmation leaves from the shop's number on the connector the STOP came in on.
    const confirmation = await waitFor(
      () => submitsTo(smscA, "+233241000005").find((s) => s.text === OPT_OUT_CONFIRMATION),
      { what: "shop's confirmation" },
    )
    expect(confirmation.source_addr).toBe("233200000002")
  })

  test("DELETE removes an assignment; the number's next MO falls back to the last sender's account", async () => {
    const list = await body<{ data: { id: string; number: string }[] }>(
      await gw.api("/v1/numbers"),
      200,
    )
    const shop = list.data.find((n) => n.number === "+233200000002")!
    expect((await gw.api(`/v1/numbers/${shop.id}`, { method: "DELETE" })).status).toBe(204)
    expect((await gw.api(`/v1/numbers/${shop.id}`, { method: "DELETE" })).status).toBe(404)
    // Root just messaged +233241000005 (above) but not from this number; the shop did (its
    // opt-out confirmation), so the reply is still the shop's.
    expect(
      await smscA.sendMo({ from: "+233241000005", to: "+233200000002", text: "START" }),
    ).toEqual([0])
    expect(gw.gateway.store.optOuts.get("acc_shop", "+233241000005")).toBeNull()
  })
})

describe("polling GET /v1/inbound while messages arrive", () => {
  test("a poller following next_cursor sees every message exactly once, in arrival order", async () => {
    const start = await body<{ next_cursor: string }>(await gw.api("/v1/inbound?limit=1000"), 200)
    let cursor = start.next_cursor
    const total = 120
    const seen: { id: string; message: string }[] = []
    let injecting = true
    const injected = Promise.all(
      Array.from({ length: total }, (_, i) =>
        smscA.sendMo({
          from: `+23324100${String(1000 + i).padStart(4, "0")}`,
          to: OUR,
          text: `burst ${i}`,
        }),
      ),
    ).finally(() => {
      injecting = false
    })
    const poll = async () => {
      const page = await body<{ data: { id: string; message: string }[]; next_cursor: string }>(
        await gw.api(`/v1/inbound?since=${cursor}&limit=7`),
        200,
      )
      seen.push(...page.data)
      cursor = page.next_cursor
    }
    let pollsDuringInjection = 0
    while (injecting) {
      await poll()
      pollsDuringInjection++
    }
    const answers = await injected
    expect(answers.every((a) => a.length === 1 && a[0] === 0)).toBe(true)
    await waitFor(
      async () => {
        await poll()
        return seen.filter((m) => m.message.startsWith("burst ")).length >= total
      },
      { what: "every burst message polled" },
    )
    expect(pollsDuringInjection).toBeGreaterThan(0)
    const ids = seen.map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    const burst = seen.filter((m) => m.message.startsWith("burst "))
    expect(new Set(burst.map((m) => m.message)).size).toBe(total)
    // The same order as one listing from the start cursor after everything arrived.
    const after = await body<{ data: { id: string }[] }>(
      await gw.api(`/v1/inbound?since=${start.next_cursor}&limit=1000`),
      200,
    )
    expect(ids).toEqual(after.data.map((m) => m.id))
  })
})

describe("the API description", () => {
  test("/openapi.json documents every two-way route with a summary", async () => {
    const doc = (await (await gw.api("/openapi.json")).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>
    }
    const expected: [string, string][] = [
      ["/v1/numbers", "post"],
      ["/v1/numbers", "get"],
      ["/v1/numbers/{id}", "delete"],
      ["/v1/conversations", "get"],
      ["/v1/conversations/{id}", "get"],
      ["/v1/conversations/{id}/messages", "get"],
      ["/v1/conversations/{id}/messages", "post"],
      ["/v1/opt-outs", "get"],
      ["/v1/opt-outs", "post"],
      ["/v1/opt-outs/{number}", "get"],
      ["/v1/opt-outs/{number}", "delete"],
    ]
    for (const [path, method] of expected) {
      // Elysia spells a prefix's root route with a trailing slash.
      const op = (doc.paths[path] ?? doc.paths[`${path}/`])?.[method]
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined()
      expect(op!.summary!.length).toBeGreaterThan(5)
    }
  })
})
