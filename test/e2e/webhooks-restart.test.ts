// Webhook deliveries survive restarts: a retry scheduled before a stop happens after the next
// start, and a request in flight when the process is killed (-9) is sent again.
import { describe, expect, test } from "bun:test"
import { startGateway, TEST_ADMIN_KEY } from "../support/gateway.ts"
import { spawnGateway } from "../support/gateway-process.ts"
import { tempDir } from "../support/temp-dir.ts"
import { waitFor } from "../support/wait-for.ts"
import { startReceiver } from "../support/webhook-receiver.ts"

interface Delivery {
  id: string
  status: string
  attempts: { at: string; status_code: number | null; error: string | null }[]
}

const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, "content-type": "application/json" }

describe("webhook durability", () => {
  test("a retry scheduled before a stop is sent after the next start, with the same webhook-id", async () => {
    await using receiver = startReceiver()
    await using dir = tempDir("signalbox-wh-restart-")
    let healthy = false
    receiver.on("/flaky", () => (healthy ? 200 : 500))
    // A 1 s first retry: long enough to stop the gateway before it comes due.
    const options = { webhooks: { backoff: { baseMs: 1_000, maxMs: 5_000 }, pollMs: 50 } }

    const first = await startGateway("", { dataDir: dir.path, ...options })
    const created = await receiver.subscribe(first, "/flaky", ["*"])
    const ping = (await (
      await first.api(`/v1/webhooks/${created.id}/ping`, { method: "POST" })
    ).json()) as { id: string }
    const waiting = await waitFor(
      async () => {
        const [d] = (
          (await (await first.api(`/v1/webhooks/${created.id}/deliveries`)).json()) as {
            data: Delivery[]
          }
        ).data
        return d?.status === "pending" && d.attempts.length === 1 ? d : null
      },
      { what: "the first attempt failed and a retry is scheduled" },
    )
    expect(waiting.attempts[0]!.status_code).toBe(500)
    await first.stop()
    expect(receiver.at("/flaky")).toHaveLength(1)

    healthy = true
    const second = await startGateway("", { dataDir: dir.path, ...options })
    try {
      const done = await waitFor(
        async () => {
          const [d] = (
            (await (await second.api(`/v1/webhooks/${created.id}/deliveries`)).json()) as {
              data: Delivery[]
            }
          ).data
          return d?.status === "succeeded" ? d : null
        },
        { what: "the retry after restart" },
      )
      expect(done.id).toBe(ping.id)
      expect(done.attempts.map((a) => a.status_code)).toEqual([500, 200])
      expect(receiver.at("/flaky").map((r) => r.id)).toEqual([ping.id, ping.id])
      expect(receiver.at("/flaky").every((r) => r.verified)).toBe(true)
    } finally {
      await second.stop()
    }
  })

  test("a clean stop gives a request in flight a short grace, then leaves it pending for the next start", async () => {
    await using receiver = startReceiver()
    await using dir = tempDir("signalbox-wh-stop-")
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    receiver.on("/slow-stop", async (_r, nth) => {
      if (nth === 0) await held
      return 200
    })
    const options = { webhooks: { stopGraceMs: 100, pollMs: 50 } }
    const first = await startGateway("", { dataDir: dir.path, ...options })
    const created = await receiver.subscribe(first, "/slow-stop", ["*"])
    const ping = (await (
      await first.api(`/v1/webhooks/${created.id}/ping`, { method: "POST" })
    ).json()) as { id: string }
    await waitFor(() => receiver.at("/slow-stop").length === 1, { what: "the request in flight" })
    await first.stop()
    release()

    const second = await startGateway("", { dataDir: dir.path, ...options })
    try {
      const done = await waitFor(
        async () => {
          const [d] = (
            (await (await second.api(`/v1/webhooks/${created.id}/deliveries`)).json()) as {
              data: Delivery[]
            }
          ).data
          return d?.status === "succeeded" ? d : null
        },
        { what: "the delivery after the restart" },
      )
      expect(done.attempts.map((a) => a.status_code)).toEqual([null, 200])
      expect(done.attempts[0]!.error).toBe(
        "interrupted: the gateway stopped before an answer arrived",
      )
      expect(receiver.at("/slow-stop").map((r) => r.id)).toEqual([ping.id, ping.id])
    } finally {
      await second.stop()
    }
  })

  test("a delivery in flight when the gateway is killed with -9 is sent again after the restart", async () => {
    await using receiver = startReceiver()
    using dir = tempDir("signalbox-wh-kill-")
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    // The first request is never answered before the kill; later ones are answered at once.
    receiver.on("/hold", async (_r, nth) => {
      if (nth === 0) {
        await held
        return 200
      }
      return 200
    })

    const first = await spawnGateway(dir.path)
    let second: Awaited<ReturnType<typeof spawnGateway>> | null = null
    try {
      const created = await receiver.subscribe({ url: first.url, key: TEST_ADMIN_KEY }, "/hold", [
        "*",
      ])
      const ping = (await (
        await fetch(`${first.url}/v1/webhooks/${created.id}/ping`, { method: "POST", headers })
      ).json()) as { id: string }
      await waitFor(() => receiver.at("/hold").length === 1, { what: "the request in flight" })
      first.proc.kill("SIGKILL")
      await first.proc.exited

      second = await spawnGateway(dir.path)
      await waitFor(() => receiver.at("/hold").length === 2, {
        what: "the delivery sent again",
        timeoutMs: 15_000,
      })
      const [lost, again] = receiver.at("/hold")
      expect(again!.id).toBe(ping.id)
      expect(lost!.id).toBe(ping.id)
      expect(again!.verified).toBe(true)
      expect(again!.body).toBe(lost!.body)
      const url = second.url
      const done = await waitFor(
        async () => {
          const res = await fetch(`${url}/v1/webhooks/${created.id}/deliveries`, { headers })
          const [d] = ((await res.json()) as { data: Delivery[] }).data
          return d?.status === "succeeded" ? d : null
        },
        { what: "the delivery logged as succeeded" },
      )
      expect(done.attempts.map((a) => a.status_code)).toEqual([null, 200])
      expect(done.attempts[0]!.error).toContain("interrupted")
      expect(second.output()).toContain(
        "webhook deliveries left in flight by a previous run will be sent again",
      )
    } finally {
      release()
      first.proc.kill("SIGKILL")
      if (second) {
        second.proc.kill("SIGTERM")
        await second.proc.exited
      }
    }
  }, 40_000)
})
