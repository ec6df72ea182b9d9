// Runs before any test file. Nothing from src/ may be imported here: config is read by
// loadConfig(argv, env) at call time, so clearing the environment is enough to isolate tests.
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

for (const key of Object.keys(process.env)) {
  if (key.startsWith("SIGNALBOX_")) delete process.env[key]
}
process.env.SIGNALBOX_DATA_DIR = mkdtempSync(join(tmpdir(), "signalbox-test-"))
process.env.SIGNALBOX_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent"
