-- 0017: an endpoint row says whether it has open deliveries (pending, delivering, paused), so
-- the worker's claim walks only active endpoints with something open. Before, it walked every
-- endpoint id with an open delivery and read its row to skip it: 10,000 suspended, disabled or
-- waiting endpoints with backlogs cost ~7 ms a claim (bench/webhook-claim.ts).
-- The flag is set with each new delivery and cleared when an outcome closes the endpoint's last
-- open one, by the repo in the same transaction (store/webhook-repo.ts); the worker recounts
-- every flag when it starts. A flag left set costs one index step; one wrongly clear would
-- hide the endpoint's backlog until the next start.
ALTER TABLE webhook_endpoints ADD COLUMN has_open INTEGER NOT NULL DEFAULT 0;

UPDATE webhook_endpoints SET has_open = EXISTS (
  SELECT 1 FROM webhook_deliveries d INDEXED BY webhook_deliveries_open
  WHERE d.endpoint_id = webhook_endpoints.id AND d.status IN ('pending', 'delivering', 'paused'));

CREATE INDEX webhook_endpoints_claimable ON webhook_endpoints (id)
  WHERE status = 'active' AND has_open = 1;
