-- 0008: statistics, second round (docs/metrics.md, docs/performance.md).
-- The job's lease, so that one node at a time rolls up, and monthly rollups
-- beside the hourly and daily ones, so that reports over whole months read
-- a twelfth of the rows.

-- Leases of the jobs that run on one node at a time, a row a job: who
-- holds it and until when. The holder renews it as it works; another node
-- takes it over once it has expired (store/leases.go). The statistics job
-- renews its row with every batch it stores.
CREATE TABLE job_leases (
    name       TEXT   NOT NULL PRIMARY KEY, -- the job: 'stats', 'tag_refresh'
    holder     TEXT   NOT NULL,             -- the node's name; '' free
    expires_at BIGINT NOT NULL,             -- ms
    taken_at   BIGINT NOT NULL              -- ms: when the holder took it
);
INSERT INTO job_leases (name, holder, expires_at, taken_at) VALUES ('stats', '', 0, 0);

-- bucket is the shop-local month: months since 1970-01 (January 1970 = 0).
-- Kept by the same differences as the daily rollup, in the same
-- transaction, so it is always the sum of the days of its month.
CREATE TABLE stats_monthly (
    shop_id  BIGINT NOT NULL,
    bucket   BIGINT NOT NULL,
    metric   TEXT   NOT NULL,
    item     TEXT   NOT NULL,
    channel  TEXT   NOT NULL,
    group_id BIGINT NOT NULL,
    agent_id BIGINT NOT NULL,
    n        BIGINT NOT NULL,
    total    BIGINT NOT NULL,
    PRIMARY KEY (shop_id, metric, bucket, item, channel, group_id, agent_id)
) WITHOUT ROWID;

-- The months of the days rolled up so far (a day's bucket is days since
-- 1970-01-01 on the shop's wall clock).
INSERT INTO stats_monthly (shop_id, bucket, metric, item, channel, group_id, agent_id, n, total)
SELECT shop_id,
       (CAST(strftime('%Y', bucket * 86400, 'unixepoch') AS INTEGER) - 1970) * 12
         + CAST(strftime('%m', bucket * 86400, 'unixepoch') AS INTEGER) - 1,
       metric, item, channel, group_id, agent_id, SUM(n), SUM(total)
FROM stats_daily
GROUP BY 1, 2, metric, item, channel, group_id, agent_id
HAVING SUM(n) <> 0 OR SUM(total) <> 0;
