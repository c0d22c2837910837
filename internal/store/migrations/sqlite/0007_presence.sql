-- 0007: agent presence (docs/bot.md, "Presence"). One lease per agent, shop
-- and node: while the agent has a workbench socket open on the node, the
-- node renews it; when the last one closes it is cut to the grace period.
-- An agent whose leases have all expired (sockets gone, or their node dead)
-- is set offline by whichever node sweeps first.

CREATE TABLE agent_presence (
    shop_id    BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    node       TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (shop_id, account_id, node)
);
CREATE INDEX agent_presence_expiry ON agent_presence (expires_at);
