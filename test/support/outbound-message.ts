import type { OutboundMessage } from "../../src/connectors/connector.ts"

/** A one-part GSM-7 message from "Shop" with a receipt, as the dispatcher hands connectors. */
export function outboundMessage(overrides: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: "msg_1",
    to: "+4915112345678",
    from: "Shop",
    encoding: "gsm7",
    partCount: 1,
    parts: [{ index: 0, text: "Hello" }],
    reference: 9,
    requestReceipt: true,
    ...overrides,
  }
}
