import { Elysia } from "elysia"
import type { Principal } from "../../core/auth.ts"
import { AppError } from "../../lib/app-error.ts"
import type { HttpDeps } from "../deps.ts"

/**
 * Resolves the caller from `Authorization: Bearer <key>` or `X-Api-Key`. Unlike
 * @elysiajs/bearer it never reads `?access_token=`, which would put keys into access logs.
 * Then counts the request against the key's rate limits: every answer to a limited key carries
 * X-RateLimit-Limit/-Remaining/-Reset, and one over the limit is 429 with Retry-After.
 *
 * It runs before the body is parsed (requests with a body) or before the query is validated
 * (those without): a missing or wrong key is 401 whatever the body, and a malformed request
 * from a limited key is counted and carries the headers like any other.
 */
export function authPlugin(deps: HttpDeps) {
  const callers = new WeakMap<Request, Principal>()
  const check = (request: Request, headers: Record<string, unknown>): Principal => {
    const known = callers.get(request)
    if (known) return known
    const principal = deps.authenticate(
      request.headers.get("authorization"),
      request.headers.get("x-api-key"),
    )
    callers.set(request, principal)
    const rate = deps.rateLimit?.(principal)
    if (rate) {
      headers["x-ratelimit-limit"] = String(rate.limit)
      headers["x-ratelimit-remaining"] = String(rate.remaining)
      headers["x-ratelimit-reset"] = String(rate.reset)
      if (!rate.allowed) {
        headers["retry-after"] = String(rate.retryAfter)
        throw new AppError(
          "rate_limit_exceeded",
          `this key's limit of ${rate.limit} requests is used up; retry in ${rate.retryAfter} s`,
          {
            extra: { retry_after: rate.retryAfter },
          },
        )
      }
    }
    return principal
  }
  return new Elysia({ name: "auth" })
    .onParse({ as: "scoped" }, ({ request, set }) => {
      check(request, set.headers)
      // Nothing returned: the route's own parser reads the body next.
    })
    .derive({ as: "scoped" }, ({ request, set }) => ({ principal: check(request, set.headers) }))
}
