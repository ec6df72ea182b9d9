-- 0007: two-way messaging (docs/two-way.md): numbers and keywords owned by accounts,
-- conversations by (our number, their number), opt-outs.

-- Who owns inbound messages sent to a number: the whole number (keyword NULL), or only those
-- whose first word is `keyword` (a shared short code). `connector_id` narrows it to messages
-- arriving on that connector; it also names a modem's number when the SIM cannot report it.
CREATE TABLE numbers (
  id           TEXT PRIMARY KEY,
  account_id   TEXT NOT NULL,
  number       TEXT NOT NULL,
  keyword      TEXT,
  connector_id TEXT,
  created_at   INTEGER NOT NULL
) STRICT;
-- One owner per (number, keyword, connector); '' stands for "any" so that NULLs collide too.
-- Its first column also serves the lookup by number on every inbound message.
CREATE UNIQUE INDEX numbers_assignment ON numbers (number, ifnull(keyword, ''), ifnull(connector_id, ''));
CREATE INDEX numbers_account ON numbers (account_id, id);
CREATE INDEX numbers_connector ON numbers (connector_id) WHERE connector_id IS NOT NULL;

-- One thread per (account, our number, their number). `our_number` is NULL when neither the
-- connector nor a numbers row tells it (a modem without +CNUM): such a thread is keyed by its
-- connector instead. `connector_id` is where replies go out: the connector of the last inbound.
CREATE TABLE conversations (
  id              TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL,
  our_number      TEXT,
  their_number    TEXT NOT NULL,
  connector_id    TEXT NOT NULL,
  last_message_at INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX conversations_pair
  ON conversations (account_id, ifnull(our_number, '@' || connector_id), their_number);
CREATE INDEX conversations_recent ON conversations (account_id, last_message_at DESC, id DESC);

-- Threading. Partial indexes: rows outside a conversation (bulk sends) cost nothing.
ALTER TABLE inbound_messages ADD COLUMN conversation_id TEXT;
CREATE INDEX inbound_conversation ON inbound_messages (conversation_id, seq)
  WHERE conversation_id IS NOT NULL;
ALTER TABLE messages ADD COLUMN conversation_id TEXT;
CREATE INDEX messages_conversation ON messages (conversation_id, seq)
  WHERE conversation_id IS NOT NULL;
-- A message that must leave through this connector (a reply, an opt-out confirmation): the
-- outbox skips the routes for it. NULL: routed as usual.
ALTER TABLE messages ADD COLUMN pinned_connector_id TEXT;

-- Recipients who opted out of an account's messages: by keyword (STOP…) or through the API.
CREATE TABLE opt_outs (
  account_id TEXT NOT NULL,
  number     TEXT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('api', 'keyword')),
  keyword    TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, number)
) STRICT, WITHOUT ROWID;
CREATE INDEX opt_outs_recent ON opt_outs (account_id, created_at DESC, number DESC);
