import type { MessageDetail } from "../../src/core/message-query.ts"
import type { TestGateway } from "./gateway.ts"
import { body } from "./tenants.ts"
import { waitFor } from "./wait-for.ts"

/** GET /v1/messages/{id} with the key (the admin's by default), once `until` holds for it. */
export function messageWhen(
  gw: TestGateway,
  id: string,
  until: (m: MessageDetail) => boolean,
  { key, what = `${id} as expected` }: { key?: string; what?: string } = {},
): Promise<MessageDetail> {
  return waitFor(
    async () => {
      const m = await body<MessageDetail>(
        await gw.api(`/v1/messages/${id}`, key === undefined ? {} : { key }),
        200,
      )
      return until(m) ? m : null
    },
    { what },
  )
}

/** The carrier's id for the message once it is `sent` (what a receipt names). */
export async function carrierIdOnceSent(gw: TestGateway, id: string): Promise<string> {
  const m = await messageWhen(gw, id, (d) => d.status === "sent", { what: `${id} sent` })
  if (m.carrier_message_id === null) throw new Error(`${id} is sent without a carrier id`)
  return m.carrier_message_id
}
