#!/usr/bin/env node
// Makes `npm start` / `npm test` work on a fresh clone with only Node.js and npm: installs the
// locked dependencies (Bun itself comes from the `bun` npm package) when node_modules is missing
// or older than package-lock.json. Plain Node, no dependencies: it runs before anything is installed.
import { execSync } from "node:child_process"
import { existsSync, statSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const lock = join(root, "package-lock.json")
const marker = join(root, "node_modules", ".package-lock.json")
const bun = join(root, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun")

const fresh = existsSync(marker) && existsSync(bun) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs
if (!fresh) {
  process.stderr.write("signalbox: installing dependencies (npm install)…\n")
  execSync("npm install --no-audit --no-fund --loglevel=error", { cwd: root, stdio: "inherit" })
}
