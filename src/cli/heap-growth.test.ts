import { describe, expect, test } from "bun:test"
import { HEAP_GROWTH_VAR, planHeapGrowth, REEXEC_MARKER } from "./heap-growth.ts"

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

  test("a value JSC would not read, a forced RAM size, the marker and --inspect", () => {
    // Not a whole number of MB: JSC ignores it, so the growth follows the RAM.
    expect(planHeapGrowth({ [HEAP_GROWTH_VAR]: "1e6" }, 8 * GB, ["serve"])).toEqual({
      reexec: false,
      outcome: {
        growth: "proportional",
        reason: `${HEAP_GROWTH_VAR}=1e6 is not a whole number of MB; JSC ignores it`,
      },
    })
    // JSC sizes the heap from BUN_JSC_forceRAMSize when it is set.
    expect(planHeapGrowth({ BUN_JSC_forceRAMSize: String(4 * GB) }, 24 * GB, ["serve"])).toEqual({
      reexec: false,
      outcome: { growth: "proportional", reason: "RAM under 16 GB" },
    })
    expect(planHeapGrowth({ BUN_JSC_forceRAMSize: String(32 * GB) }, 8 * GB, ["serve"])).toEqual({
      reexec: true,
    })
    // Re-executed once already: never again, even if the variable got lost on the way.
    expect(planHeapGrowth({ [REEXEC_MARKER]: "1" }, 24 * GB, ["serve"])).toMatchObject({
      reexec: false,
      outcome: { growth: "jsc-default" },
    })
    expect(planHeapGrowth({}, 24 * GB, ["serve"], ["--inspect-brk"])).toMatchObject({
      reexec: false,
      outcome: { growth: "jsc-default", reason: "not re-executed under --inspect" },
    })
  })
})
