-- 0006: statistics (docs/metrics.md). Where each buyer came from (the
-- channel), every change of an agent's status (for time online), the hourly
-- and daily rollups of every measure with what each conversation added to
-- them (so a conversation can be recomputed and its old share taken back),
-- the job's cursors, and the knowledge-gap loop: buyer questions the bot did
-- not answer and the FAQ drafts made from them.

CREATE TABLE conversation_channels (
    conversation_id BIGINT NOT NULL PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    shop_id         BIGINT NOT NULL,
    channel         TEXT   NOT NULL -- web, mobile
);

CREATE TABLE agent_status_log (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL,
    status     TEXT   NOT NULL,
    at         BIGINT NOT NULL
);
CREATE INDEX agent_status_log_shop ON agent_status_log (shop_id, at);
CREATE INDEX agent_status_log_agent ON agent_status_log (shop_id, account_id, id);
-- Agents at work when this migration runs start their log now.
INSERT INTO agent_status_log (shop_id, account_id, status, at)
SELECT shop_id, account_id, status, CAST(strftime('%s', 'now') AS INTEGER) * 1000 FROM memberships WHERE status <> 'offline';

-- One row a shop: the time zone its rollups were made in, and how far a
-- rebuild (first run, or a new time zone) has come.
CREATE TABLE stats_shops (
    shop_id    BIGINT  NOT NULL PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    timezone   TEXT    NOT NULL,
    rebuild_id BIGINT  NOT NULL DEFAULT 0, -- conversations up to this id are rebuilt
    rebuilding INTEGER NOT NULL DEFAULT 1
);

-- The job's cursors over all shops: one row a source.
CREATE TABLE stats_cursors (
    name     TEXT   NOT NULL PRIMARY KEY, -- messages, events, ratings, settled
    position BIGINT NOT NULL,             -- an id, or a time in ms
    tiebreak BIGINT NOT NULL DEFAULT 0    -- the id among rows of one time
);
-- The row every job transaction locks first, so that nodes take turns.
INSERT INTO stats_cursors (name, position) VALUES ('lock', 0);

-- What each conversation added to the rollups, encoded (store/stats_codec.go).
CREATE TABLE stats_contrib (
    conversation_id BIGINT NOT NULL PRIMARY KEY,
    shop_id         BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    data            BLOB   NOT NULL
);

-- bucket is the shop-local hour (hours since 1970-01-01 00:00 on the shop's
-- wall clock); in stats_daily, the shop-local day. The key leads with the
-- metric: a report reads a few metrics over a range of buckets, and skips
-- the rows of all the others (per-FAQ rows outnumber the rest).
CREATE TABLE stats_hourly (
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

CREATE TABLE stats_daily (
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

-- The sources the job scans besides messages and events (by id).
CREATE INDEX conversations_closed ON conversations (closed_at, id) WHERE closed_at > 0;
CREATE INDEX conversation_service_rated ON conversation_service (rated_at, conversation_id) WHERE rated_at > 0;

-- Buyer questions the bot did not answer: fallback, a "did you mean" not
-- taken, or a handoff. status: '' open, approved, dismissed.
CREATE TABLE stats_unanswered (
    message_id      BIGINT NOT NULL PRIMARY KEY,
    shop_id         BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    conversation_id BIGINT NOT NULL,
    buyer_id        BIGINT NOT NULL,
    kind            TEXT   NOT NULL, -- fallback, choices, handoff
    text            TEXT   NOT NULL,
    intent          TEXT   NOT NULL DEFAULT '',
    faq_id          BIGINT NOT NULL DEFAULT 0, -- the engine's best candidate then
    replies         TEXT   NOT NULL DEFAULT '', -- JSON list: what agents replied
    at              BIGINT NOT NULL,
    gap_id          BIGINT NOT NULL DEFAULT 0,
    status          TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX stats_unanswered_shop ON stats_unanswered (shop_id, at);
CREATE INDEX stats_unanswered_conv ON stats_unanswered (conversation_id);

-- FAQ drafts made from groups of unanswered questions. kind: new (a new
-- FAQ) or similar (new similar questions of faq_id). status: open,
-- approved, dismissed.
CREATE TABLE stats_gaps (
    id          INTEGER PRIMARY KEY,
    shop_id     BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    faq_id      BIGINT  NOT NULL DEFAULT 0,
    draft       TEXT    NOT NULL, -- JSON
    buyers      INTEGER NOT NULL,
    asks        INTEGER NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    decided_by  BIGINT  NOT NULL DEFAULT 0,
    decided_at  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX stats_gaps_shop ON stats_gaps (shop_id, status, buyers);
