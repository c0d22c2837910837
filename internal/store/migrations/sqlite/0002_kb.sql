-- 0002: the knowledge base (categories, FAQs with drafts, live copies and
-- history), per-shop synonyms and intent examples, bot settings, answer packs.

CREATE TABLE kb_categories (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    parent_id  BIGINT  NOT NULL DEFAULT 0,
    name       TEXT    NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    UNIQUE (shop_id, parent_id, name)
);

-- AUTOINCREMENT: a deleted FAQ's id is never reused, because its history
-- (kb_revisions) outlives it.
CREATE TABLE kb_faqs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    shop_id      BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    faq_key      TEXT    NOT NULL, -- stable external key: import/export id, pack key
    category_id  BIGINT  NOT NULL DEFAULT 0,
    question     TEXT    NOT NULL, -- the working copy's question, for search
    search_text  TEXT    NOT NULL DEFAULT '', -- working copy's questions, answers and tags, lower-cased
    content      TEXT    NOT NULL, -- working copy (JSON)
    live         TEXT    NOT NULL DEFAULT '', -- published copy (JSON); '' when not live
    status       TEXT    NOT NULL, -- draft, published, modified
    live_from    BIGINT  NOT NULL DEFAULT 0, -- validity of the live copy
    live_until   BIGINT  NOT NULL DEFAULT 0,
    pack_id      TEXT    NOT NULL DEFAULT '',
    pack_version INTEGER NOT NULL DEFAULT 0,
    pack_base    TEXT    NOT NULL DEFAULT '', -- the pack's content this FAQ was merged from (JSON)
    conflicts    TEXT    NOT NULL DEFAULT '', -- unresolved pack merge conflicts (JSON)
    revision     INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    updated_by   BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (shop_id, faq_key)
);
CREATE INDEX kb_faqs_category ON kb_faqs (shop_id, category_id);
CREATE INDEX kb_faqs_status ON kb_faqs (shop_id, status);

-- History outlives the FAQ it belongs to, so a deleted FAQ can be restored.
CREATE TABLE kb_revisions (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT  NOT NULL,
    faq_id     BIGINT  NOT NULL,
    revision   INTEGER NOT NULL,
    action     TEXT    NOT NULL,
    actor_id   BIGINT  NOT NULL DEFAULT 0,
    status     TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    UNIQUE (faq_id, revision)
);
CREATE INDEX kb_revisions_shop ON kb_revisions (shop_id, faq_id);

CREATE TABLE kb_synonyms (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    words      TEXT   NOT NULL, -- JSON array
    created_at BIGINT NOT NULL
);
CREATE INDEX kb_synonyms_shop ON kb_synonyms (shop_id);

CREATE TABLE kb_intent_examples (
    shop_id  BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    intent   TEXT    NOT NULL,
    category TEXT    NOT NULL DEFAULT '',
    priority INTEGER NOT NULL DEFAULT 0,
    examples TEXT    NOT NULL, -- JSON array
    PRIMARY KEY (shop_id, intent)
);

CREATE TABLE bot_settings (
    shop_id    BIGINT PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    settings   TEXT   NOT NULL, -- JSON
    updated_at BIGINT NOT NULL
);

CREATE TABLE kb_packs (
    shop_id    BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    pack_id    TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    enabled_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    PRIMARY KEY (shop_id, pack_id)
);

-- An upgrade keeps what it changed, so it can be rolled back.
CREATE TABLE kb_pack_upgrades (
    id             INTEGER PRIMARY KEY,
    shop_id        BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    pack_id        TEXT    NOT NULL,
    from_version   INTEGER NOT NULL,
    to_version     INTEGER NOT NULL,
    snapshot       TEXT    NOT NULL, -- JSON: the FAQs as they were before
    created_at     BIGINT  NOT NULL,
    rolled_back_at BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX kb_pack_upgrades_shop ON kb_pack_upgrades (shop_id, pack_id, id);
