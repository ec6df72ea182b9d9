import { Elysia } from "elysia"
import { type AppErrorCode, isAppError } from "../../lib/app-error.ts"
import { newId } from "../../lib/ids.ts"
import type { Logger } from "../../lib/logger.ts"
import { problemResponse } from "../problems.ts"

interface ValidationIssue {
  path?: string
  message?: string
  summary?: string
}

/**
 * Maps every error to RFC 9457 problem+json. Unknown errors become a 500 with a request id and
 * are logged with their cause; their message never reaches the client.
 */
export function problemPlugin(logger: Logger) {
  return new Elysia({ name: "problem" })
    .derive({ as: "global" }, ({ set }) => {
      const requestId = newId("req")
      set.headers["x-request-id"] = requestId
      return { requestId }
    })
    .onError({ as: "global" }, (ctx) => {
      const { code, error, request, path } = ctx
      const requestId = (ctx as { requestId?: string }).requestId ?? newId("req")
      const base = { instance: path, requestId }
      // Elysia wraps what a parse hook throws in a ParseError; our parser throws AppErrors.
      const cause = (error as { cause?: unknown }).cause
      if (code === "PARSE" && isAppError(cause)) {
        return problemResponse(
          { code: cause.code, detail: cause.message, extra: cause.extra, ...base },
          { "x-request-id": requestId },
        )
      }
      if (isAppError(error)) {
        const headers: Record<string, string> = { "x-request-id": requestId }
        return problemResponse(
          { code: error.code, detail: error.message, extra: error.extra, ...base },
          headers,
        )
      }
      const plain = (c: AppErrorCode, detail: string, extra?: Record<string, unknown>) =>
        problemResponse({ code: c, detail, extra, ...base }, { "x-request-id": requestId })
      switch (code) {
        case "VALIDATION": {
          const all = ((error as { all?: ValidationIssue[] }).all ?? []).map((issue) => ({
            path: issue.path ?? "",
            message: issue.summary ?? issue.message ?? "invalid",
          }))
          const first = all[0]
          const detail = first
            ? `${first.path || "request"}: ${first.message}`
            : "request failed validation"
          return plain("validation_failed", detail, { errors: all })
        }
        case "PARSE":
          return plain("invalid_json", "request body could not be parsed")
        case "NOT_FOUND":
          return plain("not_found", `no route for ${request.method} ${path}`)
        default: {
          const status = (error as { status?: number }).status
          if (status === 413) return plain("payload_too_large", "request body too large")
          logger.error({ err: error, request_id: requestId, path }, "unhandled error in request")
          return plain(
            "internal_error",
            `internal error; quote request id ${requestId} when reporting it`,
          )
        }
      }
    })
}
