/**
 * Where the worker threads' entry files are. This module sits at the top of `src/` on purpose:
 * in the compiled binary every bundled module's `import.meta.url` is the binary's own (the root
 * of its embedded files, which is `src/`), so only a URL written relative to `src/` resolves both
 * from source and from `dist/signalbox`. Each file here is also an entry point of `bun run build`
 * (package.json), or the binary would not carry it.
 */
export const PHONE_WORKER_URL = new URL("./codec/phone-worker.ts", import.meta.url).href
export const CHECKPOINT_WORKER_URL = new URL("./store/checkpoint-worker.ts", import.meta.url).href
