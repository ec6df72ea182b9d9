import { Type } from "@sinclair/typebox"
import { type TSchema, t } from "elysia"

export const STATUSES = [
  "scheduled",
  "queued",
  "sending",
  "sent",
  "delivered",
  "failed",
  "expired",
  "canceled",
] as const

export const SendBody = t.Object(
  {
    to: t.Union(
      [
        t.String({ minLength: 1, maxLength: 32 }),
        t.Array(t.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 1000 }),
      ],
      {
        description: "One E.164 number or a list of up to 1,000",
        examples: ["+233201234567"],
      },
    ),
    message: t.String({
      minLength: 1,
      description: "Text; GSM-7 or UCS-2 is chosen automatically. Up to 1,600 characters.",
    }),
    from: t.Optional(
      t.String({ maxLength: 16, description: "Alphanumeric sender (≤ 11 chars) or a number" }),
    ),
    scheduled_at: t.Optional(
      t.String({ description: "ISO 8601 date-time with time zone; sent then" }),
    ),
    priority: t.Optional(
      Type.Integer({ minimum: 0, maximum: 10, description: "0 lowest … 10 highest; default 5" }),
    ),
    idempotency_key: t.Optional(t.String({ minLength: 1, maxLength: 255 })),
    validity: t.Optional(
      t.Union([Type.Integer({ minimum: 1 }), t.String({ minLength: 1, maxLength: 40 })], {
        description:
          "Seconds from the send time (or from scheduled_at), or an ISO 8601 time: not sent by then → expired. At most 7 days.",
        examples: [600],
      }),
    ),
    callback_url: t.Optional(
      t.String({
        minLength: 1,
        maxLength: 2048,
        description: "http(s) URL that receives this message's status events, signed like webhooks",
      }),
    ),
  },
  { additionalProperties: false },
)

export const SEND_FIELDS = [
  "to",
  "message",
  "from",
  "scheduled_at",
  "priority",
  "idempotency_key",
  "validity",
  "callback_url",
] as const

const Encoding = t.Union([t.Literal("gsm7"), t.Literal("ucs2")])

export const SendResponse = t.Object({
  batch_id: t.String(),
  messages: t.Array(
    t.Object({
      id: t.String(),
      to: t.String(),
      status: t.Union([t.Literal("queued"), t.Literal("scheduled")]),
      segments: Type.Integer(),
      encoding: Encoding,
    }),
  ),
  credits: t.Optional(
    Type.Integer({
      description:
        "SMS credits the batch costs (segments × the price of each recipient's country): reserved now, charged when sent, released if a message ends before it is sent. Sandbox keys: the price; nothing is charged.",
    }),
  ),
})

/** `/{id}` of a route whose resource has a plain id. */
export const IdParams = t.Object({ id: t.String() })

/** `s` or null, with an optional description (one definition for every route). */
export const Nullable = <T extends TSchema>(s: T, options: { description?: string } = {}) =>
  t.Union([s, t.Null()], options)

export const MessageView = t.Object({
  id: t.String(),
  batch_id: t.String(),
  to: t.String(),
  from: Nullable(t.String()),
  message: t.String(),
  status: t.String(),
  priority: Type.Integer(),
  segments: Type.Integer(),
  encoding: t.String(),
  connector: Nullable(t.String()),
  carrier_message_id: Nullable(t.String()),
  attempts: Type.Integer(),
  error: Nullable(t.Object({ code: t.String(), detail: Nullable(t.String()) })),
  scheduled_at: Nullable(t.String()),
  created_at: t.String(),
  updated_at: t.String(),
  sent_at: Nullable(t.String()),
  delivered_at: Nullable(t.String()),
  expires_at: Nullable(t.String()),
  callback_url: Nullable(t.String()),
})

export const MessageDetail = t.Composite([
  MessageView,
  t.Object({
    parts: t.Array(
      t.Object({
        index: Type.Integer(),
        connector: t.String(),
        carrier_message_id: Nullable(t.String()),
        status: t.String(),
        error: Nullable(t.String()),
        submitted_at: Nullable(t.String()),
        receipt_at: Nullable(t.String()),
      }),
    ),
    events: t.Array(
      t.Object({
        status: t.String(),
        at: t.String(),
        detail: Nullable(t.String()),
        part: t.Optional(Type.Integer()),
      }),
    ),
  }),
])

export const MessageList = t.Object({
  data: t.Array(MessageView),
  next_cursor: Nullable(t.String()),
})

/** `limit` of a list: a whole number from 1 to `max`. */
export const pageLimit = (max: number) =>
  t.Optional(t.Numeric({ minimum: 1, maximum: max, multipleOf: 1 }))

/** `?limit=&cursor=` of a list whose pages hold at most `max`. */
export const pageQuery = (max: number) =>
  t.Object({ limit: pageLimit(max), cursor: t.Optional(t.String()) })

export const ListQuery = t.Object({
  status: t.Optional(t.Union(STATUSES.map((s) => t.Literal(s)))),
  to: t.Optional(t.String()),
  batch_id: t.Optional(t.String()),
  limit: pageLimit(1000),
  cursor: t.Optional(t.String()),
})

export const Problem = t.Object(
  {
    type: t.String(),
    title: t.String(),
    status: Type.Integer(),
    code: t.String(),
    detail: t.String(),
    instance: t.Optional(t.String()),
    request_id: t.Optional(t.String()),
  },
  { additionalProperties: true, description: "RFC 9457 problem details" },
)

/** The `response` entries of the error statuses a route can answer: each a problem+json body. */
export function problems<const C extends readonly number[]>(
  ...codes: C
): { [K in C[number]]: typeof Problem } {
  return Object.fromEntries(codes.map((code) => [code, Problem])) as {
    [K in C[number]]: typeof Problem
  }
}

/** One webhook delivery with every attempt (an endpoint's log, a message's callbacks). */
export const DeliveryView = t.Object({
  id: t.String({ description: "The `webhook-id` header: the same on every retry" }),
  event_type: t.String(),
  message_id: Nullable(t.String()),
  status: t.String({
    description: "pending | delivering | succeeded | failed | paused | abandoned",
  }),
  attempt_count: Type.Integer(),
  next_attempt_at: Nullable(t.String()),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(t.String()),
  created_at: t.String(),
  updated_at: t.String(),
  payload: t.Unknown({ description: "The exact body sent: { type, timestamp, data }" }),
  attempts: t.Array(
    t.Object({
      at: t.String(),
      status_code: Nullable(Type.Integer()),
      duration_ms: Nullable(Type.Integer()),
      error: Nullable(t.String()),
    }),
  ),
})
