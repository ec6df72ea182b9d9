import { describe, expect, test } from "bun:test"
import { Counter, Histogram, Registry } from "prom-client"
import { PlainCounter, PlainHistogram } from "./plain-metrics.ts"

const BUCKETS = [0.001, 0.01, 0.1, 1, 2.5]

/** The same metric from prom-client and from plain-metrics.ts, for identical exposition. */
function pair() {
  const theirs = new Registry()
  const ours = new Registry()
  return {
    theirs,
    ours,
    counter: {
      theirs: new Counter({
        name: "t_total",
        help: "A counter.",
        labelNames: ["connector", "result"],
        registers: [theirs],
      }),
      ours: new PlainCounter("t_total", "A counter.", ["connector", "result"], ours),
    },
    histogram: {
      theirs: new Histogram({
        name: "t_seconds",
        help: "A histogram.",
        labelNames: ["connector"],
        buckets: BUCKETS,
        registers: [theirs],
      }),
      ours: new PlainHistogram("t_seconds", "A histogram.", BUCKETS, ["connector"], ours),
    },
    unlabelled: {
      theirs: new Histogram({
        name: "u_seconds",
        help: "No labels.",
        buckets: BUCKETS,
        registers: [theirs],
      }),
      ours: new PlainHistogram("u_seconds", "No labels.", BUCKETS, [], ours),
    },
  }
}

describe("plain metrics", () => {
  test("expose the same text as prom-client for the same observations", async () => {
    const m = pair()
    for (const [connector, result, n] of [
      ["a", "sent", 3],
      ["a", "retry", 1],
      ["b", "sent", 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        m.counter.theirs.inc({ connector, result })
        m.counter.ours.labels(connector, result).inc()
      }
    }
    m.counter.theirs.inc({ connector: "b", result: "sent" }, 40)
    m.counter.ours.labels("b", "sent").inc(40)
    // On a bucket bound, between bounds, above the last one, zero.
    for (const [connector, value] of [
      ["a", 0.001],
      ["a", 0.05],
      ["a", 3],
      ["b", 0],
      ["b", 1],
    ] as const) {
      m.histogram.theirs.observe({ connector }, value)
      m.histogram.ours.labels(connector).observe(value)
    }
    m.unlabelled.theirs.observe(0.2)
    m.unlabelled.ours.labels().observe(0.2)
    expect(await m.ours.metrics()).toBe(await m.theirs.metrics())
  })

  test("an unlabelled histogram shows its zeros before the first observation", async () => {
    const m = pair()
    const text = await m.ours.metrics()
    expect(text).toBe(await m.theirs.metrics())
    expect(text).toContain('u_seconds_bucket{le="+Inf"} 0')
  })

  test("a label set with the wrong number of values is refused", () => {
    const m = pair()
    expect(() => m.counter.ours.labels("only-one")).toThrow("takes 2 label values")
  })
})
