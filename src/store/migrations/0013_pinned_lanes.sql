-- 0013: replies pinned to their conversation's connector (docs/two-way.md), queued by connector.
-- The dispatcher claims from messages_ready with the routes' room; a reply pinned to a connector
-- the routes do not use, or use but cannot reach now (every carrier down, the conversation's
-- modem up), waited for room it would never take. These are claimed with their own connector's
-- room. Only queued live replies are in the index: it costs ordinary sends nothing.
CREATE INDEX messages_pinned ON messages (pinned_connector_id, priority DESC, seq)
  WHERE status = 'queued' AND pinned_connector_id IS NOT NULL AND mode = 'live';
