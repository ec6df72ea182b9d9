-- 0005: webhook endpoints, their deliveries and every attempt (docs/webhooks.md).
-- Times are epoch milliseconds (INTEGER).

-- One subscriber URL of an account. `events` is a JSON array of event types (or ["*"]).
-- `secret` is the Standard Webhooks signing secret (whsec_…), shown once at creation.
-- Health: `consecutive_failures` counts failed attempts since the last 2xx; while it is above 0
-- the endpoint is probed with one delivery at a time, not before `retry_at` (circuit breaker).
CREATE TABLE webhook_endpoints (
  id                   TEXT PRIMARY KEY,
  account_id           TEXT NOT NULL,
  url                  TEXT NOT NULL,
  events               TEXT NOT NULL,
  description          TEXT,
  secret               TEXT NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'disabled')),
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  suspended_reason     TEXT,
  -- first failure of the current failing streak; NULL while healthy
  failing_since        INTEGER,
  -- when the last counted failure was recorded (attempts started before it overlap it)
  last_failure_at      INTEGER,
  -- no delivery to this endpoint starts before this while it is failing
  retry_at             INTEGER,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
) STRICT;
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, id);

-- The key that signs per-message `callback_url` deliveries (they have no endpoint of their own).
CREATE TABLE webhook_account_secrets (
  account_id TEXT PRIMARY KEY,
  secret     TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- One event for one destination. `id` (whd_…) is the `webhook-id` header: the same on every
-- retry, so receivers can deduplicate. Exactly one of endpoint_id / callback_url is set.
-- `payload` is the exact JSON body that is signed and sent.
-- `order_key` (message id + destination) keeps a message's events in order per destination:
-- a delivery waits while an earlier one with the same key is still open.
-- status: pending → delivering → succeeded | pending (retry) | failed (retry window spent, or
-- 410 on a callback URL); paused while its endpoint is suspended or disabled.
CREATE TABLE webhook_deliveries (
  seq              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  endpoint_id      TEXT REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  callback_url     TEXT,
  account_id       TEXT NOT NULL,
  event_type       TEXT NOT NULL,
  message_id       TEXT,
  order_key        TEXT,
  payload          TEXT NOT NULL,
  status           TEXT NOT NULL
    CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed', 'abandoned', 'paused')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_status_code INTEGER,
  last_error       TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  CHECK ((endpoint_id IS NULL) <> (callback_url IS NULL))
) STRICT;

-- The worker's queue: only pending rows are in it, so delivery history costs the poll nothing.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, seq) WHERE status = 'pending';
-- Open rows only. Queries repeat the IN (…) term so SQLite can prove the partial index applies.
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, status)
  WHERE status IN ('pending', 'delivering', 'paused');
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (order_key, seq)
  WHERE status IN ('pending', 'delivering', 'paused');
-- Listing an endpoint's deliveries newest first; also serves the ON DELETE CASCADE.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, seq);

-- Every attempt of a delivery, in order (`attempt` is 1-based). `status_code` is NULL when no
-- HTTP answer arrived (timeout, connection error, interrupted by a restart).
CREATE TABLE webhook_attempts (
  delivery_seq INTEGER NOT NULL REFERENCES webhook_deliveries (seq) ON DELETE CASCADE,
  attempt      INTEGER NOT NULL,
  at           INTEGER NOT NULL,
  status_code  INTEGER,
  duration_ms  INTEGER,
  error        TEXT,
  PRIMARY KEY (delivery_seq, attempt)
) STRICT, WITHOUT ROWID;
