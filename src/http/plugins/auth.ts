import { Elysia } from "elysia"
import { AppError } from "../../lib/app-error.ts"
import type { HttpDeps } from "../deps.ts"

/**
 * Resolves the caller from `Authorization: Bearer <key>` or `X-Api-Key`. Unlike
 * @elysiajs/bearer it never reads `?access_token=`, which would put keys into access logs.
 * Then counts the request against the key's rate limits: every answer to a limited key carries
 * X-RateLimit-Limit/-Remaining/-Reset, and one over the limit is 429 with Retry-After.
 */
export function authPlugin(deps: HttpDeps) {
  return new Elysia({ name: "auth" }).resolve({ as: "scoped" }, ({ request, set }) => {
    const principal = deps.authenticate(
      request.headers.get("authorization"),
      request.headers.get("x-api-key"),
    )
    const rate = deps.rateLimit?.(principal)
    if (rate) {
      set.headers["x-ratelimit-limit"] = String(rate.limit)
      set.headers["x-ratelimit-remaining"] = String(rate.remaining)
      set.headers["x-ratelimit-reset"] = String(rate.reset)
      if (!rate.allowed) {
        set.headers["retry-after"] = String(rate.retryAfter)
        throw new AppError(
          "rate_limit_exceeded",
          `this key's limit of ${rate.limit} requests is used up; retry in ${rate.retryAfter} s`,
          {
            extra: { retry_after: rate.retryAfter },
          },
        )
      }
    }
    return { principal }
  })
}
