package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

func scanTagRule(row interface{ Scan(...any) error }) (model.TagRule, error) {
	var r model.TagRule
	var created, updated int64
	err := row.Scan(&r.ID, &r.ShopID, &r.Name, &r.Rule, &created, &updated)
	r.CreatedAt, r.UpdatedAt = fromMillis(created), fromMillis(updated)
	return r, err
}

const putTagRuleSQL = `INSERT INTO tag_rules (shop_id, name, rule, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
ON CONFLICT (shop_id, name) DO UPDATE SET rule = excluded.rule, updated_at = excluded.updated_at
RETURNING id, shop_id, name, rule, created_at, updated_at`

// PutTagRule creates or replaces the shop's custom tag rule of that name
// and marks every verified buyer of the shop for new tags, in one
// transaction. The rule text is checked by commerce before it gets here.
func (db *DB) PutTagRule(ctx context.Context, r model.TagRule) (model.TagRule, error) {
	var got model.TagRule
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if got, err = scanTagRule(tx.QueryRowContext(ctx, putTagRuleSQL, r.ShopID, r.Name, r.Rule, db.nowMillis())); err != nil {
			return err
		}
		return markShopTagsChanged(ctx, tx, r.ShopID)
	})
	if db.dialect.isForeignKeyViolation(err) {
		return got, fmt.Errorf("store: put tag rule: shop %d: %w", r.ShopID, ErrNotFound)
	}
	if err != nil {
		return got, fmt.Errorf("store: put tag rule %q: %w", r.Name, err)
	}
	return got, nil
}

// ListTagRules lists the shop's custom tag rules by name.
func (db *DB) ListTagRules(ctx context.Context, shopID int64) ([]model.TagRule, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, shop_id, name, rule, created_at, updated_at FROM tag_rules
WHERE shop_id = $1 ORDER BY name`, shopID)
	return scanAll(rows, err, "list tag rules", func(r *sql.Rows) (model.TagRule, error) { return scanTagRule(r) })
}

// DeleteTagRule removes a custom tag rule and marks every verified buyer of
// the shop for new tags, in one transaction.
func (db *DB) DeleteTagRule(ctx context.Context, shopID int64, name string) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM tag_rules WHERE shop_id = $1 AND name = $2`, shopID, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return markShopTagsChanged(ctx, tx, shopID)
	})
	if err != nil {
		return fmt.Errorf("store: delete tag rule %q: %w", name, err)
	}
	return nil
}

// GetTagSettings reads the shop's thresholds for built-in tags; ErrNotFound
// means the shop never set them (commerce then uses its defaults).
func (db *DB) GetTagSettings(ctx context.Context, shopID int64) (model.TagSettings, error) {
	var s model.TagSettings
	err := db.r.QueryRowContext(ctx, `SELECT high_value_fen, refund_days, inactive_days, bad_rating FROM tag_settings
WHERE shop_id = $1`, shopID).Scan(&s.HighValueFen, &s.RefundDays, &s.InactiveDays, &s.BadRating)
	if err != nil {
		return s, notFound(err, "get tag settings of shop", shopID)
	}
	return s, nil
}

// PutTagSettings sets the shop's thresholds for built-in tags and marks
// every verified buyer of the shop for new tags, in one transaction.
func (db *DB) PutTagSettings(ctx context.Context, shopID int64, s model.TagSettings) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO tag_settings (shop_id, high_value_fen, refund_days, inactive_days, bad_rating)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (shop_id) DO UPDATE SET high_value_fen = excluded.high_value_fen,
refund_days = excluded.refund_days, inactive_days = excluded.inactive_days, bad_rating = excluded.bad_rating`,
			shopID, s.HighValueFen, s.RefundDays, s.InactiveDays, s.BadRating)
		if err != nil {
			return err
		}
		return markShopTagsChanged(ctx, tx, shopID)
	})
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: put tag settings: shop %d: %w", shopID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: put tag settings: %w", err)
	}
	return nil
}
