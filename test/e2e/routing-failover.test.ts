// Routes, failover, throttling, retries, priority, expiry and cancel: the real server, real
// SMPP binds to fake SMSCs over TCP, a real SQLite file.
import { afterEach, describe, expect, test } from "bun:test"
import { type FakeSmsc, type FakeSmscOptions, startFakeSmsc } from "../fakes/smsc.ts"
import { connectorView } from "../support/connector-view.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { waitFor } from "../support/wait-for.ts"

interface Detail {
  status: string
  connector: string | null
  attempts: number
  sent_at: string | null
  error: { code: string; detail: string | null } | null
  events: { status: string; detail: string | null; part?: number }[]
}

const CREDENTIALS = [{ system_id: "gw", password: "secret" }]
const open: { close(): Promise<void> }[] = []

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close()
})

async function smsc(options: FakeSmscOptions = {}): Promise<FakeSmsc> {
  const s = await startFakeSmsc({
    credentials: CREDENTIALS,
    receipts: "auto",
    receiptDelayMs: 5,
    ...options,
  })
  open.push(s)
  return s
}

function smppConnector(id: string, port: number, extra = ""): string {
  return `
[[connectors]]
id = "${id}"
type = "smpp"
host = "127.0.0.1"
port = ${port}
system_id = "gw"
password = "secret"
sessions = 1
window = 5
tps = 1000
reconnect_min_s = 0.05
reconnect_max_s = 0.2
response_timeout_s = 1
${extra}`
}

async function gateway(toml: string): Promise<TestGateway> {
  const gw = await startGateway(`${toml}
[queue]
max_attempts = 3
retry_base_ms = 20
retry_cap_ms = 100
`)
  open.push({ close: () => gw.stop() })
  return gw
}

/** A gateway with one SMPP connector "carrier-a" on `a`, bound. */
async function oneCarrier(a: FakeSmsc): Promise<TestGateway> {
  const gw = await gateway(`${smppConnector("carrier-a", a.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
`)
  await waitFor(async () => (await connectorView(gw, "carrier-a")).usable, {
    what: "carrier-a bound",
  })
  return gw
}

async function send(gw: TestGateway, json: Record<string, unknown>): Promise<string[]> {
  const res = await gw.api("/v1/messages", { method: "POST", json })
  expect(res.status).toBe(202)
  return ((await res.json()) as { messages: { id: string }[] }).messages.map((m) => m.id)
}

async function detail(gw: TestGateway, id: string): Promise<Detail> {
  return (await (await gw.api(`/v1/messages/${id}`)).json()) as Detail
}

async function final(gw: TestGateway, id: string): Promise<Detail> {
  return waitFor(
    async () => {
      const d = await detail(gw, id)
      return ["delivered", "failed", "expired", "canceled"].includes(d.status) ? d : null
    },
    { what: `final status of ${id}` },
  )
}

