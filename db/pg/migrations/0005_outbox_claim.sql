-- Webhook events are claimed by one process's sender at a time
-- (db_outbox_claim): claimed_until, in Unix milliseconds, ends the lease
-- the sender took when it picked the event.  Until then no other process
-- picks it; after it (the sender died or lost its connection) any one may.
-- A retry or a delivery ends the lease at once.

ALTER TABLE outbox ADD COLUMN claimed_until bigint NOT NULL DEFAULT 0;
