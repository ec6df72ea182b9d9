import { Elysia } from "elysia"
import type { HttpDeps } from "../deps.ts"

/**
 * Resolves the caller from `Authorization: Bearer <key>` or `X-Api-Key`. Unlike
 * @elysiajs/bearer it never reads `?access_token=`, which would put keys into access logs.
 */
export function authPlugin(deps: HttpDeps) {
  return new Elysia({ name: "auth" }).resolve({ as: "scoped" }, ({ request }) => ({
    principal: deps.authenticate(request.headers.get("authorization"), request.headers.get("x-api-key")),
  }))
}
