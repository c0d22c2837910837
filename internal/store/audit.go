package store

import (
	"context"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// AppendAudit records an administrative action.
func (db *DB) AppendAudit(ctx context.Context, e model.AuditEntry) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO audit_log (shop_id, actor_id, action, target, detail, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`, e.ShopID, e.ActorID, e.Action, e.Target, e.Detail, db.nowMillis())
	if err != nil {
		return fmt.Errorf("store: append audit %s: %w", e.Action, err)
	}
	return nil
}

// ListAudit returns a shop's audit entries newest first, before the id cursor
// (0 for the newest).
func (db *DB) ListAudit(ctx context.Context, shopID, before int64, limit int) ([]model.AuditEntry, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, actor_id, action, target, detail, created_at FROM audit_log
WHERE shop_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, shopID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	defer rows.Close()
	var out []model.AuditEntry
	for rows.Next() {
		e := model.AuditEntry{ShopID: shopID}
		var created int64
		if err := rows.Scan(&e.ID, &e.ActorID, &e.Action, &e.Target, &e.Detail, &created); err != nil {
			return nil, fmt.Errorf("store: list audit: %w", err)
		}
		e.CreatedAt = fromMillis(created)
		out = append(out, e)
	}
	return out, rows.Err()
}
