import { collectDefaultMetrics, Gauge, Registry } from "prom-client"
import type { Connector } from "../connectors/connector.ts"
import { PlainCounter, PlainHistogram } from "./plain-metrics.ts"

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
  /** Per-message metrics (see plain-metrics.ts): children by label values, in labelNames order. */
  readonly accepted: PlainCounter
  readonly acceptLatency: PlainHistogram
  readonly submitLatency: PlainHistogram
  readonly submitted: PlainCounter
  readonly receipts: PlainCounter

  constructor(sources: MetricsSources) {
    const registers = [this.registry]
    collectDefaultMetrics({ register: this.registry, prefix: "signalbox_process_" })
    const registry = this.registry
    this.accepted = new PlainCounter(
      "signalbox_messages_accepted_total",
      "Messages (one per recipient) committed by POST /v1/messages, by initial status.",
      ["status"],
      registry,
    )
    this.acceptLatency = new PlainHistogram(
      "signalbox_accept_latency_seconds",
      "Time to validate, store and commit one POST /v1/messages request.",
      LATENCY_BUCKETS,
      [],
      registry,
    )
    this.submitLatency = new PlainHistogram(
      "signalbox_submit_latency_seconds",
      "From acceptance to the connector accepting the message (submit_sm_resp / +CMGS).",
      LATENCY_BUCKETS,
      ["connector"],
      registry,
    )
    this.submitted = new PlainCounter(
      "signalbox_submits_total",
      "Submit outcomes recorded by the dispatcher, by connector and result (sent, retry, failed).",
      ["connector", "result"],
      registry,
    )
    this.receipts = new PlainCounter(
      "signalbox_receipts_total",
      "Delivery receipts received, by connector and state.",
      ["connector", "state"],
      registry,
    )

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
