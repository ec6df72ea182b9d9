import type { TestGateway } from "./gateway.ts"
import { body } from "./tenants.ts"
import { waitFor } from "./wait-for.ts"

/**
 * The conversation of the key's account (the admin's by default) with `their` (E.164), as
 * GET /v1/conversations lists it, once an MO or a send has made it.
 */
export function conversationWith<T extends { id: string; their_number: string }>(
  gw: TestGateway,
  their: string,
  key?: string,
): Promise<T> {
  return waitFor(
    async () => {
      const page = await body<{ data: T[] }>(
        await gw.api("/v1/conversations?limit=1000", key === undefined ? {} : { key }),
        200,
      )
      return page.data.find((c) => c.their_number === their)
    },
    { what: `a conversation with ${their}` },
  )
}
