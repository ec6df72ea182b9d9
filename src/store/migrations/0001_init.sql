-- 0001: messages, their parts and their timeline; idempotency; settings.
-- Times are epoch milliseconds (INTEGER); the API renders them as ISO 8601 UTC.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE batches (
  id          TEXT PRIMARY KEY,
  account_id  TEXT NOT NULL,
  recipients  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT;

-- One row per recipient. `seq` orders the queue and pages lists; `id` is the public msg_ id.
CREATE TABLE messages (
  seq                INTEGER PRIMARY KEY,
  id                 TEXT NOT NULL UNIQUE,
  batch_id           TEXT NOT NULL,
  account_id         TEXT NOT NULL,
  to_number          TEXT NOT NULL,
  from_addr          TEXT,
  body               TEXT NOT NULL,
  encoding           TEXT NOT NULL,
  segments           INTEGER NOT NULL,
  reference          INTEGER NOT NULL,
  priority           INTEGER NOT NULL,
  status             TEXT NOT NULL,
  scheduled_at       INTEGER,
  -- earliest time the dispatcher may take it (retry backoff); equals created_at otherwise
  not_before         INTEGER NOT NULL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  connector_id       TEXT,
  carrier_message_id TEXT,
  error_code         TEXT,
  error_detail       TEXT,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  sent_at            INTEGER,
  delivered_at       INTEGER,
  final_at           INTEGER
) STRICT;

-- The dispatch queue: only queued rows are in this partial index, so a large history of final
-- messages costs the dequeue nothing.
CREATE INDEX messages_ready ON messages (priority DESC, seq) WHERE status = 'queued';
CREATE INDEX messages_scheduled ON messages (scheduled_at) WHERE status = 'scheduled';
CREATE INDEX messages_batch ON messages (batch_id, seq);
CREATE INDEX messages_to ON messages (to_number, seq);
-- No index on status alone: every state change would have to update it (measured: -20% on
-- insert+claim). Status filters in lists walk newest-first by seq, which finds recent rows fast.

-- One row per submitted part: its carrier id (for receipts) and its own status.
CREATE TABLE message_parts (
  message_id     TEXT NOT NULL,
  part_index     INTEGER NOT NULL,
  connector_id   TEXT NOT NULL,
  carrier_id     TEXT,
  carrier_id_raw TEXT,
  status         TEXT NOT NULL,
  error          TEXT,
  submitted_at   INTEGER,
  receipt_at     INTEGER,
  PRIMARY KEY (message_id, part_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX message_parts_carrier ON message_parts (connector_id, carrier_id);

-- Every state change of a message (and of its parts: `part` is 0-based, NULL for the message).
-- Clustered by message (WITHOUT ROWID): one b-tree insert per event instead of two (~20 %).
-- `seq` is a process-monotonic microsecond stamp from the writer (message-repo.ts).
CREATE TABLE message_events (
  message_id TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  status     TEXT NOT NULL,
  part       INTEGER,
  at         INTEGER NOT NULL,
  detail     TEXT,
  PRIMARY KEY (message_id, seq)
) STRICT, WITHOUT ROWID;

-- Receipts that arrived before the submit_sm_resp they refer to was stored (carriers do this).
CREATE TABLE pending_receipts (
  connector_id TEXT NOT NULL,
  carrier_id   TEXT NOT NULL,
  state        TEXT NOT NULL,
  stat         TEXT NOT NULL,
  error        TEXT,
  done_at      INTEGER,
  raw          TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (connector_id, carrier_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE idempotency_keys (
  account_id   TEXT NOT NULL,
  key          TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status       INTEGER NOT NULL,
  response     TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (account_id, key)
) STRICT, WITHOUT ROWID;