describe("routes", () => {
  test("GET /v1/routes lists routes most specific first; POST /v1/routes/test explains the choice", async () => {
    const a = await smsc()
    const gw = await gateway(`${smppConnector("carrier-a", a.port)}
[[connectors]]
id = "sim"
type = "simulator"
[[routes]]
prefix = "*"
connectors = ["sim"]
[[routes]]
name = "ghana"
country = "GH"
connectors = ["carrier-a", "sim"]
[[routes]]
prefix = "+23320"
connectors = ["sim"]
[[routes]]
prefix = "+233"
from = "ACME"
connectors = ["sim", "carrier-a"]
weights = [1, 1]
`)
    await waitFor(async () => (await connectorView(gw, "carrier-a")).usable, {
      what: "carrier-a bound",
    })
    const routes = (await (await gw.api("/v1/routes")).json()) as {
      data: { name: string; mode: string }[]
    }
    expect(routes.data.map((r) => r.name)).toEqual(["+233 from=ACME", "+23320", "ghana", "*"])
    expect(routes.data[0]!.mode).toBe("weighted")

    const test = async (json: Record<string, unknown>) =>
      (await (await gw.api("/v1/routes/test", { method: "POST", json })).json()) as {
        route: string | null
        connector: string | null
        reason: string
      }
    // The longer prefix beats the country; the country beats the catch-all.
    expect(await test({ to: "+233201234567" })).toMatchObject({ route: "+23320", connector: "sim" })
    expect(await test({ to: "+233241234567" })).toMatchObject({
      route: "ghana",
      connector: "carrier-a",
    })
    expect(await test({ to: "+4915123456789" })).toMatchObject({ route: "*", connector: "sim" })
    // A sender-narrowed route wins over a longer prefix.
    expect(await test({ to: "+233201234567", from: "ACME" })).toMatchObject({
      route: "+233 from=ACME",
    })
    // A dry run leaves the weighted rotation alone: asking twice gives the same answer.
    const first = await test({ to: "+233201234567", from: "ACME" })
    expect((await test({ to: "+233201234567", from: "ACME" })).connector).toBe(first.connector)

    const bad = await gw.api("/v1/routes/test", { method: "POST", json: { to: "12" } })
    expect(bad.status).toBe(422)
    expect(((await bad.json()) as { code: string }).code).toBe("invalid_phone_number")
  })

  test("weights share traffic in proportion between usable connectors", async () => {
    const a = await smsc()
    const b = await smsc()
    const gw =
      await gateway(`${smppConnector("carrier-a", a.port)}${smppConnector("carrier-b", b.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a", "carrier-b"]
weights = [3, 1]
`)
    await waitFor(
      async () =>
        (await connectorView(gw, "carrier-a")).usable &&
        (await connectorView(gw, "carrier-b")).usable,
      { what: "both bound" },
    )
    const ids = await send(gw, {
      to: Array.from({ length: 40 }, (_, i) => `+23324${String(1000000 + i)}`),
      message: "share",
    })
    for (const id of ids) expect((await final(gw, id)).status).toBe("delivered")
    expect(a.counters.submits).toBe(30)
    expect(b.counters.submits).toBe(10)
  })
})

