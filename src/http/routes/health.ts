import { Elysia } from "elysia"
import type { HttpDeps } from "../deps.ts"

export function healthRoutes(deps: HttpDeps) {
  return new Elysia({ name: "routes.health" })
    .get("/healthz", () => ({ status: "ok", version: deps.version }), {
      detail: { summary: "Liveness: the process answers", tags: ["Operations"] },
    })
    .get(
      "/readyz",
      ({ set }) => {
        const { storage, connectors } = deps.readiness()
        const usable = connectors.filter((c) => c.usable).map((c) => c.id)
        const ready = storage && usable.length > 0
        set.status = ready ? 200 : 503
        return {
          status: ready ? "ready" : "not_ready",
          storage: storage ? "ok" : "unavailable",
          connectors: connectors.map((c) => ({
            id: c.id,
            type: c.type,
            state: c.state,
            usable: c.usable,
          })),
        }
      },
      {
        detail: {
          summary: "Readiness: storage open and at least one connector usable",
          tags: ["Operations"],
        },
      },
    )
}
