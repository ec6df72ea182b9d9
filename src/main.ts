#!/usr/bin/env bun
// `serve` may first replace this process with one that has JavaScriptCore's heap growth set
// (cli/heap-growth.ts). The commands are imported only after that, so a re-exec costs Bun's own
// start-up and not the loading of the whole program twice.
import { applyHeapGrowth } from "./cli/heap-growth.ts"

applyHeapGrowth()
await import("./cli/commands.ts")
