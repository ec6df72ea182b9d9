/**
 * Where an account's webhooks and callbacks may go (`[webhooks] private_targets`).
 *
 * A partner's or customer's endpoint URL makes this box send requests into its own network: to
 * itself, to the operator's private services, to a cloud metadata service at 169.254.169.254.
 * A failed attempt's status line and the start of its body are shown back to the account
 * (`last_error`), so that would be a window into that network. With "operator" (the default)
 * only the operator's account may target loopback, private, link-local and other non-public
 * addresses; with "all" every account may (a single-business install).
 *
 * Checked twice: when the URL is given (an IP literal or a localhost name is refused at once,
 * 422), and before each attempt (the host name is resolved and every address must be public;
 * DNS answers are kept for 30 s). The request itself resolves the name again, so a name whose
 * DNS answer changes between the two (rebinding) is not covered; IP literals are.
 */
import { lookup } from "node:dns/promises"
import type { Logger } from "../../lib/logger.ts"
import { isIpLiteral, isPublicAddress } from "../../lib/public-address.ts"
import { ROOT_ACCOUNT } from "../auth.ts"

export type PrivateTargets = "operator" | "all"

export interface TargetPolicy {
  /**
   * Why `url` may not be one of the account's targets, from the URL alone: not an absolute
   * http(s) URL of at most 2,048 characters, or (for a partner or customer) a local address.
   * Null if it may.
   */
  urlProblem(accountId: string, url: string): string | null
  /** urlProblem, then the host name resolved: why the request may not be sent; null if it may. */
  sendProblem(accountId: string, url: string): Promise<string | null>
}

/** Resolves a host name to all its addresses. */
export type Resolve = (host: string) => Promise<string[]>

const CACHE_MS = 30_000

const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/**
 * What an account is told when its URL's name does not lead to public addresses only, or did
 * not resolve: the same words for both, so it learns nothing of the operator's names.
 */
const NOT_PUBLIC =
  "did not resolve to public addresses only; only the operator's webhooks may reach others"

const MAX_URL_LENGTH = 2048

/**
 * `value` parsed once: why it is not an absolute http(s) URL of at most 2048 characters, or its
 * host in lower case without a trailing dot ("localhost." and "localhost" are the same name to
 * a resolver).
 */
function parseHttpUrl(value: string): { problem: string } | { host: string } {
  if (value.length > MAX_URL_LENGTH)
    return { problem: `is longer than ${MAX_URL_LENGTH} characters` }
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return { problem: "is not an absolute URL" }
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return { problem: `uses ${url.protocol.replace(/:$/, "")}; only http and https are allowed` }
  if (!url.hostname) return { problem: "has no host" }
  return { host: url.hostname.toLowerCase().replace(/\.$/, "") }
}

export interface TargetPolicyOptions {
  /** How host names are resolved (default: the system resolver, every address). */
  resolve?: Resolve
  log?: Pick<Logger, "warn">
  /**
   * Milliseconds for the DNS cache's lifetime: a monotonic clock, immune to clock steps (the
   * injected `Clock` is wall time, which tests and operators may move).
   */
  now?: () => number
}

export function targetPolicy(
  privateTargets: PrivateTargets,
  { resolve = resolveAll, log, now: clock = () => performance.now() }: TargetPolicyOptions = {},
): TargetPolicy {
  const cache = new Map<string, { problem: string | null; until: number }>()
  const lookups = new Map<string, Promise<string | null>>()

  /** Resolves `host`: why it may not be sent to (NOT_PUBLIC), or null; kept CACHE_MS. */
  const check = async (accountId: string, host: string): Promise<string | null> => {
    // What the account is told says no more than that: the name's addresses, or why it did not
    // resolve, would map the operator's network for it. The operator reads them in the log.
    let answer: string | null
    try {
      const addresses = await resolve(host)
      const inside = addresses.find((a) => !isPublicAddress(a))
      if (addresses.length === 0 || inside !== undefined) {
        log?.warn(
          { account_id: accountId, host, addresses },
          "webhook host resolves to a non-public address; not sent",
        )
        answer = NOT_PUBLIC
      } else answer = null
    } catch (error) {
      log?.warn(
        { account_id: accountId, host, err: (error as Error).message },
        "webhook host did not resolve",
      )
      // Not cached: the next attempt asks DNS again.
      return NOT_PUBLIC
    }
    if (cache.size > 10_000) cache.clear()
    cache.set(host, { problem: answer, until: clock() + CACHE_MS })
    return answer
  }
  const unrestricted = (accountId: string) => privateTargets === "all" || accountId === ROOT_ACCOUNT

  /**
   * Why `url` may not be one of the account's targets; else, for a restricted account, the host
   * a request would resolve (null when there is nothing to check before sending).
   */
  const judge = (
    accountId: string,
    url: string,
  ): { problem: string | null; host: string | null } => {
    const parsed = parseHttpUrl(url)
    if ("problem" in parsed) return { problem: parsed.problem, host: null }
    if (unrestricted(accountId)) return { problem: null, host: null }
    const { host } = parsed
    if (host === "localhost" || host.endsWith(".localhost")) {
      return {
        problem: "points to this machine (localhost); only the operator's webhooks may",
        host: null,
      }
    }
    if (isIpLiteral(host)) {
      const problem = isPublicAddress(host)
        ? null
        : `points to a non-public address (${host}); only the operator's webhooks may`
      return { problem, host: null }
    }
    return { problem: null, host }
  }

  return {
    urlProblem: (accountId, url) => judge(accountId, url).problem,
    async sendProblem(accountId, url) {
      const { problem, host } = judge(accountId, url)
      if (problem !== null || host === null) return problem
      const cached = cache.get(host)
      if (cached && cached.until > clock()) return cached.problem
      // One lookup per name at a time: attempts that would start another share it (a lookup
      // that hangs is abandoned at the attempt's timeout, never cancelled).
      let pending = lookups.get(host)
      if (!pending) {
        pending = check(accountId, host).finally(() => lookups.delete(host))
        lookups.set(host, pending)
      }
      return pending
    },
  }
}
