// The message API against the built-in simulator connector, over a real socket.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { waitFor } from "../support/wait-for.ts"

let gw: TestGateway

beforeAll(async () => {
  gw = await startGateway(`
[[connectors]]
id = "sim"
type = "simulator"
delivery_delay_ms = 20
`)
})
afterAll(async () => {
  await gw.stop()
})

interface Detail {
  id: string
  status: string
  to: string
  from: string | null
  segments: number
  encoding: string
  connector: string | null
  carrier_message_id: string | null
  sent_at: string | null
  delivered_at: string | null
  events: { status: string; at: string; detail: string | null; part?: number }[]
  parts: { index: number; status: string; carrier_message_id: string | null }[]
}

async function detail(id: string): Promise<Detail> {
  return (await (await gw.api(`/v1/messages/${id}`)).json()) as Detail
}

describe("sending through the simulator", () => {
  test("a message moves queued → sending → sent → delivered with a timestamp for each", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233 20 123 4567", message: "Hello from Signalbox", from: "ACME" },
    })
    expect(res.status).toBe(202)
    const body = (await res.json()) as {
      batch_id: string
      messages: { id: string; to: string; status: string; segments: number; encoding: string }[]
    }
    expect(body.batch_id).toStartWith("bat_")
    expect(body.messages).toHaveLength(1)
    expect(body.messages[0]).toMatchObject({
      to: "+233201234567",
      status: "queued",
      segments: 1,
      encoding: "gsm7",
    })
    const id = body.messages[0]!.id
    const m = await waitFor(
      async () => {
        const d = await detail(id)
        return d.status === "delivered" ? d : null
      },
      { what: "delivered" },
    )
    expect(m.events.map((e) => e.status)).toEqual(["queued", "sending", "sent", "delivered"])
    expect(m.connector).toBe("sim")
    expect(m.carrier_message_id).toStartWith("sim")
    expect(m.from).toBe("ACME")
    expect(Date.parse(m.delivered_at!)).toBeGreaterThanOrEqual(Date.parse(m.sent_at!))
  })

  test("a batch gives one message per recipient and a UCS-2 text reports its encoding", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: ["+233201234567", "+447911123456"], message: "مرحبا 👋" },
    })
    expect(res.status).toBe(202)
    const body = (await res.json()) as {
      batch_id: string
      messages: { id: string; encoding: string; segments: number }[]
    }
    expect(body.messages.map((m) => m.encoding)).toEqual(["ucs2", "ucs2"])
    const list = (await (await gw.api(`/v1/messages?batch_id=${body.batch_id}`)).json()) as {
      data: { id: string }[]
    }
    expect(list.data.map((m) => m.id).sort()).toEqual(body.messages.map((m) => m.id).sort())
  })

  test("a 400-character text is 3 parts, each with its own carrier id", async () => {
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "x".repeat(400) },
    })
    const id = ((await res.json()) as { messages: { id: string; segments: number }[] }).messages[0]!
    expect(id.segments).toBe(3)
    const m = await waitFor(async () => {
      const d = await detail(id.id)
      return d.status === "delivered" ? d : null
    })
    expect(m.parts.map((p) => p.index)).toEqual([0, 1, 2])
    expect(new Set(m.parts.map((p) => p.carrier_message_id)).size).toBe(3)
    expect(m.events.filter((e) => e.part !== undefined).length).toBeGreaterThanOrEqual(6)
  })

  test("the same Idempotency-Key and body returns the first answer; another body is a 409", async () => {
    const send = (message: string) =>
      gw.api("/v1/messages", {
        method: "POST",
        headers: { "idempotency-key": "order-42" },
        json: { to: "+233201234567", message },
      })
    const first = await send("Your code is 1234")
    const again = await send("Your code is 1234")
    expect(first.status).toBe(202)
    expect(again.status).toBe(202)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(await again.json()).toEqual(await first.json())
    const conflict = await send("Your code is 9999")
    expect(conflict.status).toBe(409)
    expect(((await conflict.json()) as { code: string }).code).toBe("idempotency_conflict")
  })

  test("a scheduled message waits as scheduled and is released at its time", async () => {
    const at = new Date(Date.now() + 1500).toISOString()
    const res = await gw.api("/v1/messages", {
      method: "POST",
      json: { to: "+233201234567", message: "later", scheduled_at: at },
    })
    const m = ((await res.json()) as { messages: { id: string; status: string }[] }).messages[0]!
    expect(m.status).toBe("scheduled")
    expect((await detail(m.id)).status).toBe("scheduled")
    const done = await waitFor(async () => {
      const d = await detail(m.id)
      return d.status === "delivered" ? d : null
    })
    expect(done.events.map((e) => e.status)).toEqual([
      "scheduled",
      "queued",
      "sending",
      "sent",
      "delivered",
    ])
    expect(Date.parse(done.events[1]!.at)).toBeGreaterThanOrEqual(Date.parse(at))
  })

  test("lists filter by status and to, and page with a cursor without repeats", async () => {
    const to = "+447911123457"
    for (let i = 0; i < 5; i++)
      await gw.api("/v1/messages", { method: "POST", json: { to, message: `n${i}` } })
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = (await (
        await gw.api(
          `/v1/messages?to=${encodeURIComponent(to)}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        )
      ).json()) as {
        data: { id: string; to: string }[]
        next_cursor: string | null
      }
      expect(page.data.every((m) => m.to === to)).toBe(true)
      seen.push(...page.data.map((m) => m.id))
      cursor = page.next_cursor
    } while (cursor)
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    const queued = (await (await gw.api("/v1/messages?status=delivered&limit=1000")).json()) as {
      data: { status: string }[]
    }
    expect(queued.data.every((m) => m.status === "delivered")).toBe(true)
  })
})

describe("operations endpoints", () => {
  test("healthz and readyz answer 200 with a usable connector", async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200)
    const ready = await fetch(`${gw.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(
      (
        (await ready.json()) as {
          connectors: { id: string; type: string; state: string; usable: boolean }[]
        }
      ).connectors,
    ).toEqual([{ id: "sim", type: "simulator", state: "bound", usable: true }])
  })

  test("openapi.json describes POST /v1/messages with its body schema, and /docs serves offline assets", async () => {
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>
    }
    const post = doc.paths["/v1/messages"]?.post ?? doc.paths["/v1/messages/"]?.post
    expect(post?.requestBody).toBeDefined()
    const page = await (await fetch(`${gw.url}/docs`)).text()
    expect(page).toContain("/docs/assets/swagger-ui-bundle.js")
    expect(page).not.toContain("unpkg.com")
    const js = await fetch(`${gw.url}/docs/assets/swagger-ui-bundle.js`)
    expect(js.status).toBe(200)
    expect((await js.text()).length).toBeGreaterThan(100_000)
  })
})
