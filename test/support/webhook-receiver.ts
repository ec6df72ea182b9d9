import { expect } from "bun:test"
import { Webhook } from "standardwebhooks"
import { waitFor } from "./wait-for.ts"

export interface ReceivedWebhook {
  /** Order of arrival across the whole receiver, from 0. */
  n: number
  path: string
  id: string
  timestamp: string
  signature: string
  body: string
  payload: { type: string; timestamp: string; data: Record<string, unknown> }
  /** Checked at arrival with the independent `standardwebhooks` package. */
  verified: boolean
  verifyError: string | null
  /** What the receiver answered (0 while the handler has not answered yet). */
  answered: number
}

/** Where to subscribe: a started test gateway, or a spawned one's URL with the admin key. */
export interface WebhookApi {
  url: string
  key: string
}

/** What to answer: a status, or a promise of one (to hold the request open). */
export type Behaviour = (req: ReceivedWebhook, nth: number) => number | Promise<number>

/**
 * A real HTTP receiver on 127.0.0.1 port 0. Every request is recorded and its Standard Webhooks
 * signature verified with the secret registered for its path. `log` lists arrivals and answers
 * in order, for assertions about ordering rather than timings.
 */
export function startReceiver() {
  const secrets = new Map<string, string>()
  const behaviours = new Map<string, Behaviour>()
  const requests: ReceivedWebhook[] = []
  const log: string[] = []
  const perPath = new Map<string, number>()
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = await request.text()
      const headers = {
        "webhook-id": request.headers.get("webhook-id") ?? "",
        "webhook-timestamp": request.headers.get("webhook-timestamp") ?? "",
        "webhook-signature": request.headers.get("webhook-signature") ?? "",
      }
      const secret = secrets.get(path)
      let verified = false
      let verifyError: string | null = "no secret registered for this path"
      if (secret) {
        try {
          new Webhook(secret).verify(body, headers)
          verified = true
          verifyError = null
        } catch (error) {
          verifyError = (error as Error).message
        }
      }
      let payload: ReceivedWebhook["payload"]
      try {
        payload = JSON.parse(body) as ReceivedWebhook["payload"]
      } catch {
        payload = { type: "(not JSON)", timestamp: "", data: {} }
      }
      const received: ReceivedWebhook = {
        n: requests.length,
        path,
        id: headers["webhook-id"],
        timestamp: headers["webhook-timestamp"],
        signature: headers["webhook-signature"],
        body,
        payload,
        verified,
        verifyError,
        answered: 0,
      }
      requests.push(received)
      const nth = perPath.get(path) ?? 0
      perPath.set(path, nth + 1)
      log.push(`received ${path} ${payload.type} ${received.id}`)
      const behaviour = behaviours.get(path)
      const status = behaviour ? await behaviour(received, nth) : 200
      received.answered = status
      log.push(`answered ${path} ${payload.type} ${received.id} ${status}`)
      return new Response(status >= 300 ? `receiver says ${status}` : "ok", { status })
    },
  })
  const base = `http://127.0.0.1:${server.port}`
  const url = (path: string) => `${base}${path}`
  return {
    requests,
    log,
    url,
    setSecret(path: string, secret: string) {
      secrets.set(path, secret)
    },
    /**
     * Creates a webhook endpoint for `path` with POST /v1/webhooks (expects 201) and registers the
     * secret it was given, so every later request to `path` is verified with it.
     */
    async subscribe<T extends { id: string; secret: string } = { id: string; secret: string }>(
      gw: WebhookApi,
      path: string,
      events: string[],
    ): Promise<T> {
      const res = await fetch(`${gw.url}/v1/webhooks`, {
        method: "POST",
        headers: { authorization: `Bearer ${gw.key}`, "content-type": "application/json" },
        body: JSON.stringify({ url: url(path), events }),
      })
      const text = await res.text()
      expect(res.status, text).toBe(201)
      const created = JSON.parse(text) as T
      secrets.set(path, created.secret)
      return created
    },
    /** The first request to `path` of event `type` whose `data` matches; waits until one arrives. */
    waitForEvent(
      path: string,
      type: string,
      match: (data: Record<string, unknown>) => boolean = () => true,
    ): Promise<ReceivedWebhook> {
      return waitFor(
        () =>
          requests.find((r) => r.path === path && r.payload.type === type && match(r.payload.data)),
        { what: `${type} webhook at ${path}` },
      )
    },
    on(path: string, behaviour: Behaviour) {
      behaviours.set(path, behaviour)
    },
    at: (path: string) => requests.filter((r) => r.path === path),
    stop: () => server.stop(true),
    [Symbol.asyncDispose]: async () => {
      await server.stop(true)
    },
  }
}

export type Receiver = ReturnType<typeof startReceiver>
