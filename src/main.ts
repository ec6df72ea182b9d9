#!/usr/bin/env bun
import { defineCommand, runMain } from "citty"
import { VERSION } from "./app.ts"
import { sendCommand } from "./cli/send.ts"
import { serveCommand } from "./cli/serve.ts"

const main = defineCommand({
  meta: { name: "signalbox", version: VERSION, description: "Self-hosted SMS gateway" },
  subCommands: { serve: serveCommand, send: sendCommand },
})

await runMain(main)
