/**
 * The one error type services throw for conditions a client can act on. The HTTP layer maps
 * `code` to a status and title through src/http/problems.ts; it never invents messages.
 */
export type AppErrorCode =
  | "authentication_failed"
  | "forbidden"
  | "not_found"
  | "validation_failed"
  | "invalid_phone_number"
  | "message_too_long"
  | "insufficient_credits"
  | "sender_not_approved"
  | "recipient_opted_out"
  | "rate_limit_exceeded"
  | "idempotency_conflict"
  | "message_not_cancellable"
  | "number_already_assigned"
  | "connector_not_configured"
  | "webhook_not_found"
  | "webhook_not_active"
  | "invalid_webhook_url"
  | "unknown_event"
  | "payload_too_large"
  | "invalid_json"
  | "method_not_allowed"
  | "service_unavailable"
  | "internal_error"

export interface AppErrorOptions {
  cause?: unknown
  /** Extra members of the problem document (e.g. `errors`, `recipient`). */
  extra?: Record<string, unknown>
}

export class AppError extends Error {
  readonly code: AppErrorCode
  readonly extra: Record<string, unknown> | undefined

  constructor(code: AppErrorCode, detail: string, options: AppErrorOptions = {}) {
    super(detail, { cause: options.cause })
    this.name = "AppError"
    this.code = code
    this.extra = options.extra
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError
}
