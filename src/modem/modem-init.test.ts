import { describe, expect, test } from "bun:test"
import { noteStorage } from "./modem-init.ts"
import type { SessionFacts } from "./modem-session.ts"

function facts(): Pick<SessionFacts, "simUsed" | "simTotal"> {
  return { simUsed: null, simTotal: null }
}

describe("noteStorage", () => {
  test("takes the counts of the set answer and of a read answer for SM", () => {
    const f = facts()
    noteStorage(f, ["+CPMS: 3,30,3,30,3,30"])
    expect(f).toEqual({ simUsed: 3, simTotal: 30 })
    noteStorage(f, ['+CPMS: "SM",4,30,"SM",4,30,"SM",4,30'])
    expect(f).toEqual({ simUsed: 4, simTotal: 30 })
  })

  test("ignores a read answer while the inbox has SR selected", () => {
    const f = facts()
    noteStorage(f, ['+CPMS: "SM",4,30,"SM",4,30,"SM",4,30'])
    noteStorage(f, ['+CPMS: "SR",1,20,"SM",4,30,"SM",4,30'])
    expect(f).toEqual({ simUsed: 4, simTotal: 30 })
  })
})
