import type { AppErrorCode } from "../lib/app-error.ts"

/**
 * The catalogue of public errors (RFC 9457). Each stable `code` has one status and title; the
 * detail comes from the service. docs/errors.md has an anchor per code.
 */
export const PROBLEMS: Record<AppErrorCode, { status: number; title: string }> = {
  invalid_json: { status: 400, title: "Request body is not valid JSON" },
  authentication_failed: { status: 401, title: "Authentication failed" },
  insufficient_credits: { status: 402, title: "Insufficient credits" },
  forbidden: { status: 403, title: "Forbidden" },
  not_found: { status: 404, title: "Not found" },
  webhook_not_found: { status: 404, title: "Webhook endpoint not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  idempotency_conflict: { status: 409, title: "Idempotency key reused with a different request" },
  message_not_cancellable: { status: 409, title: "Message can no longer be canceled" },
  number_already_assigned: { status: 409, title: "Number or keyword already assigned" },
  webhook_not_active: { status: 409, title: "Webhook endpoint is not active" },
  connector_not_configured: { status: 409, title: "Conversation's connector is not configured" },
  payload_too_large: { status: 413, title: "Request body too large" },
  validation_failed: { status: 422, title: "Request failed validation" },
  invalid_phone_number: { status: 422, title: "Invalid phone number" },
  message_too_long: { status: 422, title: "Message too long" },
  sender_not_approved: { status: 422, title: "Sender ID not approved" },
  recipient_opted_out: { status: 422, title: "Recipient opted out" },
  invalid_webhook_url: { status: 422, title: "Invalid webhook URL" },
  unknown_event: { status: 422, title: "Unknown webhook event" },
  rate_limit_exceeded: { status: 429, title: "Rate limit exceeded" },
  internal_error: { status: 500, title: "Internal server error" },
  service_unavailable: { status: 503, title: "Service unavailable" },
}

export interface ProblemInput {
  code: AppErrorCode
  detail: string
  instance?: string
  requestId?: string
  extra?: Record<string, unknown>
}

export function problemBody(p: ProblemInput): Record<string, unknown> {
  const entry = PROBLEMS[p.code]
  return {
    // Relative URI reference, resolved against the gateway: /docs/errors lists every code.
    type: `/docs/errors#${p.code}`,
    title: entry.title,
    status: entry.status,
    code: p.code,
    detail: p.detail,
    ...(p.instance ? { instance: p.instance } : {}),
    ...(p.requestId ? { request_id: p.requestId } : {}),
    ...p.extra,
  }
}

export function problemResponse(p: ProblemInput, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problemBody(p)), {
    status: PROBLEMS[p.code].status,
    headers: { "content-type": "application/problem+json", ...headers },
  })
}
