-- leadscore lead store, version 5 (sqlite): outbound webhook delivery.
-- webhook_cursors: one row per subscription (by its id in the webhooks
-- file). delivered: the cursor of the last stage change passed (delivered
-- with a 2xx, filtered out or dead-lettered); it only moves on once that
-- happened, so a restart resumes after it. lease_holder / lease_until: the
-- replica delivering it and until when (microseconds since the epoch); a
-- replica takes the lease with one conditional UPDATE and renews it while
-- it delivers. attempts / last_error / last_error_at: the failed attempts
-- at the change after delivered, and the newest failure.
CREATE TABLE webhook_cursors (
    subscription_id TEXT PRIMARY KEY,
    delivered INTEGER NOT NULL,
    lease_holder TEXT,
    lease_until INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_error_at INTEGER
);
-- Changes given up on after the documented number of attempts: the cursor
-- moved past them; a replay from before one delivers it again.
CREATE TABLE webhook_dead_letters (
    subscription_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, seq)
);
