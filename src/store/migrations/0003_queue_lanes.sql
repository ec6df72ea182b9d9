-- 0003: fair queueing lanes, expiry, per-message callbacks.
--
-- The ready queue is walked per (priority, account) lane: the dispatcher lists the lanes that
-- have queued work (a few index seeks, however long the backlog) and takes a fair share from
-- each, highest priority first. See docs/queueing.md.
DROP INDEX messages_ready;
CREATE INDEX messages_ready ON messages (priority DESC, account_id, seq) WHERE status = 'queued';

-- `validity`: a message not sent by this time ends `expired`. Only rows that can still expire
-- are in the index, so the sweep costs nothing when no one uses validity.
ALTER TABLE messages ADD COLUMN expires_at INTEGER;
CREATE INDEX messages_expiry ON messages (expires_at)
  WHERE expires_at IS NOT NULL AND status IN ('queued', 'scheduled');

-- A per-message webhook URL (`callback_url` on POST /v1/messages).
ALTER TABLE messages ADD COLUMN callback_url TEXT;
