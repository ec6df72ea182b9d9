// A modem whose network gives numbers in national format: with the connector's `country`, the
// sender (TP-OA type-of-address national, 0xA1) and the SIM's +CNUM number reach inbound() in
// E.164; without it they are handed over as the modem reported them.
import { describe, expect, test } from "bun:test"
import { waitFor } from "../support/wait-for.ts"
import { startRig } from "./harness.ts"

describe("modem connector national numbers", () => {
  test("reads a national sender and a national +CNUM as E.164 when country is set", async () => {
    await using rig = await startRig(
      { ownNumber: "0200000001", ownNumberType: 161 },
      { country: "GH" },
    )
    expect(rig.connector.health().details.own_number).toBe("+233200000001")
    rig.modem.receive({ from: "0241234567", fromToa: 0xa1, text: "STOP" })
    rig.modem.receive({ from: "MyBank", text: "Your code is 1234" })
    rig.modem.receive({ from: "0991234567", fromToa: 0xa1, text: "not a GH number" })
    await waitFor(() => rig.inbound.length === 3, { what: "three MOs stored" })
    expect(rig.inbound.map((m) => [m.from, m.to, m.text])).toEqual([
      ["+233241234567", "+233200000001", "STOP"],
      ["MyBank", "+233200000001", "Your code is 1234"],
      ["0991234567", "+233200000001", "not a GH number"],
    ])
  })

  test("joins the parts of a national sender's long message under its E.164 number", async () => {
    await using rig = await startRig({}, { country: "GH" })
    const concat = { reference: 7, total: 2 }
    rig.modem.receive({
      from: "0241234567",
      fromToa: 0xa1,
      text: "Hello ",
      concat: { ...concat, sequence: 1 },
    })
    rig.modem.receive({
      from: "0241234567",
      fromToa: 0xa1,
      text: "there",
      concat: { ...concat, sequence: 2 },
    })
    await waitFor(() => rig.inbound.length === 1, { what: "joined MO stored" })
    expect(rig.inbound[0]).toMatchObject({ from: "+233241234567", text: "Hello there", parts: 2 })
  })

  test("keeps a national sender and +CNUM as reported without a country", async () => {
    await using rig = await startRig({ ownNumber: "0200000001" })
    expect(rig.connector.health().details.own_number).toBe("0200000001")
    rig.modem.receive({ from: "0241234567", fromToa: 0xa1, text: "hi" })
    await waitFor(() => rig.inbound.length === 1, { what: "MO stored" })
    expect(rig.inbound[0]).toMatchObject({ from: "0241234567", to: "0200000001" })
  })

  test("reads a +CNUM of international digits without '+' (type 129) as E.164", async () => {
    // Many SIMs store their number as bare digits with type 129 (unknown); without a country,
    // digits that are a valid number read internationally become E.164.
    await using rig = await startRig({ ownNumber: "4917600000031" })
    expect(rig.connector.health().details.own_number).toBe("+4917600000031")
    rig.modem.receive({ from: "+4917600000032", text: "to the SIM" })
    await waitFor(() => rig.inbound.length === 1, { what: "MO stored" })
    expect(rig.inbound[0]).toMatchObject({ to: "+4917600000031" })
  })
})
