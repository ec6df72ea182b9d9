/**
 * Which webhook deliveries go next (docs/webhooks.md, Concurrency): free slots alternate between
 * endpoints and callback hosts, each visited in turn, skipping receivers at their cap, so one slow
 * receiver's backlog never holds up another's. Keeps only the rotation positions; the worker
 * (delivery-worker.ts) owns what is in flight and calls `claim` inside a batcher job.
 */
import type {
  CallbackCandidate,
  ClaimableEndpoint,
  WebhookDeliveryRow,
  WebhookRepo,
} from "../../store/webhook-repo.ts"
import type { WebhookWorkerOptions } from "./retry-policy.ts"

/** Oldest pending callback deliveries read per claim: they go first, in order, when their host
 * has room. */
const CALLBACK_HEAD = 64
/**
 * Pending callback deliveries read per claim from a position that moves on with every claim and
 * wraps at the end, so hosts queued behind a saturated host's backlog still get their turn. There
 * is no index by callback host (migration 0005), so this bounds what one claim reads.
 */
const CALLBACK_SWEEP = 256
/** Most claimable endpoints one query reads. */
const ENDPOINT_PAGE = 64
/** Bound on remembered per-endpoint probe positions and parsed callback origins. */
const MEMO_LIMIT = 10_000

export interface Claimed {
  seq: number
  id: string
  /** Whose delivery it is: the target policy depends on it (target-policy.ts). */
  accountId: string
  /** The endpoint id, or the callback URL's origin: the unit of per-receiver concurrency. */
  target: string
  url: string
  secret: string
  payload: string
  endpointId: string | null
  /** The single delivery allowed in flight for a failing endpoint. */
  probe: boolean
}

/** A delivery one of the claim's turns offers, with where it goes. */
interface Candidate {
  row: WebhookDeliveryRow
  target: string
  url: string | null
  secret: string | null
  endpointId: string | null
  probe: boolean
}

/** `scheme://host:port` of a callback URL: one host is one receiver, whatever its paths. */
function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

export class DeliveryClaimer {
  /** Round robin between endpoints: the id of the last one served. */
  private endpointTurn = ""
  /** Where the sweep over callback deliveries goes on (a seq; 0 starts over). */
  private callbackSweep = 0
  /** Alternates free slots between endpoint and callback deliveries. */
  private sourceTurn = 0
  /** A failing endpoint's last probe taken in turn (seq), so probes go round its backlog. */
  private readonly probeTurn = new Map<string, number>()
  private readonly origins = new Map<string, string>()
  /** The last claim read every claimable endpoint at once: the next one starts that way. */
  private fewClaimable = true

  constructor(
    private readonly repo: WebhookRepo,
    private readonly options: Pick<WebhookWorkerOptions, "perEndpointConcurrency" | "timeoutMs">,
  ) {}

  /**
   * One transaction: marks up to `room` deliveries `delivering`. Free slots alternate between
   * endpoints and callback URLs, and go round each in turn, skipping receivers at their cap, so a
   * slow receiver's backlog never holds up another's (docs/webhooks.md, Concurrency).
   */
  claim(
    now: number,
    room: number,
    inFlight: { perTarget: ReadonlyMap<string, number>; probing: ReadonlySet<string> },
  ): Claimed[] {
    const repo = this.repo
    const claimed: Claimed[] = []
    const lease = now + this.options.timeoutMs
    const taken = new Map<string, number>()
    const busy = (target: string) =>
      (inFlight.perTarget.get(target) ?? 0) + (taken.get(target) ?? 0)
    const turns: (Generator<Candidate> | null)[] = [
      this.endpointTurns(now, room, busy, inFlight),
      this.callbackTurns(now, busy),
    ]
    let live = turns.length
    while (claimed.length < room && live > 0) {
      const i = this.sourceTurn++ % turns.length
      const next = turns[i]?.next()
      if (!next) continue
      if (next.done) {
        turns[i] = null
        live--
        continue
      }
      const { row, target, url, secret, endpointId, probe } = next.value
      if (!secret || !url) {
        repo.settle(row, {
          status: "abandoned",
          attempts: row.attempts,
          nextAttemptAt: row.next_attempt_at,
          statusCode: null,
          error: "no URL or signing secret",
          at: now,
        })
        continue
      }
      repo.markDelivering(row.seq, now, lease)
      taken.set(target, (taken.get(target) ?? 0) + 1)
      claimed.push({
        seq: row.seq,
        id: row.id,
        accountId: row.account_id,
        target,
        url,
        secret,
        payload: row.payload,
        endpointId,
        probe,
      })
    }
    return claimed
  }

