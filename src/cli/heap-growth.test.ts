import { describe, expect, test } from "bun:test"
import { HEAP_GROWTH_VAR, planHeapGrowth } from "./heap-growth.ts"

const GB = 1024 ** 3

describe("planHeapGrowth", () => {
  test("serve on a machine with 16 GB or more re-executes", () => {
    expect(planHeapGrowth({}, 16 * GB, ["serve"])).toEqual({ reexec: true })
    expect(planHeapGrowth({}, 24 * GB, ["serve", "--config", "x.toml"])).toEqual({ reexec: true })
  })

  test("under 16 GB JSC already grows in proportion: no re-exec", () => {
    expect(planHeapGrowth({}, 16 * GB - 1, ["serve"])).toEqual({
      reexec: false,
      outcome: { growth: "proportional", reason: "RAM under 16 GB" },
    })
  })

  test("a variable already set is kept and read back, whoever set it", () => {
    expect(planHeapGrowth({ [HEAP_GROWTH_VAR]: "1048576" }, 24 * GB, ["serve"])).toEqual({
      reexec: false,
      outcome: { growth: "proportional", reason: `${HEAP_GROWTH_VAR}=1048576` },
    })
    // The operator's way back to JSC's default on a big machine.
    expect(planHeapGrowth({ [HEAP_GROWTH_VAR]: "16384" }, 24 * GB, ["serve"])).toEqual({
      reexec: false,
      outcome: { growth: "jsc-default", reason: `${HEAP_GROWTH_VAR}=16384` },
    })
    expect(planHeapGrowth({ [HEAP_GROWTH_VAR]: "junk" }, 24 * GB, ["serve"])).toMatchObject({
      reexec: false,
      outcome: { growth: "jsc-default" },
    })
  })

  test("only serve: the short-lived commands never re-execute", () => {
    for (const args of [["send", "--to", "+233201234567"], ["--help"], [], ["keys", "serve"]]) {
      expect(planHeapGrowth({}, 24 * GB, args)).toEqual({
        reexec: false,
        outcome: { growth: "jsc-default", reason: "not serve" },
      })
    }
    // An option before the subcommand does not hide it.
    expect(planHeapGrowth({}, 24 * GB, ["--verbose", "serve"])).toEqual({ reexec: true })
  })
})