describe("health and failover", () => {
  test("a connector that cannot bind is skipped; its route fails over and says so", async () => {
    const a = await smsc({ rejectBind: true })
    const b = await smsc()
    const gw =
      await gateway(`${smppConnector("carrier-a", a.port)}${smppConnector("carrier-b", b.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a", "carrier-b"]
`)
    await waitFor(async () => (await connectorView(gw, "carrier-b")).usable, {
      what: "carrier-b bound",
    })
    expect((await connectorView(gw, "carrier-a")).usable).toBe(false)
    const [id] = await send(gw, { to: "+233241234567", message: "failover" })
    const m = await final(gw, id!)
    expect(m.status).toBe("delivered")
    expect(m.connector).toBe("carrier-b")
    expect(m.events.find((e) => e.status === "sending")!.detail).toMatch(
      /→ carrier-b \(failover: carrier-a /,
    )
    expect(a.counters.submits).toBe(0)
    expect(b.counters.submits).toBe(1)
  })

  test("a temporary error retries on the next connector of the route", async () => {
    const a = await smsc({ errorOnSubmit: { status: 0x08 } })
    const b = await smsc()
    const gw =
      await gateway(`${smppConnector("carrier-a", a.port)}${smppConnector("carrier-b", b.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a", "carrier-b"]
`)
    await waitFor(
      async () =>
        (await connectorView(gw, "carrier-a")).usable &&
        (await connectorView(gw, "carrier-b")).usable,
      { what: "both bound" },
    )
    const [id] = await send(gw, { to: "+233241234567", message: "retry elsewhere" })
    const m = await final(gw, id!)
    expect(m.status).toBe("delivered")
    expect(m.connector).toBe("carrier-b")
    expect(m.attempts).toBe(2)
    const sending = m.events.filter((e) => e.status === "sending").map((e) => e.detail)
    expect(sending[0]).toMatch(/→ carrier-a/)
    expect(sending[1]).toMatch(/→ carrier-b .*retry after carrier-a failed: ESME_RSYSERR/)
    expect(m.events.some((e) => e.status === "queued" && /ESME_RSYSERR/.test(e.detail ?? ""))).toBe(
      true,
    )
  })

  test("a connector that goes down loses its traffic to the next; once it rebinds it takes traffic again", async () => {
    let a = await smsc()
    const b = await smsc()
    const port = a.port
    const gw =
      await gateway(`${smppConnector("carrier-a", port)}${smppConnector("carrier-b", b.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a", "carrier-b"]
`)
    await waitFor(
      async () =>
        (await connectorView(gw, "carrier-a")).usable &&
        (await connectorView(gw, "carrier-b")).usable,
      { what: "both bound" },
    )
    const [first] = await send(gw, { to: "+233241234567", message: "one" })
    expect((await final(gw, first!)).connector).toBe("carrier-a")

    await a.close()
    await waitFor(async () => !(await connectorView(gw, "carrier-a")).usable, {
      what: "carrier-a unusable",
    })
    const [second] = await send(gw, { to: "+233241234567", message: "two" })
    const m2 = await final(gw, second!)
    expect(m2.connector).toBe("carrier-b")
    expect(m2.events.find((e) => e.status === "sending")!.detail).toMatch(/failover: carrier-a/)

    a = await smsc({ port })
    await waitFor(async () => (await connectorView(gw, "carrier-a")).usable, {
      what: "carrier-a bound again",
    })
    const [third] = await send(gw, { to: "+233241234567", message: "three" })
    expect((await final(gw, third!)).connector).toBe("carrier-a")
    expect(a.counters.submits).toBe(1)
  })

  test("a dropped bind with submits outstanding re-queues them; every message is delivered", async () => {
    const a = await smsc({ dropAfterSubmits: 3 })
    const gw = await gateway(`${smppConnector("carrier-a", a.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
`)
    await waitFor(async () => (await connectorView(gw, "carrier-a")).usable, {
      what: "carrier-a bound",
    })
    const to = Array.from({ length: 20 }, (_, i) => `+23324${String(2000000 + i)}`)
    const ids = await send(gw, { to, message: "drop" })
    // Receipts due on the dropped session come on the next bind (the SMSC stores them).
    const settled = await waitFor(
      async () => {
        const all = await Promise.all(ids.map((id) => detail(gw, id)))
        return all.every((m) => m.status === "delivered") ? all : null
      },
      { what: "every message delivered" },
    )
    // The submits on the wire when the bind dropped were retried, not failed...
    const retried = settled.filter((m) =>
      m.events.some((e) => e.status === "queued" && /connection/.test(e.detail ?? "")),
    )
    expect(retried.length).toBeGreaterThan(0)
    for (const m of retried) expect(m.attempts).toBe(2)
    // ...and every destination reached the SMSC.
    const seen = new Set(a.submits.map((p) => `+${p.destination_addr}`))
    expect(to.filter((n) => !seen.has(n))).toEqual([])
  })

  test("throttling (ESME_RTHROTTLED) slows down and never fails a message or spends its retries", async () => {
    const a = await smsc({ throttleAbove: 20 })
    const gw = await oneCarrier(a)
    const ids = await send(gw, {
      to: Array.from({ length: 60 }, (_, i) => `+23324${String(3000000 + i)}`),
      message: "throttle",
    })
    const finals = await Promise.all(ids.map((id) => final(gw, id)))
    expect(finals.every((m) => m.status === "delivered")).toBe(true)
    const throttled = finals.filter((m) =>
      m.events.some((e) => /ESME_RTHROTTLED/.test(e.detail ?? "")),
    )
    expect(throttled.length).toBeGreaterThan(0)
    // max_attempts is 3, yet a throttled message may have been throttled more often than that.
    for (const m of throttled) expect(m.attempts).toBeLessThanOrEqual(3)
  })

  test("a permanent error fails at once with the carrier's code kept", async () => {
    const a = await smsc({ errorOnSubmit: { status: 0x0b } })
    const gw = await oneCarrier(a)
    const [id] = await send(gw, { to: "+233241234567", message: "bad destination" })
    const m = await final(gw, id!)
    expect(m.status).toBe("failed")
    expect(m.attempts).toBe(1)
    expect(m.error!.code).toBe("ESME_RINVDSTADR")
  })

  test("temporary errors past the retry budget end failed with retries_exhausted", async () => {
    const a = await smsc({ errorOnSubmit: { status: 0x08 } })
    const gw = await oneCarrier(a)
    const [id] = await send(gw, { to: "+233241234567", message: "never" })
    const m = await final(gw, id!)
    expect(m.status).toBe("failed")
    expect(m.error!.code).toBe("retries_exhausted")
    expect(m.attempts).toBe(3)
    expect(a.counters.submits).toBe(3)
  })
})

describe("priority, expiry and cancel", () => {
  test("an OTP at priority 10 jumps a bulk backlog at priority 1", async () => {
    const a = await smsc()
    const gw = await gateway(
      smppConnector("carrier-a", a.port, "tps = 50").replace("tps = 1000\n", ""),
    )
    await waitFor(async () => (await connectorView(gw, "carrier-a")).usable, { what: "bound" })
    const bulk = await send(gw, {
      to: Array.from({ length: 100 }, (_, i) => `+23324${String(4000000 + i)}`),
      message: "bulk",
      priority: 1,
    })
    const [otp] = await send(gw, {
      to: "+233201111111",
      message: "Your code is 123456",
      priority: 10,
    })
    const o = await final(gw, otp!)
    expect(o.status).toBe("delivered")
    const otpSent = Date.parse(o.sent_at!)
    const bulkDetails = await Promise.all(bulk.map((id) => detail(gw, id)))
    const bulkBefore = bulkDetails.filter(
      (m) => m.sent_at !== null && Date.parse(m.sent_at) < otpSent,
    ).length
    // Only what was already claimed or in the connector's own queue (window × 2) went first.
    expect(bulkBefore).toBeLessThan(30)
  })

  test("validity ends a message that could not be sent in time as expired", async () => {
    const a = await smsc({ rejectBind: true })
    const gw = await gateway(`${smppConnector("carrier-a", a.port)}
[[routes]]
prefix = "*"
connectors = ["carrier-a"]
`)
    const [id] = await send(gw, { to: "+233241234567", message: "short-lived", validity: 1 })
    const m = await final(gw, id!)
    expect(m.status).toBe("expired")
    expect(m.error!.code).toBe("expired")
    expect(m.events.map((e) => e.status)).toEqual(["queued", "expired"])
    const bad = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233241234567", message: "x", validity: 0 },
    })
    expect(bad.status).toBe(422)
  })

  test("cancel ends a scheduled message; a final one answers 409; another id 404", async () => {
    const gw = await gateway("")
    const at = new Date(Date.now() + 3_600_000).toISOString()
    const [id] = await send(gw, { to: "+233241234567", message: "later", scheduled_at: at })
    const res = await gw.api(`/v1/messages/${id}/cancel`, { method: "POST" })
    expect(res.status).toBe(200)
    const body = (await res.json()) as Detail
    expect(body.status).toBe("canceled")
    expect(body.events.map((e) => e.status)).toEqual(["scheduled", "canceled"])
    const again = await gw.api(`/v1/messages/${id}/cancel`, { method: "POST" })
    expect(again.status).toBe(409)
    expect(((await again.json()) as { code: string }).code).toBe("message_not_cancellable")
    expect((await gw.api("/v1/messages/msg_nope/cancel", { method: "POST" })).status).toBe(404)
  })
})

