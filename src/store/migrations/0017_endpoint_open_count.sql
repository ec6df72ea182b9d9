-- 0017: every endpoint counts its open deliveries (pending, delivering, paused), kept by the
-- triggers below in the same statement as the delivery's change, so the worker's claim walks
-- only active endpoints with something open. Before, it walked every endpoint id with an open
-- delivery and read its endpoint row to skip it: 10,000 suspended, disabled or waiting
-- endpoints with backlogs cost ~7 ms a claim (bench/webhook-claim.ts). A delivery's endpoint_id
-- never changes; a deleted endpoint's deliveries go with it (ON DELETE CASCADE).
ALTER TABLE webhook_endpoints ADD COLUMN open_deliveries INTEGER NOT NULL DEFAULT 0;

UPDATE webhook_endpoints SET open_deliveries = (
  SELECT count(*) FROM webhook_deliveries d
  WHERE d.endpoint_id = webhook_endpoints.id AND d.status IN ('pending', 'delivering', 'paused'));

CREATE INDEX webhook_endpoints_claimable ON webhook_endpoints (id)
  WHERE status = 'active' AND open_deliveries > 0;

CREATE TRIGGER webhook_deliveries_opened AFTER INSERT ON webhook_deliveries
  WHEN NEW.endpoint_id IS NOT NULL AND NEW.status IN ('pending', 'delivering', 'paused')
BEGIN
  UPDATE webhook_endpoints SET open_deliveries = open_deliveries + 1 WHERE id = NEW.endpoint_id;
END;

CREATE TRIGGER webhook_deliveries_removed AFTER DELETE ON webhook_deliveries
  WHEN OLD.endpoint_id IS NOT NULL AND OLD.status IN ('pending', 'delivering', 'paused')
BEGIN
  UPDATE webhook_endpoints SET open_deliveries = open_deliveries - 1 WHERE id = OLD.endpoint_id;
END;

CREATE TRIGGER webhook_deliveries_status AFTER UPDATE OF status ON webhook_deliveries
  WHEN OLD.endpoint_id IS NOT NULL
    AND (OLD.status IN ('pending', 'delivering', 'paused'))
        <> (NEW.status IN ('pending', 'delivering', 'paused'))
BEGIN
  UPDATE webhook_endpoints
  SET open_deliveries = open_deliveries
    + CASE WHEN NEW.status IN ('pending', 'delivering', 'paused') THEN 1 ELSE -1 END
  WHERE id = OLD.endpoint_id;
END;
