-- 0015: live replies pinned to a connector leave the ready lanes. Since 0013 they are claimed
-- from messages_pinned with their own connector's room; in messages_ready too, a fair claim took
-- them with the routes' room and, their connector full, handed them back every round, ahead of
-- the same account's other messages (which then waited for the connector's backlog).
-- Sandbox replies stay: they go to the sandbox whatever they are pinned to.
DROP INDEX messages_ready;
CREATE INDEX messages_ready ON messages (mode, priority DESC, account_id, seq)
  WHERE status = 'queued' AND (pinned_connector_id IS NULL OR mode = 'test');
