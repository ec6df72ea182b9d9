import { CodecError } from "../codec/codec-error.ts"
import { normalizePhones } from "../codec/phone.ts"
import { segmentText } from "../codec/segment.ts"
import { AppError } from "../lib/app-error.ts"
import type { Clock } from "../lib/clock.ts"
import { newId } from "../lib/ids.ts"
import type { Store } from "../store/index.ts"
import type { BatchRecipient, NewBatch } from "../store/message-repo.ts"
import { rememberAnswer, replayOf, requestHash } from "./idempotency.ts"
import { recordNew, recordNewBatch } from "./message-end.ts"
import type { MessageNotifier } from "./message-notifier.ts"
import { assertNotOptedOut } from "./optout.ts"
import type { PhoneNormalizer } from "./phone-normalizer.ts"
import type { SendPolicy } from "./send-policy.ts"
import type { TargetPolicy } from "./webhooks/target-policy.ts"

export const MAX_RECIPIENTS = 1000
const URGENT = { urgent: true } as const
/** Priority when the request names none: the middle, so bulk can go below and OTPs above. */
export const DEFAULT_PRIORITY = 5

export interface SendRequest {
  accountId: string
  to: string | string[]
  message: string
  from?: string
  scheduledAt?: string
  priority?: number
  idempotencyKey?: string
  /** Seconds from now, or an ISO 8601 time: not sent by then → `expired`. */
  validity?: number | string
  /** Per-message webhook URL for this message's status events. */
  callbackUrl?: string
  /**
   * A reply in a conversation: threaded into it and pinned to its connector (docs/two-way.md);
   * refused (409) if that connector is not configured, unless it replays an answered request.
   */
  conversation?: { id: string; connectorId: string }
  /** `test`: a sandbox key's request: priced and validated, simulated, never charged. */
  mode?: "live" | "test"
}

/** The longest validity accepted: carriers keep a message at most about this long (SMPP 3.4 §7.1.6 allows more, networks do not). */
export const MAX_VALIDITY_S = 7 * 24 * 3600

export interface AcceptedMessage {
  id: string
  to: string
  status: "queued" | "scheduled"
  segments: number
  encoding: "gsm7" | "ucs2"
}

export interface AcceptResult {
  /** 202 for a new batch; the stored status for an idempotent replay. */
  status: number
  body: { batch_id: string; messages: AcceptedMessage[]; credits?: number }
  replayed: boolean
}

// GSM 03.40 / carrier practice: alphanumeric originators are at most 11 characters.
const ALPHANUMERIC_SENDER = /^[A-Za-z0-9 .\-_&]{1,11}$/
const NUMERIC_SENDER = /^\+?[0-9]{1,15}$/

/** Validates and normalises the sender, or throws validation_failed naming it. */
export function normalizeSender(from: string | undefined): string | null {
  if (from === undefined || from === "") return null
  if (NUMERIC_SENDER.test(from)) return from
  if (ALPHANUMERIC_SENDER.test(from) && /[A-Za-z]/.test(from)) return from
  throw new AppError(
    "validation_failed",
    `from "${from}" is not a valid sender: use up to 11 letters/digits, or a number of up to 15 digits`,
    { extra: { errors: [{ path: "/from", message: "invalid sender" }] } },
  )
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/

function parseSchedule(value: string | undefined, now: number): number | null {
  if (value === undefined) return null
  // ISO 8601 with a time zone designator; a bare local time would be ambiguous on a server.
  if (!ISO_WITH_ZONE.test(value)) {
    throw new AppError(
      "validation_failed",
      `scheduled_at "${value}" is not an ISO 8601 date-time with a time zone (e.g. 2026-01-31T09:00:00Z)`,
      { extra: { errors: [{ path: "/scheduled_at", message: "invalid date-time" }] } },
    )
  }
  const at = Date.parse(value)
  if (Number.isNaN(at)) {
    throw new AppError("validation_failed", `scheduled_at "${value}" is not a valid date`, {
      extra: { errors: [{ path: "/scheduled_at", message: "invalid date-time" }] },
    })
  }
  return at > now ? at : null
}

function parseValidity(
  value: number | string | undefined,
  now: number,
  startsAt: number,
): number | null {
  if (value === undefined) return null
  const invalid = (why: string) =>
    new AppError("validation_failed", `validity ${JSON.stringify(value)} ${why}`, {
      extra: { errors: [{ path: "/validity", message: why }] },
    })
  let at: number
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 1 || value > MAX_VALIDITY_S) {
      throw invalid(
        `must be a whole number of seconds from 1 to ${MAX_VALIDITY_S}, or an ISO 8601 time`,
      )
    }
    at = startsAt + value * 1000
  } else {
    if (!ISO_WITH_ZONE.test(value) || Number.isNaN(Date.parse(value))) {
      throw invalid("is not a number of seconds or an ISO 8601 date-time with a time zone")
    }
    at = Date.parse(value)
    if (at <= now) throw invalid("is in the past")
    if (at <= startsAt) throw invalid("ends before scheduled_at")
    if (at - now > MAX_VALIDITY_S * 1000) throw invalid(`is more than ${MAX_VALIDITY_S} s away`)
  }
  return at
}

