-- 0011: earlier versions wrote `paused` on every pending delivery of a suspended or disabled
-- endpoint. Deliveries now stay `pending` and the endpoint's own status holds them (the log
-- shows them as paused), so suspending or resuming touches one row however long the backlog.
UPDATE webhook_deliveries SET status = 'pending' WHERE status = 'paused';