describe("observability", () => {
  test("GET /v1/connectors and GET /metrics report state, counters and latencies", async () => {
    const a = await smsc()
    const gw = await oneCarrier(a)
    const [id] = await send(gw, { to: "+233241234567", message: "count me" })
    expect((await final(gw, id!)).status).toBe("delivered")
    const list = (await (await gw.api("/v1/connectors")).json()) as {
      data: Record<string, unknown>[]
    }
    expect(list.data[0]).toMatchObject({
      id: "carrier-a",
      type: "smpp",
      state: "bound",
      usable: true,
      counters: { sent: 1 },
    })
    const metrics = await gw.api("/metrics")
    expect(metrics.headers.get("content-type")).toContain("text/plain")
    const text = await metrics.text()
    expect(text).toContain('signalbox_messages_accepted_total{status="queued"} 1')
    expect(text).toContain('signalbox_submits_total{connector="carrier-a",result="sent"} 1')
    expect(text).toContain('signalbox_receipts_total{connector="carrier-a",state="delivered"} 1')
    expect(text).toContain('signalbox_connector_state{connector="carrier-a",state="bound"} 1')
    expect(text).toMatch(/signalbox_accept_latency_seconds_count 1/)
    expect(text).toMatch(/signalbox_submit_latency_seconds_count\{connector="carrier-a"\} 1/)
    expect((await gw.api("/metrics", { key: null })).status).toBe(401)
  })
})
