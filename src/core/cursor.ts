/** Opaque list cursors: `kind:value` in base64url, so a cursor of one list is refused by another. */
import { AppError } from "../lib/app-error.ts"

export const DEFAULT_PAGE = 20
export const MAX_PAGE = 100

export function encodeCursor(kind: string, value: string | number): string {
  return Buffer.from(`${kind}:${value}`).toString("base64url")
}

/** `param`: the query parameter the cursor came in (`cursor`, or `since` for inbound polling). */
function invalidCursor(param: string): AppError {
  const what = param === "cursor" ? "cursor is not one" : `${param} is not a cursor`
  return new AppError("validation_failed", `${what} this server issued`, {
    extra: { errors: [{ path: `/${param}`, message: "invalid cursor" }] },
  })
}

export function decodeCursor(kind: string, cursor: string, param = "cursor"): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8")
  if (!text.startsWith(`${kind}:`) || text.length === kind.length + 1) throw invalidCursor(param)
  return text.slice(kind.length + 1)
}

/** A positive sequence number; `min: 0` also takes 0 (an inbound poll that has seen nothing). */
export function decodeSeqCursor(
  kind: string,
  cursor: string,
  { param = "cursor", min = 1 }: { param?: string; min?: number } = {},
): number {
  const text = decodeCursor(kind, cursor, param)
  const seq = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(seq) || seq < min) throw invalidCursor(param)
  return seq
}

export function decodeCursorFields(kind: string, cursor: string, pattern: RegExp): string[] {
  const match = pattern.exec(decodeCursor(kind, cursor))
  if (!match) throw invalidCursor("cursor")
  return match.slice(1)
}

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
