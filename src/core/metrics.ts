import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client"
import type { Connector } from "../connectors/connector.ts"

/** What the metrics read at scrape time, so nothing is counted twice on the hot path. */
export interface MetricsSources {
  connectors: readonly Connector[]
  /** Messages by status for the queue gauges (only the cheap, indexed ones). */
  queueDepth(): { queued: number; scheduled: number }
}

// Accept and submit latencies live between a millisecond and a few seconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/**
 * Prometheus metrics on an own Registry (bun-notes: prom-client works under Bun). Counters on the
 * hot path are plain increments; connector state is read from health() at scrape time.
 */
export class GatewayMetrics {
  readonly registry = new Registry()
  readonly accepted: Counter<"status">
  readonly acceptLatency: Histogram
  readonly submitLatency: Histogram<"connector">
  readonly submitted: Counter<"connector" | "result">
  readonly receipts: Counter<"connector" | "state">
  /** Children per label set, for the per-message paths (see labelled()). */
  readonly acceptedAs: (status: string) => Counter.Internal
  readonly submittedAs: (connector: string, result: string) => Counter.Internal
  readonly submitLatencyOf: (connector: string) => Histogram.Internal<"connector">
  readonly receiptsAs: (connector: string, state: string) => Counter.Internal

  constructor(sources: MetricsSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: "signalbox_process_" })
    this.accepted = new Counter({
      name: "signalbox_messages_accepted_total",
      help: "Messages (one per recipient) committed by POST /v1/messages, by initial status.",
      labelNames: ["status"],
      registers,
    })
    this.acceptLatency = new Histogram({
      name: "signalbox_accept_latency_seconds",
      help: "Time to validate, store and commit one POST /v1/messages request.",
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.submitLatency = new Histogram({
      name: "signalbox_submit_latency_seconds",
      help: "From acceptance to the connector accepting the message (submit_sm_resp / +CMGS).",
      labelNames: ["connector"],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.submitted = new Counter({
      name: "signalbox_submits_total",
      help: "Submit outcomes recorded by the dispatcher, by connector and result (sent, retry, failed).",
      labelNames: ["connector", "result"],
      registers,
    })
    this.receipts = new Counter({
      name: "signalbox_receipts_total",
      help: "Delivery receipts received, by connector and state.",
      labelNames: ["connector", "state"],
      registers,
    })

    this.acceptedAs = labelled((status) => this.accepted.labels(status))
    this.submittedAs = labelled((connector, result) => this.submitted.labels(connector, result))
    this.submitLatencyOf = labelled((connector) => this.submitLatency.labels(connector))
    this.receiptsAs = labelled((connector, state) => this.receipts.labels(connector, state))

    const perConnector = (name: string, help: string, read: (c: Connector) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ["connector", "type"],
        registers,
        collect() {
          this.reset()
          for (const c of sources.connectors) this.set({ connector: c.id, type: c.type }, read(c))
        },
      })
    new Gauge({
      name: "signalbox_connector_state",
      help: "1 for the connector's current state (bound, connecting, down, throttled, saturated, stopped).",
      labelNames: ["connector", "state"],
      registers,
      collect() {
        this.reset()
        for (const c of sources.connectors)
          this.set({ connector: c.id, state: c.health().state }, 1)
      },
    })
    perConnector(
      "signalbox_connector_usable",
      "1 when the router may hand the connector messages.",
      (c) => (c.health().usable ? 1 : 0),
    )
    perConnector(
      "signalbox_connector_sessions_bound",
      "Bound sessions (binds, or 1 for a ready modem).",
      (c) => c.health().sessions.bound,
    )
    perConnector(
      "signalbox_connector_window_used",
      "Submits awaiting their response.",
      (c) => c.health().window.used,
    )
    perConnector(
      "signalbox_connector_window_size",
      "Outstanding submits allowed across sessions.",
      (c) => c.health().window.size,
    )
    perConnector(
      "signalbox_connector_tps_limit",
      "Configured parts per second.",
      (c) => c.health().tps,
    )
    perConnector(
      "signalbox_connector_queue_depth",
      "Messages handed to the connector and not yet settled.",
      (c) => c.health().pending,
    )
    perConnector(
      "signalbox_connector_parts_sent",
      "Parts the carrier or modem accepted since start.",
      (c) => c.health().counters.sent,
    )
    perConnector(
      "signalbox_connector_parts_failed",
      "Parts refused since start.",
      (c) => c.health().counters.failed,
    )
    perConnector(
      "signalbox_connector_throttled",
      "Throttle answers since start.",
      (c) => c.health().counters.throttled,
    )
    new Gauge({
      name: "signalbox_queue_depth",
      help: "Messages waiting in the SQLite queue, by status.",
      labelNames: ["status"],
      registers,
      collect() {
        const depth = sources.queueDepth()
        this.set({ status: "queued" }, depth.queued)
        this.set({ status: "scheduled" }, depth.scheduled)
      },
    })
  }

  text(): Promise<string> {
    return this.registry.metrics()
  }

  get contentType(): string {
    return this.registry.contentType
  }
}

/**
 * prom-client hashes the label object on every inc() and observe() (~3 % of the gateway's CPU
 * at 4,000 messages/s); the per-message paths keep each label set's child instead. Label
 * values are connector ids and fixed words, so the map stays small.
 */
function labelled<C>(make: (...values: string[]) => C): (...values: string[]) => C {
  const children = new Map<string, C>()
  return (...values) => {
    const key = values.length === 1 ? values[0]! : values.join("\u0000")
    let child = children.get(key)
    if (child === undefined) {
      child = make(...values)
      children.set(key, child)
    }
    return child
  }
}
