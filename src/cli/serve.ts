import { defineCommand } from "citty"
import { createGateway } from "../app.ts"
import { ConfigError, loadConfig } from "../config/load.ts"
import { HEAP_GROWTH_VAR, heapGrowth } from "./heap-growth.ts"

export const serveCommand = defineCommand({
  meta: {
    name: "serve",
    description: "Run the gateway (HTTP API, queue, connectors) in the foreground",
  },
  args: {
    config: {
      type: "string",
      description: "TOML config file (default: $SIGNALBOX_CONFIG, else built-in defaults)",
    },
  },
  async run({ args }) {
    let config: ReturnType<typeof loadConfig>
    try {
      config = loadConfig({ file: args.config, env: process.env })
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`signalbox: invalid configuration\n${error.message}\n`)
        process.exit(2)
      }
      throw error
    }
    const gateway = createGateway(config)
    if (gateway.generatedAdminKey) {
      // Shown once, on stderr, never through the logger (whose lines may be shipped elsewhere).
      process.stderr.write(
        [
          "",
          "  A new admin API key was generated. It is shown only now; only its hash is stored.",
          `    ${gateway.generatedAdminKey}`,
          "  Use it as `Authorization: Bearer <key>` (or export SIGNALBOX_API_KEY=<key> for `signalbox send`).",
          "  To choose your own, set [auth] admin_key or SIGNALBOX_ADMIN_KEY.",
          "",
          "",
        ].join("\n"),
      )
    }
    const heap = heapGrowth()
    gateway.logger.info(
      { growth: heap.growth, reason: heap.reason, pid: process.pid },
      heap.growth === "proportional"
        ? "JS heap grows in proportion to its live size"
        : `JS heap grows by JavaScriptCore's big-machine rule (set ${HEAP_GROWTH_VAR} to choose)`,
    )
    // The handlers go in before start(): its "listening" line is what supervisors and scripts
    // wait for, and a signal right after it must stop the gateway cleanly, not kill it.
    const started = gateway.start()
    let stopping = false
    const shutdown = async (signal: string) => {
      if (stopping) return
      stopping = true
      gateway.logger.info({ signal }, "shutting down")
      await started.catch(() => {})
      await gateway.stop()
      process.exit(0)
    }
    process.on("SIGINT", () => void shutdown("SIGINT"))
    process.on("SIGTERM", () => void shutdown("SIGTERM"))
    await started
    if (!config.source) {
      process.stderr.write(
        `  No config file: using built-in defaults (simulator connector). API at ${gateway.url}/v1, docs at ${gateway.url}/docs\n`,
      )
    }
  },
})
