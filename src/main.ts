#!/usr/bin/env bun
import { defineCommand, runMain } from "citty"
import { VERSION } from "./app.ts"
import { creditsCommand } from "./cli/credits.ts"
import { customersCommand } from "./cli/customers.ts"
import { keysCommand } from "./cli/keys.ts"
import { sendCommand } from "./cli/send.ts"
import { senderIdsCommand } from "./cli/sender-ids.ts"
import { serveCommand } from "./cli/serve.ts"

const main = defineCommand({
  meta: { name: "signalbox", version: VERSION, description: "Self-hosted SMS gateway" },
  subCommands: {
    serve: serveCommand,
    send: sendCommand,
    customers: customersCommand,
    keys: keysCommand,
    credits: creditsCommand,
    "sender-ids": senderIdsCommand,
  },
})

await runMain(main)
