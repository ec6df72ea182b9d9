// Credits through the real server: prices, reserve at accept, capture on sent, release on
// failure before sending / expiry / cancel, top-ups and take-backs, partner transfers, and
// many parallel sends against a small balance. Balances always equal the ledger's sums.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import {
  type Balance,
  balanceOf,
  body,
  createCustomer,
  type LedgerEntry,
  ledgerMismatches,
  ledgerOf,
  ledgerSums,
  problem,
  sendAs,
  type Tenant,
} from "../support/tenants.ts"
import { waitFor } from "../support/wait-for.ts"

const GH = "+233201234567" // 2 credits per segment (below)
const NG = "+2348031234567" // the default: 1
const UK = "+447911123456" // → a carrier that refuses every submit for good
const DE = "+4915123456789" // → a carrier that never binds (messages wait, then expire)
const FR = "+33612345678" // → a simulator whose receipts all say UNDELIV
const ES = "+34612345678" // → a carrier that refuses every second part
const PT = "+351912345678" // → a carrier that throttles every second part (then all, below)

let gw: TestGateway
let refusing: FakeSmsc
let half: FakeSmsc
let throttling: FakeSmsc

interface Sent {
  batch_id: string
  credits: number
  messages: { id: string; segments: number }[]
}

beforeAll(async () => {
  refusing = await startFakeSmsc({ errorOnSubmit: { status: 0x0b }, receipts: "none" })
  half = await startFakeSmsc({ errorOnSubmit: { status: 0x0b, fraction: 0.5 }, receipts: "none" })
  // 0x58 ESME_RTHROTTLED: temporary, the part is retried later.
  throttling = await startFakeSmsc({
    errorOnSubmit: { status: 0x58, fraction: 0.5 },
    receipts: "none",
  })
  const smpp = (id: string, port: number) => `
[[connectors]]
id = "${id}"
type = "smpp"
host = "127.0.0.1"
port = ${port}
system_id = "gw"
password = "secret"
reconnect_min_s = 0.05
reconnect_max_s = 0.5
`
  gw = await startGateway(`
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 10
[[connectors]]
id = "undeliv"
type = "simulator"
delivery_delay_ms = 10
failure_rate = 1
${smpp("refusing", refusing.port)}
${smpp("half", half.port)}
${smpp("throttling", throttling.port)}
${smpp("dead", 1)}
[[routes]]
prefix = "*"
connectors = ["sim"]
[[routes]]
prefix = "+44"
connectors = ["refusing"]
[[routes]]
prefix = "+34"
connectors = ["half"]
[[routes]]
prefix = "+351"
connectors = ["throttling"]
[[routes]]
prefix = "+49"
connectors = ["dead"]
[[routes]]
prefix = "+33"
connectors = ["undeliv"]
`)
  await body(
    await gw.api("/v1/prices", { method: "PUT", json: { default: 1, countries: { GH: 2 } } }),
    200,
  )
  await waitFor(
    async () => {
      const list: { data: { id: string; state: string }[] } = await body(
        await gw.api("/v1/connectors"),
        200,
      )
      return ["refusing", "half", "throttling"].every(
        (id) => list.data.find((c) => c.id === id)?.state === "bound",
      )
    },
    { what: "binds" },
  )
})
afterAll(async () => {
  await gw?.stop()
  await refusing?.close()
  await half?.close()
  await throttling?.close()
})

async function status(
  key: string,
  id: string,
): Promise<{ status: string; error: { code: string } | null }> {
  return body(await gw.api(`/v1/messages/${id}`, { key }), 200)
}

async function finalStatus(
  key: string,
  id: string,
  want: string[] = ["delivered", "failed", "expired", "canceled"],
) {
  return waitFor(
    async () => {
      const m = await status(key, id)
      return want.includes(m.status) ? m : null
    },
    { what: `${id} final` },
  )
}

/** The balance equals the ledger's sums, through the API. */
async function expectBalanced(t: Tenant): Promise<{ balance: Balance; ledger: LedgerEntry[] }> {
  const balance = await balanceOf(gw, t.key)
  const ledger = await ledgerOf(gw, t.key)
  expect(ledgerSums(ledger)).toEqual({
    sms_credits: balance.sms_credits,
    wallet_balance: balance.wallet_balance,
    reserved: balance.reserved,
  })
  return { balance, ledger }
}

/**
 * A two-part message that cost 2 of the customer's 10 credits ended with one part sent: that
 * part captured, the other's credit released, nothing left reserved, the ledger balanced.
 */
