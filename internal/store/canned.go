package store

import (
	"context"
	"fmt"
	"time"
)

// CannedReply is a quick reply (快捷短语) an agent sends with one click:
// the shop's own (AccountID 0) or one agent's. Body may hold variables
// such as {buyer_name}, filled when it is sent.
type CannedReply struct {
	ID        int64
	ShopID    int64
	AccountID int64
	Shortcut  string
	Title     string
	Body      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

const cannedColumns = `id, shop_id, account_id, shortcut, title, body, created_at, updated_at`

func scanCanned(row interface{ Scan(...any) error }) (CannedReply, error) {
	var r CannedReply
	var created, updated int64
	err := row.Scan(&r.ID, &r.ShopID, &r.AccountID, &r.Shortcut, &r.Title, &r.Body, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return r, err
}

// CreateCannedReply stores a new canned reply; a shortcut taken in the
// same scope (the shop's, or the agent's own) gives ErrConflict.
func (db *DB) CreateCannedReply(ctx context.Context, r CannedReply) (CannedReply, error) {
	r.CreatedAt = db.nowTime()
	r.UpdatedAt = r.CreatedAt
	err := db.w.QueryRowContext(ctx, `INSERT INTO canned_replies (shop_id, account_id, shortcut, title, body, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, r.ShopID, r.AccountID, r.Shortcut, r.Title, r.Body, toMillis(r.CreatedAt)).Scan(&r.ID)
	if db.dialect.isUniqueViolation(err) {
		return r, fmt.Errorf("store: create canned reply %q: %w", r.Shortcut, ErrConflict)
	}
	if db.dialect.isForeignKeyViolation(err) {
		return r, fmt.Errorf("store: create canned reply: shop %d: %w", r.ShopID, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: create canned reply: %w", err)
	}
	return r, nil
}

// GetCannedReply reads one canned reply of the shop.
func (db *DB) GetCannedReply(ctx context.Context, shopID, id int64) (CannedReply, error) {
	r, err := scanCanned(db.r.QueryRowContext(ctx, `SELECT `+cannedColumns+` FROM canned_replies WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return r, notFound(err, "get canned reply", id)
	}
	return r, nil
}

// ListCannedReplies returns the shop's canned replies and, when accountID
// is not 0, that agent's own: the shop's first, each part by shortcut.
func (db *DB) ListCannedReplies(ctx context.Context, shopID, accountID int64) ([]CannedReply, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+cannedColumns+` FROM canned_replies
WHERE shop_id = $1 AND account_id IN (0, $2) ORDER BY account_id, shortcut, id`, shopID, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list canned replies: %w", err)
	}
	defer rows.Close()
	var out []CannedReply
	for rows.Next() {
		r, err := scanCanned(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list canned replies: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateCannedReply saves a canned reply's shortcut, title and body; its
// shop and owner never change.
func (db *DB) UpdateCannedReply(ctx context.Context, r CannedReply) (CannedReply, error) {
	r.UpdatedAt = db.nowTime()
	res, err := db.w.ExecContext(ctx, `UPDATE canned_replies SET shortcut = $3, title = $4, body = $5, updated_at = $6
WHERE shop_id = $1 AND id = $2`, r.ShopID, r.ID, r.Shortcut, r.Title, r.Body, toMillis(r.UpdatedAt))
	if db.dialect.isUniqueViolation(err) {
		return r, fmt.Errorf("store: update canned reply %q: %w", r.Shortcut, ErrConflict)
	}
	if err := affectedOne(res, err, "update canned reply", r.ID); err != nil {
		return r, err
	}
	return db.GetCannedReply(ctx, r.ShopID, r.ID)
}

// DeleteCannedReply removes a canned reply of the shop.
func (db *DB) DeleteCannedReply(ctx context.Context, shopID, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM canned_replies WHERE shop_id = $1 AND id = $2`, shopID, id)
	return affectedOne(res, err, "delete canned reply", id)
}

// CountCannedReplies counts the canned replies of one scope: the shop's
// (accountID 0) or one agent's.
func (db *DB) CountCannedReplies(ctx context.Context, shopID, accountID int64) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM canned_replies WHERE shop_id = $1 AND account_id = $2`, shopID, accountID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count canned replies: %w", err)
	}
	return n, nil
}
