import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** A temp folder removed at scope exit: `await using dir = tempDir()` or `using`. */
export function tempDir(prefix = "signalbox-"): {
  path: string
  [Symbol.dispose](): void
  [Symbol.asyncDispose](): Promise<void>
} {
  const path = mkdtempSync(join(tmpdir(), prefix))
  const remove = () => rmSync(path, { recursive: true, force: true })
  return { path, [Symbol.dispose]: remove, [Symbol.asyncDispose]: async () => remove() }
}