function parseCallbackUrl(
  value: string | undefined,
  accountId: string,
  targets: TargetPolicy,
): string | null {
  if (value === undefined || value === "") return null
  const reason = targets.urlProblem(accountId, value)
  if (reason) {
    throw new AppError("validation_failed", `callback_url "${value.slice(0, 100)}" ${reason}`, {
      extra: { errors: [{ path: "/callback_url", message: reason }] },
    })
  }
  return value
}

function sendRequestHash(req: SendRequest): string {
  return requestHash([
    req.to,
    req.message,
    req.from ?? null,
    req.scheduledAt ?? null,
    req.priority ?? null,
    req.validity ?? null,
    req.callbackUrl ?? null,
    ...(req.conversation ? [req.conversation.id] : []),
  ])
}

export interface AcceptDeps {
  store: Store
  clock: Clock
  /** Webhook events for the new messages (message.queued). */
  notifier?: MessageNotifier
  /** Told after a commit that made messages ready now, so the dispatcher wakes at once. */
  onQueued(): void
  /** Sender approval, pricing and credit reservation (docs/tenancy.md); absent: none. */
  policy?: SendPolicy
  /** Long recipient lists normalised off the event loop; absent: all inline. */
  phones?: PhoneNormalizer
  /** Where the account's callback_url may point (an http(s) URL; [webhooks] private_targets). */
  targets: TargetPolicy
  /** The configured connectors: a reply leaves only through its conversation's. */
  connectorIds: ReadonlySet<string>
}

/**
 * Validates a send request, stores one message row (and its first events) per recipient, and
 * resolves only after the rows are committed. Nothing is stored when any recipient is invalid.
 */
