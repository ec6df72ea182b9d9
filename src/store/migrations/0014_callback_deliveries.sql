-- 0014: a message's callback_url deliveries, listed by message (GET /v1/messages/{id}/callbacks).
-- Only callback deliveries are in the index: endpoint deliveries are listed by endpoint
-- (webhook_deliveries_endpoint) and cost it nothing.
CREATE INDEX webhook_deliveries_callbacks ON webhook_deliveries (message_id, seq)
  WHERE callback_url IS NOT NULL;
