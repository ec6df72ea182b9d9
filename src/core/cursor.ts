/** Opaque list cursors: `kind:value` in base64url, so a cursor of one list is refused by another. */
import { AppError } from "../lib/app-error.ts"

export const DEFAULT_PAGE = 20
export const MAX_PAGE = 100

export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`).toString("base64url")
}

function invalidCursor(): AppError {
  return new AppError("validation_failed", "cursor is not one this server issued", {
    extra: { errors: [{ path: "/cursor", message: "invalid cursor" }] },
  })
}

export function decodeCursor(kind: string, cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  if (!text.startsWith(`${kind}:`) || text.length === kind.length + 1) throw invalidCursor()
  return text.slice(kind.length + 1)
}

/** A cursor holding a row's positive integer key (a `seq`). */
export function decodeSeqCursor(kind: string, cursor: string): number {
  const seq = Number(decodeCursor(kind, cursor))
  if (!Number.isSafeInteger(seq) || seq <= 0) throw invalidCursor()
  return seq
}

/** A cursor holding several fields: the groups of `pattern` matched against its value. */
export function decodeCursorFields(kind: string, cursor: string, pattern: RegExp): string[] {
  const match = pattern.exec(decodeCursor(kind, cursor))
  if (!match) throw invalidCursor()
  return match.slice(1)
}

/** One page of `rows` (fetched with limit + 1) and the cursor of the next, or null. */
export function page<R, V>(
  rows: R[],
  limit: number,
  kind: string,
  key: (row: R) => string | number,
  view: (row: R) => V,
) {
  const slice = rows.slice(0, limit)
  const last = slice[slice.length - 1]
  return {
    data: slice.map(view),
    next_cursor: rows.length > limit && last !== undefined ? encodeCursor(kind, key(last)) : null,
  }
}

export function invalid(path: string, message: string, detail?: string): AppError {
  return new AppError("validation_failed", detail ?? `${path}: ${message}`, {
    extra: { errors: [{ path, message }] },
  })
}