  /**
   * Endpoints in turn (by id, going on after the last one served), one delivery per visit,
   * oldest first. A failing endpoint past its retry time offers one probe; one waiting for it,
   * suspended or disabled is skipped by the query, and one at its cap or probing is skipped
   * here, neither reading its backlog.
   */
  private *endpointTurns(
    now: number,
    room: number,
    busy: (target: string) => number,
    inFlight: { perTarget: ReadonlyMap<string, number>; probing: ReadonlySet<string> },
  ): Generator<Candidate> {
    const repo = this.repo
    const cap = this.options.perEndpointConcurrency
    // At their cap, probing, or with nothing that may go now (per-message order).
    const skip = new Set<string>(inFlight.probing)
    for (const [target, n] of inFlight.perTarget) if (n >= cap) skip.add(target)
    const queues = new Map<string, WebhookDeliveryRow[]>()
    // The claimable endpoints in visiting order: by id after the last one served, then from the
    // first up to it. A read asks for about as many as there are free slots (each offers at
    // least one delivery unless skipped), so it stops early in an index that also holds
    // endpoints waiting for a retry. When the last claim's read held them all, one read from
    // the first is turned round instead; else they are read from the last one served, a page
    // at a time as the visits reach the end of what was read.
    const start = this.endpointTurn
    const want = Math.min(ENDPOINT_PAGE, room + skip.size)
    let ring: ClaimableEndpoint[] = []
    let complete = false
    if (this.fewClaimable) {
      ring = repo.claimableEndpoints("", now, want + 1)
      complete = ring.length <= want
      if (complete) {
        const after = ring.findIndex((e) => e.id > start)
        if (after > 0) ring.push(...ring.splice(0, after))
      } else {
        ring = []
        this.fewClaimable = false
      }
    }
    let pageAfter = start
    let wrapped = start === ""
    const readMore = (): boolean => {
      while (!complete) {
        const page = repo.claimableEndpoints(pageAfter, now, want)
        const before = ring.length
        for (const e of page) {
          if (wrapped && start !== "" && e.id > start) {
            complete = true
            break
          }
          ring.push(e)
        }
        if (!complete) {
          if (page.length === want) pageAfter = page[page.length - 1]!.id
          else if (wrapped) complete = true
          else {
            wrapped = true
            pageAfter = ""
          }
        }
        if (complete) this.fewClaimable = ring.length <= want
        if (ring.length > before) return true
      }
      return false
    }
    let i = 0
    for (;;) {
      if (i === ring.length && !readMore()) {
        // The end of a pass over every claimable endpoint: another, if any has more to offer.
        if (ring.every((e) => skip.has(e.id))) return
        i = 0
      }
      const e = ring[i++]!
      if (skip.has(e.id)) continue
      const failing = e.consecutive_failures > 0
      if (!failing) this.probeTurn.delete(e.id)
      let queue = queues.get(e.id)
      if (!queue) {
        queue = failing ? this.probeOf(e.id) : repo.endpointQueue(e.id, 0, cap - busy(e.id))
        queues.set(e.id, queue)
      }
      const row = queue.shift()
      if (!row) {
        skip.add(e.id)
        continue
      }
      if (failing || busy(e.id) + 1 >= cap) skip.add(e.id)
      this.endpointTurn = e.id
      yield { row, target: e.id, url: e.url, secret: e.secret, endpointId: e.id, probe: failing }
    }
  }

  /**
   * A failing endpoint's next probe: its newest delivery if it was never tried (a ping, or an
   * event that arrived since the last probe), else its held deliveries in turn, so one event the
   * receiver always refuses cannot starve the others.
   */
  private probeOf(endpointId: string): WebhookDeliveryRow[] {
    const repo = this.repo
    const newest = repo.endpointNewest(endpointId)
    if (!newest || newest.attempts === 0) return newest ? [newest] : []
    const after = this.probeTurn.get(endpointId) ?? 0
    const [next] = repo.endpointQueue(endpointId, after, 1)
    const row = next ?? repo.endpointQueue(endpointId, 0, 1)[0]
    if (!row) return []
    if (this.probeTurn.size >= MEMO_LIMIT) this.probeTurn.clear()
    this.probeTurn.set(endpointId, row.seq)
    return [row]
  }

  /**
   * Callback deliveries whose host (origin) has room: first the oldest ones, in order; if none of
   * those could go, a sweep that goes on where the last one stopped, past hosts at their cap.
   * Both read a bounded window (see CALLBACK_HEAD, CALLBACK_SWEEP).
   */
  private *callbackTurns(now: number, busy: (target: string) => number): Generator<Candidate> {
    const repo = this.repo
    const cap = this.options.perEndpointConcurrency
    const offer = ({ seq, callback_url: url, due }: CallbackCandidate): Candidate | null => {
      if (!due) return null
      const target = this.originKey(url)
      if (busy(target) >= cap) return null
      const row = repo.deliveryBySeq(seq)
      if (row?.status !== "pending" || !repo.isNextInOrder(row)) return null
      const secret = repo.accountSecret(row.account_id)
      return { row, target, url, secret, endpointId: null, probe: false }
    }
    const head = repo.callbackWindow(0, now, CALLBACK_HEAD)
    let blocked = true
    for (const c of head) {
      const candidate = offer(c)
      if (!candidate) continue
      blocked = false
      yield candidate
    }
    // Sweep only past a head that held nothing to send (hosts at their limit, retries not due):
    // otherwise the queue moves on by itself.
    if (head.length < CALLBACK_HEAD || !blocked) return
    let window = repo.callbackWindow(this.callbackSweep, now, CALLBACK_SWEEP)
    if (window.length === 0 && this.callbackSweep > 0) {
      this.callbackSweep = 0
      window = repo.callbackWindow(0, now, CALLBACK_SWEEP)
    }
    for (const c of window) {
      this.callbackSweep = c.seq
      const candidate = offer(c)
      if (candidate) yield candidate
    }
    if (window.length < CALLBACK_SWEEP) this.callbackSweep = 0
  }

  private originKey(url: string): string {
    let origin = this.origins.get(url)
    if (origin === undefined) {
      if (this.origins.size >= MEMO_LIMIT) this.origins.clear()
      origin = originOf(url)
      this.origins.set(url, origin)
    }
    return origin
  }
}
