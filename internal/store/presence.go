package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Lease is an agent's presence in a shop as one node holds it: the node has
// a workbench socket of theirs open (and renews the lease), or had one until
// lately (the lease runs out at the end of the grace period).
type Lease struct {
	ShopID    int64
	AccountID int64
	Node      string
	ExpiresAt time.Time
}

// HoldLeases sets the leases node holds for agents to run until until,
// creating the ones it did not hold.
func (db *DB) HoldLeases(ctx context.Context, node string, agents []Presence, until time.Time) error {
	if len(agents) == 0 {
		return nil
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, a := range agents {
			_, err := tx.ExecContext(ctx, `INSERT INTO agent_presence (shop_id, account_id, node, expires_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (shop_id, account_id, node) DO UPDATE SET expires_at = excluded.expires_at`, a.ShopID, a.AccountID, node, toMillis(until))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: hold leases of %s: %w", node, err)
	}
	return nil
}

// ExpireLeases ends every lease that ran out before now, on any node, and
// sets offline each agent left without a lease in that shop (logging the
// change for the time-online statistics). It returns those agents: each is
// returned by exactly one caller, however many nodes sweep at once, since a
// lease is deleted once and the status changes once. An agent who was
// offline already, or is no longer a member, is not returned.
func (db *DB) ExpireLeases(ctx context.Context, now time.Time) ([]Presence, error) {
	var out []Presence
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `DELETE FROM agent_presence WHERE expires_at < $1 RETURNING shop_id, account_id`, toMillis(now))
		if err != nil {
			return err
		}
		seen := map[Presence]bool{}
		var gone []Presence
		for rows.Next() {
			var p Presence
			if err := rows.Scan(&p.ShopID, &p.AccountID); err != nil {
				rows.Close()
				return err
			}
			if !seen[p] {
				seen[p] = true
				gone = append(gone, p)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, p := range gone {
			res, err := tx.ExecContext(ctx, `UPDATE memberships SET status = 'offline'
WHERE shop_id = $1 AND account_id = $2 AND status <> 'offline'
AND NOT EXISTS (SELECT 1 FROM agent_presence WHERE shop_id = $1 AND account_id = $2)`, p.ShopID, p.AccountID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue
			}
			if err := logAgentStatus(ctx, tx, p.ShopID, p.AccountID, model.StatusOffline, db.nowMillis()); err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: expire leases: %w", err)
	}
	return out, nil
}

// ListLeases returns an agent's leases in a shop, live or run out but not
// yet swept, by node.
func (db *DB) ListLeases(ctx context.Context, shopID, accountID int64) ([]Lease, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT shop_id, account_id, node, expires_at FROM agent_presence
WHERE shop_id = $1 AND account_id = $2 ORDER BY node`, shopID, accountID)
	return scanAll(rows, err, "list leases", func(r *sql.Rows) (Lease, error) {
		var l Lease
		var exp int64
		err := r.Scan(&l.ShopID, &l.AccountID, &l.Node, &exp)
		l.ExpiresAt = fromMillis(exp)
		return l, err
	})
}
