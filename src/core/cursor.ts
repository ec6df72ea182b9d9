/** Opaque list cursors: `kind:value` in base64url, so a cursor of one list is refused by another. */
import { AppError } from "../lib/app-error.ts"

export const DEFAULT_PAGE = 20
export const MAX_PAGE = 100

export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`).toString("base64url")
}

export function decodeCursor(kind: string, cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  if (!text.startsWith(`${kind}:`) || text.length === kind.length + 1) {
    throw new AppError("validation_failed", "cursor is not one this server issued", {
      extra: { errors: [{ path: "/cursor", message: "invalid cursor" }] },
    })
  }
  return text.slice(kind.length + 1)
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
