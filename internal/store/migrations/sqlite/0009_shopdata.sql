-- 0009 (shop data): buyer tags that age, and buyer upload quotas.
--
-- tags_due is when a buyer's tags may next change with no new data (a
-- refund leaving its window, a buyer turning inactive): 0 for never, 1 for
-- "now". tags_gen counts changes to what the tags are computed from (the
-- buyer's data, the shop's rules and thresholds), so a computation from
-- older data is never stored over a newer one. Every verified buyer starts
-- due, so the refresh job computes their due time once.
ALTER TABLE buyers ADD COLUMN tags_due BIGINT NOT NULL DEFAULT 0;
ALTER TABLE buyers ADD COLUMN tags_gen BIGINT NOT NULL DEFAULT 0;
UPDATE buyers SET tags_due = 1 WHERE external_id <> '';
CREATE INDEX buyers_tags_due ON buyers (tags_due, id) WHERE tags_due > 0;

-- The lease of the tag refresh job: one node at a time runs it.
INSERT INTO job_leases (name, holder, expires_at, taken_at) VALUES ('tag_refresh', '', 0, 0);

-- How much each buyer and each shop uploaded in the current window (images
-- sent in chats), so limits hold across every node. A row is removed once
-- its window has ended.
CREATE TABLE upload_quota (
    key        TEXT   PRIMARY KEY, -- b:<shop>:<buyer>, v:<shop>:<visitor>, s:<shop>
    window_end BIGINT NOT NULL,
    uploads    BIGINT NOT NULL,
    bytes      BIGINT NOT NULL
);
CREATE INDEX upload_quota_end ON upload_quota (window_end);