async function expectOnePartPaid(t: Tenant): Promise<void> {
  const { balance, ledger } = await expectBalanced(t)
  expect(balance).toMatchObject({ sms_credits: 9, reserved: 0 })
  expect(
    ledger
      .slice(0, 2)
      .map((e) => [e.kind, e.amount, e.reserved_change])
      .sort(),
  ).toEqual([
    ["capture", 0, -1],
    ["release", 1, -1],
  ])
}

describe("prices", () => {
  test("GET /v1/prices shows the table; PUT replaces it (operator only)", async () => {
    const shop = await createCustomer(gw)
    expect(await body(await gw.api("/v1/prices", { key: shop.key }), 200)).toEqual({
      default: 1,
      countries: { GH: 2 },
    })
    await problem(
      await gw.api("/v1/prices", {
        method: "PUT",
        key: shop.key,
        json: { default: 0, countries: {} },
      }),
      403,
      "forbidden",
    )
    const unknown = await problem(
      await gw.api("/v1/prices", {
        method: "PUT",
        json: { default: 1, countries: { XX: 2, NG: 1 } },
      }),
      422,
      "validation_failed",
    )
    expect(unknown.errors?.map((e) => e.path)).toEqual(["/countries/XX"])
    await problem(
      await gw.api("/v1/prices", { method: "PUT", json: { default: 1, countries: { gh: -1 } } }),
      422,
      "validation_failed",
    )
    await problem(
      await gw.api("/v1/prices", { method: "PUT", json: { countries: {} } }),
      422,
      "validation_failed",
    )
    expect(await body(await gw.api("/v1/prices"), 200)).toEqual({
      default: 1,
      countries: { GH: 2 },
    })
  })
})

