import { AppError } from "../lib/app-error.ts"

/**
 * A route-level body parser: enforces the size limit with a problem+json answer, reports
 * malformed JSON precisely, and refuses unknown fields (Elysia drops them silently, bun-notes).
 */
export function jsonBody(allowedKeys: readonly string[], maxBytes: number) {
  const allowed = new Set(allowedKeys)
  return async ({ request }: { request: Request }): Promise<unknown> => {
    const declared = Number(request.headers.get("content-length") ?? "0")
    if (declared > maxBytes) {
      throw new AppError(
        "payload_too_large",
        `request body is ${declared} bytes; the limit is ${maxBytes}`,
      )
    }
    const type = request.headers.get("content-type") ?? ""
    if (!/^application\/([a-z.+-]*\+)?json\b/i.test(type)) {
      throw new AppError(
        "validation_failed",
        `Content-Type must be application/json, got ${type ? `"${type}"` : "none"}`,
        { extra: { errors: [{ path: "", message: "unsupported content type" }] } },
      )
    }
    const text = await request.text()
    if (text.length > maxBytes) {
      throw new AppError("payload_too_large", `request body is over the limit of ${maxBytes} bytes`)
    }
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      throw new AppError(
        "invalid_json",
        `request body is not valid JSON: ${(error as Error).message}`,
      )
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new AppError("validation_failed", "request body must be a JSON object", {
        extra: { errors: [{ path: "", message: "expected an object" }] },
      })
    }
    const unknown = Object.keys(value).filter((k) => !allowed.has(k))
    if (unknown.length > 0) {
      throw new AppError(
        "validation_failed",
        `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; allowed: ${[...allowed].join(", ")}`,
        { extra: { errors: unknown.map((k) => ({ path: `/${k}`, message: "unknown field" })) } },
      )
    }
    return value
  }
}
