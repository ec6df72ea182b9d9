// The `signalbox` command line and its subcommands (src/main.ts loads it).
import { defineCommand, runMain } from "citty"
import { VERSION } from "../app.ts"
import { creditsCommand } from "./credits.ts"
import { customersCommand } from "./customers.ts"
import { keysCommand } from "./keys.ts"
import { sendCommand } from "./send.ts"
import { senderIdsCommand } from "./sender-ids.ts"
import { serveCommand } from "./serve.ts"

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