describe("sending spends credits", () => {
  test("accept reserves segments × price per recipient; sent captures; the ledger explains it", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 20 })
    const sent = await body<Sent>(
      await sendAs(gw, shop.key, { to: [GH, NG], message: "x".repeat(200) }),
      202,
    )
    // 2 segments: GH 2 × 2 + NG 2 × 1.
    expect(sent.messages.map((m) => m.segments)).toEqual([2, 2])
    expect(sent.credits).toBe(6)
    expect((await balanceOf(gw, shop.key)).sms_credits).toBe(14)
    for (const m of sent.messages) await finalStatus(shop.key, m.id)
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 14, reserved: 0 })
    const kinds = ledger.map((e) => [e.kind, e.amount, e.reserved_change, e.message_id]).reverse()
    expect(kinds[0]).toEqual(["topup", 20, 0, null])
    expect(kinds[1]).toEqual(["reserve", -6, 6, null])
    expect(kinds.slice(2).sort()).toEqual(
      [
        ["capture", 0, -2, sent.messages[1]!.id],
        ["capture", 0, -4, sent.messages[0]!.id],
      ].sort(),
    )
    expect(ledger.find((e) => e.kind === "reserve")?.batch_id).toBe(sent.batch_id)
  })

  test("an opt-out withdraws a paying account's scheduled message and releases its credits", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const later = new Date(Date.now() + 3_600_000).toISOString()
    const sent = await body<Sent>(
      await sendAs(gw, shop.key, { to: GH, message: "tomorrow", scheduled_at: later }),
      202,
    )
    expect((await balanceOf(gw, shop.key)).reserved).toBe(2)
    await body(
      await gw.api("/v1/opt-outs", { method: "POST", key: shop.key, json: { number: GH } }),
      201,
    )
    const m = await finalStatus(shop.key, sent.messages[0]!.id)
    expect(m.status).toBe("canceled")
    expect(m.error?.code).toBe("recipient_opted_out")
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 10, reserved: 0 })
    expect(ledger.map((e) => e.kind).reverse()).toEqual(["topup", "reserve", "release"])
    expect(ledgerMismatches(gw.dbPath)).toEqual([])
  })

  test("an account without enough credits gets 402 and nothing of the batch is queued", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 3 })
    const p = await problem(
      await sendAs(gw, shop.key, { to: [GH, GH], message: "hi" }),
      402,
      "insufficient_credits",
    )
    expect(p).toMatchObject({ available: 3, required: 4, unit: "credits" })
    const list: { data: unknown[] } = await body(
      await gw.api("/v1/messages", { key: shop.key }),
      200,
    )
    expect(list.data).toEqual([])
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 3, reserved: 0 })
    expect(ledger.map((e) => e.kind)).toEqual(["topup"])
    // What it can pay goes through.
    expect(
      (await body<Sent>(await sendAs(gw, shop.key, { to: [GH, NG], message: "hi" }), 202)).credits,
    ).toBe(3)
  })

  test("a 402 is not stored under the Idempotency-Key: the retry after a top-up goes through", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 1 })
    const send = () =>
      gw.api("/v1/messages", {
        method: "POST",
        key: shop.key,
        headers: { "idempotency-key": "k1" },
        json: { to: GH, message: "hi" },
      })
    await problem(await send(), 402, "insufficient_credits")
    await body(
      await gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        json: { amount: 5, reason: "top-up" },
      }),
      200,
    )
    const first = await body<Sent>(await send(), 202)
    const replay = await send()
    expect(replay.headers.get("idempotent-replayed")).toBe("true")
    expect(((await replay.json()) as Sent).batch_id).toBe(first.batch_id)
    expect((await balanceOf(gw, shop.key)).sms_credits).toBe(4)
  })

  test("canceling a scheduled message releases its credits", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const at = new Date(Date.now() + 3_600_000).toISOString()
    const sent = await body<Sent>(
      await sendAs(gw, shop.key, { to: GH, message: "later", scheduled_at: at }),
      202,
    )
    expect(await balanceOf(gw, shop.key)).toMatchObject({ sms_credits: 8, reserved: 2 })
    await body(
      await gw.api(`/v1/messages/${sent.messages[0]!.id}/cancel`, {
        method: "POST",
        key: shop.key,
      }),
      200,
    )
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 10, reserved: 0 })
    expect(ledger[0]).toMatchObject({
      kind: "release",
      amount: 2,
      reserved_change: -2,
      message_id: sent.messages[0]!.id,
    })
  })

  test("a message that expires before it could be sent releases its credits", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const sent = await body<Sent>(
      await sendAs(gw, shop.key, { to: DE, message: "never", validity: 1 }),
      202,
    )
    expect(await balanceOf(gw, shop.key)).toMatchObject({ sms_credits: 9, reserved: 1 })
    await finalStatus(shop.key, sent.messages[0]!.id, ["expired"])
    const { balance } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 10, reserved: 0 })
  })

  test("a carrier's permanent refusal (failed before sending) releases the credits", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const sent = await body<Sent>(await sendAs(gw, shop.key, { to: UK, message: "refused" }), 202)
    const m = await finalStatus(shop.key, sent.messages[0]!.id)
    expect(m.status).toBe("failed")
    expect(m.error?.code).toBe("ESME_RINVDSTADR")
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 10, reserved: 0 })
    expect(ledger[0]).toMatchObject({ kind: "release", amount: 1 })
  })

  test("a multi-part message refused half-way pays for the part the carrier took", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const sent = await body<Sent>(
      await sendAs(gw, shop.key, { to: ES, message: "y".repeat(200) }),
      202,
    )
    expect(sent.credits).toBe(2)
    expect((await finalStatus(shop.key, sent.messages[0]!.id)).status).toBe("failed")
    await expectOnePartPaid(shop)
  })

  // The part a carrier took fails (UNDELIV) while the other waits to be retried: the message
  // ends failed, the part sent is paid for, the waiting one's credit goes back (receipts.ts).
  test("a part failed by its receipt while another waits for a retry: one captured, one released", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const sent = await body<Sent>(
      await sendAs(gw, shop.key, { to: PT, message: "z".repeat(200) }),
      202,
    )
    const id = sent.messages[0]!.id
    expect(sent.credits).toBe(2)
    // Part 1 accepted, part 2 throttled: the message waits for its retry.
    const carrierId = await waitFor(
      async () => {
        const m = await body<{
          status: string
          parts: { index: number; carrier_message_id: string | null }[]
        }>(await gw.api(`/v1/messages/${id}`, { key: shop.key }), 200)
        return m.status === "queued" ? m.parts.find((p) => p.index === 0)?.carrier_message_id : null
      },
      { what: "part 1 sent, part 2 waiting for a retry" },
    )
    // Every retry is throttled from now on, so part 2 is still waiting when the receipt comes.
    throttling.setBehaviour({ errorOnSubmit: { status: 0x58 } })
    expect(throttling.sendReceipt(carrierId!, "UNDELIV")).toBe(true)
    expect((await finalStatus(shop.key, id)).status).toBe("failed")
    await expectOnePartPaid(shop)
  })

  test("a failure reported after sent (UNDELIV receipt) keeps the credits charged", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 10 })
    const sent = await body<Sent>(await sendAs(gw, shop.key, { to: FR, message: "lost" }), 202)
    const m = await finalStatus(shop.key, sent.messages[0]!.id)
    expect(m.status).toBe("failed")
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 9, reserved: 0 })
    expect(ledger.map((e) => e.kind)).toEqual(["capture", "reserve", "topup"])
  })

  test("the operator is unmetered: it sends without a balance and leaves no ledger", async () => {
    const sent = await body<Sent>(
      await gw.api("/v1/messages", { method: "POST", json: { to: [GH, NG], message: "hi" } }),
      202,
    )
    expect(sent.credits).toBe(3)
    expect(await body(await gw.api("/v1/balance"), 200)).toEqual({
      sms_credits: 0,
      wallet_balance: 0,
      currency: "USD",
      reserved: 0,
      metered: false,
    })
    expect((await body<{ data: unknown[] }>(await gw.api("/v1/ledger"), 200)).data).toEqual([])
  })
})

