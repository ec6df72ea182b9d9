-- 0012: the ready queue by mode. Sandbox (sk_test_) messages go to the built-in simulator, not to
-- a route, so the dispatcher claims them with the sandbox's room and live messages with the
-- routes' room. With one index for both, a carrier outage (no room on the routes) held back the
-- sandbox too, and a full sandbox would have made the dispatcher claim and hand back live work.
DROP INDEX messages_ready;
CREATE INDEX messages_ready ON messages (mode, priority DESC, account_id, seq) WHERE status = 'queued';
