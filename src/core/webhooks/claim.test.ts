// The claim's turns over endpoints, over a real SQLite file: one delivery per endpoint per pass,
// in id order from after the last one served, across more endpoints than one read returns.
import { describe, expect, test } from "bun:test"
import { newEndpoint, pendingDelivery, withStore } from "../../../test/support/store.ts"
import type { Store } from "../../store/index.ts"
import { DeliveryClaimer } from "./claim.ts"

const NOW = 1_000_000
const id = (i: number) => `whe_${String(i).padStart(3, "0")}`

/** `endpoints` active endpoints with `each` deliveries each, the k-th of every one before any k+1-th. */
function seed(store: Store, endpoints: number, each = 2): void {
  store.transaction(() => {
    let n = 0
    for (let i = 0; i < endpoints; i++) {
      store.webhooks.insertEndpoint(newEndpoint({ id: id(i), account_id: "acc_a" }, NOW))
    }
    for (let round = 0; round < each; round++) {
      for (let i = 0; i < endpoints; i++) {
        n++
        store.webhooks.insertDelivery(
          pendingDelivery({ id: `whd_${n}`, endpoint_id: id(i), account_id: "acc_a" }, NOW),
        )
      }
    }
  })
}

describe("DeliveryClaimer over endpoints", () => {
  // 40 fit in one read of the claimable endpoints; 150 take pages (ENDPOINT_PAGE is 64).
  test.each([40, 150])(
    "%i endpoints: each once per pass, then on from the last one served",
    (endpoints) => {
      withStore((store) => {
        seed(store, endpoints)
        const claimer = new DeliveryClaimer(store.webhooks, {
          perEndpointConcurrency: 8,
          timeoutMs: 10_000,
        })
        const idle = { perTarget: new Map<string, number>(), probing: new Set<string>() }
        const claim = (room: number, inFlight = idle) =>
          store.transaction(() => claimer.claim(NOW, room, inFlight)).map((c) => c.target)
        const ids = (from: number, to: number) =>
          Array.from({ length: to - from }, (_, i) => id(from + i))

        // A first pass over all of them, then the first ten again.
        expect(claim(endpoints + 10)).toEqual([...ids(0, endpoints), ...ids(0, 10)])
        // The next claim goes on after whe_009, skipping an endpoint at its cap.
        const busy = { perTarget: new Map([[id(12), 8]]), probing: new Set<string>() }
        expect(claim(3, busy)).toEqual([id(10), id(11), id(13)])
        // Then round to the end, back to the start (whe_012, now free), and nothing more: every
        // delivery claimed once.
        expect(claim(500)).toEqual([...ids(14, endpoints), id(12)])
        expect(claim(10)).toEqual([])
      })
    },
  )
})

describe("DeliveryClaimer past endpoints waiting for a retry", () => {
  test("read in pages among waiting ones, the last one served comes last after the wrap", () => {
    withStore((store) => {
      seed(store, 100, 3)
      // Every even endpoint is failing and waits for its retry a minute away: in the index of
      // claimable endpoints, but not offered.
      store.transaction(() => {
        for (let i = 0; i < 100; i += 2)
          store.webhooks.saveEndpoint({
            ...store.webhooks.endpoint(id(i))!,
            consecutive_failures: 2,
            retry_at: NOW + 60_000,
          })
      })
      const claimer = new DeliveryClaimer(store.webhooks, {
        perEndpointConcurrency: 8,
        timeoutMs: 10_000,
      })
      const idle = { perTarget: new Map<string, number>(), probing: new Set<string>() }
      const claim = (room: number) =>
        store.transaction(() => claimer.claim(NOW, room, idle)).map((c) => c.target)
      const odd = (from: number, to: number) =>
        Array.from({ length: (to - from) / 2 + 1 }, (_, k) => id(from + 2 * k))

      // The 50 active ones once, then ten of them again: the turn is whe_019.
      expect(claim(60)).toEqual([...odd(1, 99), ...odd(1, 19)])
      // On after whe_019, round to whe_019 itself (which still has a delivery), then again.
      expect(claim(60)).toEqual([...odd(21, 99), ...odd(1, 19), ...odd(21, 39)])
      // Fewer free slots than read: it stops where the slots end.
      expect(claim(3)).toEqual([id(41), id(43), id(45)])
    })
  })
})

describe("DeliveryClaimer and callback deliveries", () => {
  const callback = (store: Store, n: number) =>
    store.transaction(() =>
      store.webhooks.insertDelivery(
        pendingDelivery(
          {
            id: `whd_cb${n}`,
            callback_url: "https://app.example.com/sms/status",
            account_id: "acc_a",
          },
          NOW,
        ),
      ),
    )

  test("a callback is claimed whenever one is open, though claims with none skip the read", () => {
    withStore((store) => {
      const claimer = new DeliveryClaimer(store.webhooks, {
        perEndpointConcurrency: 8,
        timeoutMs: 10_000,
      })
      const idle = { perTarget: new Map<string, number>(), probing: new Set<string>() }
      const claim = () => store.transaction(() => claimer.claim(NOW, 10, idle))
      store.transaction(() =>
        store.webhooks.ensureAccountSecret("acc_a", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", NOW),
      )
      expect(claim()).toEqual([])

      // Inserted after a claim found none.
      callback(store, 1)
      const [first] = claim()
      expect(first?.id).toBe("whd_cb1")
      // In flight: nothing pending, but one open, so claims keep reading the window ...
      expect(claim()).toEqual([])
      // ... and see it once its attempt failed and it waits for a retry that is due.
      store.transaction(() =>
        store.webhooks.settle(store.webhooks.deliveryBySeq(first!.seq)!, {
          status: "pending",
          attempts: 1,
          nextAttemptAt: NOW,
          statusCode: 503,
          error: "HTTP 503",
          at: NOW,
        }),
      )
      expect(claim().map((c) => c.id)).toEqual(["whd_cb1"])
    })
  })
})