describe("POST /v1/customers/{id}/credits", () => {
  test("tops up, takes back, never below zero; each movement is an entry", async () => {
    const shop = await createCustomer(gw, { external_ref: "topup-1" })
    const up = await body<{ balance: Balance; entry: LedgerEntry }>(
      await gw.api("/v1/customers/topup-1/credits", {
        method: "POST",
        json: { amount: 50, reason: "invoice 7" },
      }),
      200,
    )
    expect(up.balance.sms_credits).toBe(50)
    expect(up.entry).toMatchObject({
      kind: "topup",
      unit: "credits",
      amount: 50,
      balance_after: 50,
      reason: "invoice 7",
      counterparty_id: null,
    })
    const down = await body<{ balance: Balance; entry: LedgerEntry }>(
      await gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        json: { amount: -20, reason: "refund" },
      }),
      200,
    )
    expect(down.balance.sms_credits).toBe(30)
    expect(down.entry).toMatchObject({ kind: "deduct", amount: -20, balance_after: 30 })
    const p = await problem(
      await gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        json: { amount: -31, reason: "too much" },
      }),
      402,
      "insufficient_credits",
    )
    expect(p).toMatchObject({ available: 30, required: 31 })
    const wallet = await body<{ balance: Balance }>(
      await gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        json: { amount: 1250, reason: "card", unit: "wallet" },
      }),
      200,
    )
    expect(wallet.balance).toMatchObject({ sms_credits: 30, wallet_balance: 1250 })
    await problem(
      await gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        json: { amount: 0, reason: "nothing" },
      }),
      422,
      "validation_failed",
    )
    await problem(
      await gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        json: { amount: 1.5, reason: "half" },
      }),
      422,
      "validation_failed",
    )
    await problem(
      await gw.api(`/v1/customers/${shop.id}/credits`, { method: "POST", json: { amount: 1 } }),
      422,
      "validation_failed",
    )
    const { ledger } = await expectBalanced(shop)
    expect(ledger.map((e) => e.kind)).toEqual(["topup", "deduct", "topup"])
  })

  test("an Idempotency-Key makes a retried top-up count once", async () => {
    const shop = await createCustomer(gw)
    const topUp = (amount: number) =>
      gw.api(`/v1/customers/${shop.id}/credits`, {
        method: "POST",
        headers: { "idempotency-key": "pay-1" },
        json: { amount, reason: "payment 1" },
      })
    const first = await body<{ entry: LedgerEntry }>(await topUp(40), 200)
    const again = await topUp(40)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(((await again.json()) as { entry: LedgerEntry }).entry.id).toBe(first.entry.id)
    await problem(await topUp(41), 409, "idempotency_conflict")
    expect((await balanceOf(gw, shop.key)).sms_credits).toBe(40)
  })

  test("a partner funds its customers from its own credits and gets them back", async () => {
    const partner = await createCustomer(gw, { kind: "partner", initial_sms_credits: 100 })
    const sub = await createCustomer(gw, {}, partner.key)
    const moved = await body<{ entry: LedgerEntry }>(
      await gw.api(`/v1/customers/${sub.id}/credits`, {
        method: "POST",
        key: partner.key,
        json: { amount: 30, reason: "monthly" },
      }),
      200,
    )
    expect(moved.entry.counterparty_id).toBe(partner.id)
    expect((await balanceOf(gw, partner.key)).sms_credits).toBe(70)
    await body(
      await gw.api(`/v1/customers/${sub.id}/credits`, {
        method: "POST",
        key: partner.key,
        json: { amount: -10, reason: "unused" },
      }),
      200,
    )
    expect((await balanceOf(gw, partner.key)).sms_credits).toBe(80)
    expect((await balanceOf(gw, sub.key)).sms_credits).toBe(20)
    await problem(
      await gw.api(`/v1/customers/${sub.id}/credits`, {
        method: "POST",
        key: partner.key,
        json: { amount: 81, reason: "more than it has" },
      }),
      402,
      "insufficient_credits",
    )
    const partnerLedger = await ledgerOf(gw, partner.key)
    expect(partnerLedger.slice(0, 2).map((e) => [e.kind, e.amount, e.counterparty_id])).toEqual([
      ["topup", 10, sub.id],
      ["deduct", -30, sub.id],
    ])
    // The partner reads its customer's ledger too.
    expect((await ledgerOf(gw, partner.key, sub.id)).map((e) => e.kind)).toEqual([
      "deduct",
      "topup",
    ])
    await expectBalanced(partner)
    await expectBalanced(sub)
  })
})

