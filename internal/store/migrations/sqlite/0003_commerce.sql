-- 0003: the shop's data (products, buyer profiles, orders, carts, favourites,
-- coupons, reviews), API keys, webhook replay guard and buyer tag rules.
-- Records are keyed by the shop's own ids (external_id, buyer_ext...) so a
-- re-sent record replaces the stored one; content_hash tells an unchanged
-- re-send from an update. Nested parts (SKUs, items, logistics) are JSON.

ALTER TABLE buyers ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE buyers ADD COLUMN level TEXT NOT NULL DEFAULT '';
ALTER TABLE buyers ADD COLUMN province TEXT NOT NULL DEFAULT '';
ALTER TABLE buyers ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE buyers ADD COLUMN first_seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE buyers ADD COLUMN last_active BIGINT NOT NULL DEFAULT 0;
ALTER TABLE buyers ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE buyers ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE buyers ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;

CREATE TABLE products (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    external_id  TEXT   NOT NULL,
    title        TEXT   NOT NULL,
    category     TEXT   NOT NULL DEFAULT '',
    price_fen    BIGINT NOT NULL DEFAULT 0,
    status       TEXT   NOT NULL DEFAULT '',
    url          TEXT   NOT NULL DEFAULT '',
    attributes   TEXT   NOT NULL DEFAULT '',
    size_chart   TEXT   NOT NULL DEFAULT '',
    skus         TEXT   NOT NULL DEFAULT '',
    content_hash TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (shop_id, external_id)
);

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    external_id  TEXT   NOT NULL,
    buyer_ext    TEXT   NOT NULL,
    status       TEXT   NOT NULL,
    total_fen    BIGINT NOT NULL DEFAULT 0,
    paid_fen     BIGINT NOT NULL DEFAULT 0,
    shipping_fen BIGINT NOT NULL DEFAULT 0,
    discount_fen BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    paid_at      BIGINT NOT NULL DEFAULT 0,
    refund_state TEXT   NOT NULL DEFAULT '',
    refund_fen   BIGINT NOT NULL DEFAULT 0,
    carrier      TEXT   NOT NULL DEFAULT '',
    tracking_no  TEXT   NOT NULL DEFAULT '',
    logistics    TEXT   NOT NULL DEFAULT '',
    items        TEXT   NOT NULL DEFAULT '',
    content_hash TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (shop_id, external_id)
);
CREATE INDEX orders_buyer ON orders (shop_id, buyer_ext, created_at);

CREATE TABLE cart_items (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    buyer_ext    TEXT    NOT NULL,
    product_ext  TEXT    NOT NULL,
    sku_ext      TEXT    NOT NULL DEFAULT '',
    qty          INTEGER NOT NULL,
    added_at     BIGINT  NOT NULL DEFAULT 0,
    content_hash TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (shop_id, buyer_ext, product_ext, sku_ext)
);

CREATE TABLE favourites (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    buyer_ext    TEXT   NOT NULL,
    product_ext  TEXT   NOT NULL,
    added_at     BIGINT NOT NULL DEFAULT 0,
    content_hash TEXT   NOT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE (shop_id, buyer_ext, product_ext)
);

CREATE TABLE coupons (
    id            INTEGER PRIMARY KEY,
    shop_id       BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    external_id   TEXT   NOT NULL,
    buyer_ext     TEXT   NOT NULL,
    title         TEXT   NOT NULL,
    amount_fen    BIGINT NOT NULL,
    min_spend_fen BIGINT NOT NULL DEFAULT 0,
    issued_at     BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL DEFAULT 0,
    used_at       BIGINT NOT NULL DEFAULT 0,
    order_ext     TEXT   NOT NULL DEFAULT '',
    content_hash  TEXT   NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (shop_id, external_id)
);
CREATE INDEX coupons_buyer ON coupons (shop_id, buyer_ext);

CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    shop_id      BIGINT  NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    external_id  TEXT    NOT NULL,
    buyer_ext    TEXT    NOT NULL,
    order_ext    TEXT    NOT NULL DEFAULT '',
    product_ext  TEXT    NOT NULL DEFAULT '',
    rating       INTEGER NOT NULL,
    body         TEXT    NOT NULL DEFAULT '',
    created_at   BIGINT  NOT NULL,
    content_hash TEXT    NOT NULL,
    updated_at   BIGINT  NOT NULL,
    UNIQUE (shop_id, external_id)
);
CREATE INDEX reviews_buyer ON reviews (shop_id, buyer_ext);

CREATE TABLE api_keys (
    id             INTEGER PRIMARY KEY,
    shop_id        BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name           TEXT   NOT NULL,
    prefix         TEXT   NOT NULL,
    key_hash       TEXT   NOT NULL UNIQUE,
    signing_secret TEXT   NOT NULL,
    created_by     BIGINT NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    last_used_at   BIGINT NOT NULL DEFAULT 0,
    revoked_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX api_keys_shop ON api_keys (shop_id, id);

-- One row per webhook delivery id and per signature seen within the replay
-- window; rows older than the window are deleted as new ones arrive.
CREATE TABLE webhook_seen (
    shop_id BIGINT NOT NULL,
    nonce   TEXT   NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, nonce)
);
CREATE INDEX webhook_seen_time ON webhook_seen (seen_at);

CREATE TABLE tag_rules (
    id         INTEGER PRIMARY KEY,
    shop_id    BIGINT NOT NULL REFERENCES shops (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    rule       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (shop_id, name)
);

CREATE TABLE tag_settings (
    shop_id        BIGINT  PRIMARY KEY REFERENCES shops (id) ON DELETE CASCADE,
    high_value_fen BIGINT  NOT NULL,
    refund_days    INTEGER NOT NULL,
    inactive_days  INTEGER NOT NULL,
    bad_rating     INTEGER NOT NULL
);
