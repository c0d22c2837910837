-- 0005: notifications and outgoing events. Each agent's preferences (with
-- the shop's defaults under account 0), the shop's push targets (chat
-- robots, email and webhooks for people; signed webhooks for the merchant's
-- systems), the outbox of facts written in the transaction of the change
-- that caused them, the facts each shop subscribes to, the deliveries made
-- from the facts with their retries, and which agents have the workbench
-- open on which node.

CREATE TABLE notify_prefs (
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL, -- 0: the shop's defaults
    value      TEXT   NOT NULL, -- JSON
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, account_id)
);

CREATE TABLE notify_targets (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL, -- channel (pushes for people) or webhook (the merchant's systems)
    kind         TEXT    NOT NULL, -- dingtalk, wecom, feishu, email, webhook
    name         TEXT    NOT NULL,
    config       TEXT    NOT NULL, -- JSON: URL, addresses, SMTP server
    secret       TEXT    NOT NULL DEFAULT '', -- signing secret or SMTP password; never shown again
    events       TEXT    NOT NULL DEFAULT '', -- JSON list of event types (webhooks)
    enabled      INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    lease_owner  TEXT    NOT NULL DEFAULT '', -- the node sending to it now
    lease_until  BIGINT  NOT NULL DEFAULT 0,
    window_start BIGINT  NOT NULL DEFAULT 0,  -- the rate limit's current minute
    window_count INTEGER NOT NULL DEFAULT 0   -- messages sent in it
);
CREATE INDEX notify_targets_shop ON notify_targets (shop_id, purpose, id);

-- The outbox. A row lives from the commit of its change until the worker
-- turns it into deliveries (and deletes it) in one transaction.
CREATE TABLE notify_facts (
    id              INTEGER PRIMARY KEY,
    shop_id         BIGINT NOT NULL,
    event_id        TEXT   NOT NULL, -- random; the receivers' de-duplication key
    kind            TEXT   NOT NULL,
    conversation_id BIGINT NOT NULL DEFAULT 0,
    payload         TEXT   NOT NULL, -- JSON
    created_at      BIGINT NOT NULL
);

CREATE TABLE notify_subscriptions (
    shop_id BIGINT NOT NULL,
    fact    TEXT   NOT NULL,
    PRIMARY KEY (shop_id, fact)
);

-- The once-only keys of facts the worker writes itself (a conversation
-- waiting too long, a message left out of hours), kept after their fact
-- leaves the outbox so that each is written once.
CREATE TABLE notify_once (
    shop_id    BIGINT NOT NULL,
    dedup      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, dedup)
);

CREATE TABLE notify_deliveries (
    id              INTEGER PRIMARY KEY,
    shop_id         BIGINT  NOT NULL,
    target_id       BIGINT  NOT NULL REFERENCES notify_targets (id) ON DELETE CASCADE,
    event_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL, -- the event type or notice kind
    conversation_id BIGINT  NOT NULL DEFAULT 0,
    payload         TEXT    NOT NULL, -- JSON
    status          TEXT    NOT NULL, -- pending, delivered, failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT  NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    last_status     INTEGER NOT NULL DEFAULT 0, -- the remote HTTP status of the last attempt
    created_at      BIGINT  NOT NULL,
    updated_at      BIGINT  NOT NULL,
    delivered_at    BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (target_id, event_id)
);
CREATE INDEX notify_deliveries_due ON notify_deliveries (next_at, target_id) WHERE status = 'pending';
CREATE INDEX notify_deliveries_shop ON notify_deliveries (shop_id, id);

CREATE TABLE notify_presence (
    shop_id    BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    node       TEXT   NOT NULL,
    seen_at    BIGINT NOT NULL,
    PRIMARY KEY (shop_id, account_id, node)
);
