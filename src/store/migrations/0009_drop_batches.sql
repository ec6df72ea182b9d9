-- 0009: the batches table was written on every send and never read: a batch is its messages,
-- found through messages_batch (batch_id, seq). Dropping it saves two b-tree inserts per request.
DROP TABLE batches;
