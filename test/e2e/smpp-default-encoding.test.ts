// A carrier whose data_coding 0 means Latin-1 or ASCII (`default_encoding`): a GSM-7 text goes
// out as data_coding 0 in that alphabet, each character it lacks as "?" (one per character),
// and the replacement is logged. Over real TCP to the fake SMSC, whose bytes are asserted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { type FakeSmsc, startFakeSmsc } from "../fakes/smsc.ts"
import { startGateway, type TestGateway } from "../support/gateway.ts"
import { messageWhen } from "../support/messages.ts"
import { waitFor } from "../support/wait-for.ts"
import { warnLog } from "../support/warn-log.ts"

let smsc: FakeSmsc
let gw: TestGateway
const log = warnLog()

function carrier(id: string, encoding: string): string {
  return `
[[connectors]]
id = "${id}"
type = "smpp"
host = "127.0.0.1"
port = ${smsc.port}
system_id = "gw"
password = "secret"
default_encoding = "${encoding}"
`
}

beforeAll(async () => {
  smsc = await startFakeSmsc({ receipts: "auto", receiptDelayMs: 5 })
  gw = await startGateway(
    `${carrier("latin", "latin1")}${carrier("ascii", "ascii")}
[[routes]]
prefix = "+33"
connectors = ["latin"]
[[routes]]
prefix = "+44"
connectors = ["ascii"]
`,
    { logger: log.logger },
  )
  await waitFor(() => smsc.boundSessions() >= 2, { what: "both binds" })
})

afterAll(async () => {
  await gw?.stop()
  await smsc?.close()
})

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")

describe("default_encoding on the wire", () => {
  // GSM-7 as a whole (€, Δ, é and braces are in TS 23.038's tables), so data_coding 0.
  const TEXT = "Prix 5€ Δ é {x}"

  test.each([
    // Latin-1 has é (0xE9) but neither € nor Δ: two "?".
    ["latin", "+33612345678", "5072697820353f203f20e9207b787d", 2],
    // ASCII lacks é as well: three.
    ["ascii", "+447911123456", "5072697820353f203f203f207b787d", 3],
  ])(
    "%s: data_coding 0 with the carrier's octets, unknown characters as ?",
    async (connector, to, octets, replaced) => {
      const res = await gw.api("/v1/messages", { method: "POST", json: { to, message: TEXT } })
      expect(res.status).toBe(202)
      const { id } = ((await res.json()) as { messages: { id: string }[] }).messages[0]!
      await messageWhen(gw, id, (m) => m.status === "delivered")
      const submit = smsc.submits.find((s) => s.destination_addr === to.slice(1))!
      expect(submit.data_coding).toBe(0)
      expect(hex(submit.message)).toBe(octets)
      expect(log.entries().filter((l) => l.messageId === id && l.msg.includes("replaced"))).toEqual(
        [
          expect.objectContaining({
            replaced,
            msg: expect.stringContaining(connector === "latin" ? "latin1" : "ascii"),
          }),
        ],
      )
    },
  )
})
