-- 0001: shops, people, buyers, conversations, messages, events, audit.
-- Times are Unix milliseconds (BIGINT) so the same SQL reads on PostgreSQL.

CREATE TABLE shops (
    id              INTEGER PRIMARY KEY,
    slug            TEXT    NOT NULL UNIQUE,
    name            TEXT    NOT NULL,
    language        TEXT    NOT NULL DEFAULT 'zh-CN',
    timezone        TEXT    NOT NULL DEFAULT 'Asia/Shanghai',
    identity_secret TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE,
    email         TEXT   NOT NULL DEFAULT '',
    phone         TEXT   NOT NULL DEFAULT '',
    display_name  TEXT   NOT NULL DEFAULT '',
    password_hash TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_email ON accounts (email) WHERE email <> '';
CREATE UNIQUE INDEX accounts_phone ON accounts (phone) WHERE phone <> '';

CREATE TABLE roles (
    shop_id     BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name        TEXT   NOT NULL,
    permissions TEXT   NOT NULL, -- space-separated permission names
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (shop_id, name)
);

CREATE TABLE memberships (
    shop_id    BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    account_id BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'offline',
    max_chats  INTEGER NOT NULL DEFAULT 10,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (shop_id, account_id)
);
CREATE INDEX memberships_account ON memberships (account_id);

CREATE TABLE agent_groups (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (shop_id, name)
);

CREATE TABLE group_members (
    group_id   BIGINT NOT NULL REFERENCES agent_groups (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, account_id)
);

CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE invitations (
    token_hash  TEXT   PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    role        TEXT   NOT NULL,
    login       TEXT   NOT NULL, -- the username, email or phone the admin entered
    created_by  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE login_throttle (
    key          TEXT    PRIMARY KEY, -- "account:<login>" or "ip:<addr>"
    failures     INTEGER NOT NULL,
    window_start BIGINT  NOT NULL,
    locked_until BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE buyers (
    id          INTEGER PRIMARY KEY,
    shop_id     BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    external_id TEXT   NOT NULL DEFAULT '',
    visitor_id  TEXT   NOT NULL DEFAULT '',
    nickname    TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX buyers_external ON buyers (shop_id, external_id) WHERE external_id <> '';
CREATE UNIQUE INDEX buyers_visitor ON buyers (shop_id, visitor_id) WHERE visitor_id <> '';

CREATE TABLE conversations (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    buyer_id   BIGINT  NOT NULL REFERENCES buyers (id) ON DELETE CASCADE,
    owner      TEXT    NOT NULL,
    agent_id   BIGINT  NOT NULL DEFAULT 0,
    group_id   BIGINT  NOT NULL DEFAULT 0,
    priority   INTEGER NOT NULL DEFAULT 0,
    last_seq   BIGINT  NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    closed_at  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX conversations_shop_owner ON conversations (shop_id, owner, id);
CREATE INDEX conversations_agent ON conversations (shop_id, agent_id, id);
CREATE INDEX conversations_buyer ON conversations (buyer_id, id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    shop_id         BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    sender          TEXT   NOT NULL,
    sender_id       BIGINT NOT NULL DEFAULT 0,
    client_id       TEXT   NOT NULL DEFAULT '',
    kind            TEXT   NOT NULL DEFAULT 'text',
    body            TEXT   NOT NULL,
    meta            TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client ON messages (conversation_id, sender, sender_id, client_id) WHERE client_id <> '';

CREATE TABLE conversation_events (
    id              INTEGER PRIMARY KEY,
    shop_id         BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    kind            TEXT   NOT NULL,
    from_owner      TEXT   NOT NULL DEFAULT '',
    to_owner        TEXT   NOT NULL DEFAULT '',
    agent_id        BIGINT NOT NULL DEFAULT 0,
    actor_id        BIGINT NOT NULL DEFAULT 0,
    reason          TEXT   NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL
);
CREATE INDEX conversation_events_conv ON conversation_events (conversation_id, id);

CREATE TABLE read_positions (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    account_id      BIGINT NOT NULL,
    seq             BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, account_id)
);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL,
    actor_id   BIGINT NOT NULL,
    action     TEXT   NOT NULL,
    target     TEXT   NOT NULL DEFAULT '',
    detail     TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX audit_log_shop ON audit_log (shop_id, id);
