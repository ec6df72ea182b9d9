import { describe, expect, test } from "bun:test"
import smpp from "smpp"
import { commandStatusInfo, commandStatusTable, submitStatusError } from "./command-status.ts"

describe("commandStatusInfo", () => {
  // SMPP 3.4 §5.1.3.
  test.each([
    ["ESME_RTHROTTLED", 0x58, true],
    ["ESME_RMSGQFUL", 0x14, true],
    ["ESME_RSYSERR", 0x08, true],
    ["ESME_RX_T_APPN", 0x64, true],
    ["ESME_RINVDSTADR", 0x0b, false],
    ["ESME_RINVSRCADR", 0x0a, false],
    ["ESME_RSUBMITFAIL", 0x45, false],
    ["ESME_RINVMSGLEN", 0x01, false],
  ] as const)("classifies %s (%i) as temporary=%p", (name, status, temporary) => {
    expect(commandStatusInfo(status)).toMatchObject({ name, temporary })
  })

  test("names unknown and vendor-specific values in hex and treats them as permanent", () => {
    expect(commandStatusInfo(0x400)).toMatchObject({
      name: "command_status_0x00000400",
      temporary: false,
      description: "SMSC vendor specific error",
    })
    expect(commandStatusInfo(0x09).name).toBe("command_status_0x00000009")
  })

  test("agrees with the smpp library's numbers for every name both know", () => {
    for (const [status, info] of commandStatusTable()) {
      const library = smpp.errors[info.name]
      if (library !== undefined) expect(library).toBe(status)
    }
  })
})

describe("submitStatusError", () => {
  test("keeps the carrier's numeric status", () => {
    expect(submitStatusError(0x58)).toEqual({
      code: "ESME_RTHROTTLED",
      status: 0x58,
      temporary: true,
      message:
        "submit_sm_resp ESME_RTHROTTLED: Throttling error (ESME has exceeded allowed message limits)",
    })
  })
})

describe("docs/smpp.md", () => {
  test("lists every command_status with the class the code gives it", async () => {
    const docs = await Bun.file(new URL("../../docs/smpp.md", import.meta.url)).text()
    for (const [status, info] of commandStatusTable()) {
      if (status === 0) continue
      const hex = `0x${status.toString(16).padStart(2, "0").toUpperCase()}`
      const kind = info.temporary ? "**temporary**" : "permanent"
      expect(docs).toContain(`| \`${hex}\` | \`${info.name}\` | ${kind} |`)
    }
  })
})