export async function acceptMessages(deps: AcceptDeps, req: SendRequest): Promise<AcceptResult> {
  const now = deps.clock.now()
  // Sandbox requests have idempotency keys of their own.
  const idempotencyAccount = req.mode === "test" ? `${req.accountId}/test` : req.accountId
  const hash = req.idempotencyKey === undefined ? "" : sendRequestHash(req)
  const replay = () =>
    req.idempotencyKey === undefined
      ? null
      : replayOf<AcceptResult["body"]>(deps.store, idempotencyAccount, req.idempotencyKey, hash)
  // A retry gets its first answer even if what was checked then (sender approval, opt-outs,
  // credits, the clock) has changed since; asked again in the transaction for concurrent ones.
  const early = replay()
  if (early) return early
  if (req.conversation && !deps.connectorIds.has(req.conversation.connectorId)) {
    // Accepted, it would wait in the queue until the connector is configured again.
    const { id, connectorId } = req.conversation
    throw new AppError(
      "connector_not_configured",
      `Conversation ${id} came in on connector ${connectorId}, which is not configured; a reply can only leave through it. Send with POST /v1/messages to route it instead.`,
      { extra: { connector: connectorId } },
    )
  }
  const recipients = Array.isArray(req.to) ? req.to : [req.to]
  if (recipients.length === 0) {
    throw new AppError("validation_failed", "to must name at least one recipient", {
      extra: { errors: [{ path: "/to", message: "empty" }] },
    })
  }
  if (recipients.length > MAX_RECIPIENTS) {
    throw new AppError(
      "validation_failed",
      `to has ${recipients.length} recipients; the limit is ${MAX_RECIPIENTS}`,
      {
        extra: { errors: [{ path: "/to", message: "too many recipients" }] },
      },
    )
  }
  const normalizing = deps.phones ? deps.phones.normalize(recipients) : normalizePhones(recipients)
  const {
    e164: numbers,
    countries,
    invalid,
  } = normalizing instanceof Promise ? await normalizing : normalizing
  if (invalid.length > 0) {
    const first = invalid[0]!
    throw new AppError(
      "invalid_phone_number",
      `"${first.to}" is not a valid phone number: ${first.reason}` +
        (invalid.length > 1 ? ` (and ${invalid.length - 1} more)` : ""),
      { extra: { invalid: invalid.slice(0, 100) } },
    )
  }

  let segmented: ReturnType<typeof segmentText>
  try {
    segmented = segmentText(req.message)
  } catch (error) {
    if (error instanceof CodecError && error.code === "message_too_long") {
      throw new AppError("message_too_long", error.message)
    }
    if (error instanceof CodecError && error.code === "empty_message") {
      throw new AppError("validation_failed", "message must not be empty", {
        extra: { errors: [{ path: "/message", message: "empty" }] },
      })
    }
    throw error
  }
  const from = deps.policy
    ? deps.policy.sender(req, normalizeSender(req.from))
    : normalizeSender(req.from)
  const scheduledAt = parseSchedule(req.scheduledAt, now)
  const expiresAt = parseValidity(req.validity, now, scheduledAt ?? now)
  const callbackUrl = parseCallbackUrl(req.callbackUrl, req.accountId, deps.targets)
  const priority = req.priority ?? DEFAULT_PRIORITY
  const status: "queued" | "scheduled" = scheduledAt === null ? "queued" : "scheduled"
  const batchId = newId("bat", now)
  const segments = segmented.parts.length
  const encoding = segmented.encoding

  const batch: NewBatch = {
    batch_id: batchId,
    account_id: req.accountId,
    from_addr: from,
    body: req.message,
    encoding,
    segments,
    priority,
    status,
    scheduled_at: scheduledAt,
    not_before: scheduledAt ?? now,
    created_at: now,
    expires_at: expiresAt,
    callback_url: callbackUrl,
    mode: req.mode ?? "live",
    // A reply in a conversation is threaded into it and leaves through its connector.
    conversation_id: req.conversation?.id ?? null,
    pinned_connector_id: req.conversation?.connectorId ?? null,
  }
  const perRecipient: BatchRecipient[] = numbers.map((to) => ({
    id: newId("msg", now),
    to_number: to,
    reference: Math.floor(Math.random() * 256),
  }))
  const pricing = deps.policy?.price(countries, segments)
  const body = {
    batch_id: batchId,
    messages: perRecipient.map((r) => ({ id: r.id, to: r.to_number, status, segments, encoding })),
    ...(pricing ? { credits: pricing.total } : {}),
  }
  const detail =
    status === "scheduled" ? `scheduled for ${new Date(scheduledAt!).toISOString()}` : "accepted"

  const result = await deps.store.batcher.run((): AcceptResult => {
    const replayed = replay()
    if (replayed) return replayed
    // In the transaction, so a STOP committed just before cannot be overtaken.
    assertNotOptedOut(deps.store, req.accountId, numbers)
    if (perRecipient.length === 1)
      recordNew(deps.store, { ...batch, ...perRecipient[0]! }, now, detail, deps.notifier)
    else recordNewBatch(deps.store, batch, perRecipient, now, detail, deps.notifier)
    if (req.conversation) deps.store.conversations.bump(req.conversation.id, now)
    // Reserves the batch's credits (402 rolls the batch back).
    if (pricing) deps.policy!.commit(req, batchId, body.messages, pricing, now)
    if (req.idempotencyKey !== undefined) {
      rememberAnswer(
        deps.store,
        {
          account: idempotencyAccount,
          key: req.idempotencyKey,
          requestHash: hash,
          status: 202,
          body,
        },
        now,
      )
    }
    return { status: 202, body, replayed: false }
    // A client is waiting: committed ahead of the dispatch work queued in the same turn.
  }, URGENT)
  if (!result.replayed && status === "queued") deps.onQueued()
  return result
}