describe("GET /v1/ledger", () => {
  test("following next_cursor with a small ?limit= until null gives every entry once, newest first", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 1 })
    for (let amount = 1; amount <= 10; amount++) {
      await body(
        await gw.api(`/v1/customers/${shop.id}/credits`, {
          method: "POST",
          json: { amount, reason: `top-up ${amount}` },
        }),
        200,
      )
    }
    const pages: LedgerEntry[][] = []
    let cursor: string | null = null
    do {
      const params = new URLSearchParams({ limit: "3" })
      if (cursor) params.set("cursor", cursor)
      const page: { data: LedgerEntry[]; next_cursor: string | null } = await body(
        await gw.api(`/v1/ledger?${params}`, { key: shop.key }),
        200,
      )
      pages.push(page.data)
      cursor = page.next_cursor
    } while (cursor)
    // 11 entries: the initial credit and ten top-ups.
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 2])
    const entries = pages.flat()
    expect(new Set(entries.map((e) => e.id)).size).toBe(11)
    expect(entries.every((e) => e.account_id === shop.id)).toBe(true)
    expect(entries.map((e) => e.amount)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1])
    expect(entries.map((e) => e.balance_after)).toEqual([56, 46, 37, 29, 22, 16, 11, 7, 4, 2, 1])
    // The same entries, in the same order, as one page.
    expect(entries.map((e) => e.id)).toEqual((await ledgerOf(gw, shop.key)).map((e) => e.id))
  })
})

describe("concurrency", () => {
  test("many parallel sends against a small balance never overspend", async () => {
    const shop = await createCustomer(gw, { initial_sms_credits: 25 })
    // 60 requests at once: singles to GH (2 credits) and NG (1), and pairs (3).
    const requests = Array.from({ length: 60 }, (_, i) => {
      const to = i % 3 === 0 ? GH : i % 3 === 1 ? NG : [GH, NG]
      return sendAs(gw, shop.key, { to, message: `parallel ${i}` })
    })
    const answers = await Promise.all(requests)
    const accepted: Sent[] = []
    for (const res of answers) {
      expect([202, 402]).toContain(res.status)
      if (res.status === 202) accepted.push((await res.json()) as Sent)
      else expect(((await res.json()) as { code: string }).code).toBe("insufficient_credits")
    }
    const spent = accepted.reduce((sum, s) => sum + s.credits, 0)
    expect(spent).toBeLessThanOrEqual(25)
    // Every request fitted until the balance could not pay the cheapest one any more.
    expect(spent).toBeGreaterThanOrEqual(24)
    const ids = accepted.flatMap((s) => s.messages.map((m) => m.id))
    for (const id of ids) await finalStatus(shop.key, id)
    const { balance, ledger } = await expectBalanced(shop)
    expect(balance).toMatchObject({ sms_credits: 25 - spent, reserved: 0 })
    expect(balance.sms_credits).toBeGreaterThanOrEqual(0)
    expect(ledger.filter((e) => e.kind === "reserve").length).toBe(accepted.length)
    expect(ledger.filter((e) => e.kind === "capture").length).toBe(ids.length)
    const list: { data: unknown[] } = await body(
      await gw.api("/v1/messages?limit=1000", { key: shop.key }),
      200,
    )
    expect(list.data.length).toBe(ids.length)
  })

  test("every balance in the database equals its ledger and none is negative", () => {
    expect(ledgerMismatches(gw.dbPath)).toEqual([])
  })
})
