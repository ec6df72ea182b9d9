-- 0016: a receipt finds its part in index order. The lookup wants the newest part with a
-- carrier id (a modem's TP-MR wraps at 256); with submitted_at in the index that is the index's
-- last entry, instead of a temporary b-tree built to sort the matches for every receipt.
DROP INDEX message_parts_carrier;
CREATE INDEX message_parts_carrier ON message_parts (connector_id, carrier_id, submitted_at);
