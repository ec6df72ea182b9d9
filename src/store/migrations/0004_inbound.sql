-- 0004: inbound (mobile-originated) messages from every connector.
--
-- `seq` is the arrival order and the polling cursor. Writes are serialized through one
-- connection and each transaction runs to completion before any read, so a row with a higher
-- seq is never visible before a lower one: `since=<seq>` never skips or repeats a message.
-- AUTOINCREMENT: a seq is never reused, even after deletions.
CREATE TABLE inbound_messages (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  id           TEXT NOT NULL UNIQUE,
  account_id   TEXT NOT NULL,
  connector_id TEXT NOT NULL,
  from_addr    TEXT NOT NULL,
  to_addr      TEXT,
  body         TEXT NOT NULL,
  encoding     TEXT NOT NULL,
  parts        INTEGER NOT NULL,
  external_id  TEXT,
  sent_at      INTEGER,
  received_at  INTEGER NOT NULL,
  created_at   INTEGER NOT NULL
) STRICT;
-- A peer that redelivers an MO (lost deliver_sm_resp, modem re-read) does not store it twice.
CREATE UNIQUE INDEX inbound_external ON inbound_messages (connector_id, external_id)
  WHERE external_id IS NOT NULL;
CREATE INDEX inbound_account ON inbound_messages (account_id, seq);
CREATE INDEX inbound_from ON inbound_messages (from_addr, seq);
