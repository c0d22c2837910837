-- 0004: customer service around each conversation: the bot's and the
-- router's settings per shop, each conversation's service state (the bot's
-- multi-turn context, the product the widget shows, when it joined the queue
-- and was last assigned, the buyer's rating), round-robin cursors of the
-- agent groups, and canned replies (快捷短语).

CREATE TABLE service_settings (
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL, -- "bot" or "routing"
    value      TEXT   NOT NULL, -- JSON
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, name)
);

CREATE TABLE conversation_service (
    conversation_id BIGINT  NOT NULL PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    shop_id         BIGINT  NOT NULL,
    context         TEXT    NOT NULL DEFAULT '', -- the bot's multi-turn context (JSON)
    product_id      TEXT    NOT NULL DEFAULT '', -- the product the widget shows
    product_at      BIGINT  NOT NULL DEFAULT 0,
    queued_at       BIGINT  NOT NULL DEFAULT 0,  -- when it last joined the queue
    assigned_at     BIGINT  NOT NULL DEFAULT 0,  -- when its agent last changed
    rating          INTEGER NOT NULL DEFAULT 0,  -- 1-5; 0 = not rated
    rating_comment  TEXT    NOT NULL DEFAULT '',
    rated_at        BIGINT  NOT NULL DEFAULT 0,
    updated_at      BIGINT  NOT NULL
);

CREATE TABLE route_cursors (
    shop_id  BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    group_id BIGINT NOT NULL, -- 0: the shop's general queue
    agent_id BIGINT NOT NULL, -- the agent who got the last conversation
    PRIMARY KEY (shop_id, group_id)
);

CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL DEFAULT 0, -- 0: the whole shop's; else one agent's own
    shortcut   TEXT   NOT NULL,
    title      TEXT   NOT NULL DEFAULT '',
    body       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (shop_id, account_id, shortcut)
);
