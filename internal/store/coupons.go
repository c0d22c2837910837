package store

import (
	"context"
	"database/sql"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const couponColumns = `id, external_id, buyer_ext, title, amount_fen, min_spend_fen, issued_at, expires_at, used_at, order_ext`

func scanCoupon(row interface{ Scan(...any) error }) (model.Coupon, error) {
	var c model.Coupon
	var issued, expires, used int64
	err := row.Scan(&c.ID, &c.ExternalID, &c.BuyerID, &c.Title, &c.AmountFen, &c.MinSpendFen, &issued, &expires, &used, &c.OrderID)
	c.IssuedAt, c.ExpiresAt, c.UsedAt = fromMillis(issued), fromMillis(expires), fromMillis(used)
	return c, err
}

const (
	couponHashSQL   = `SELECT content_hash FROM coupons WHERE shop_id = $1 AND external_id = $2`
	couponUpsertSQL = `INSERT INTO coupons (shop_id, external_id, buyer_ext, title, amount_fen, min_spend_fen, issued_at,
expires_at, used_at, order_ext, content_hash, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (shop_id, external_id) DO UPDATE SET buyer_ext = excluded.buyer_ext, title = excluded.title,
amount_fen = excluded.amount_fen, min_spend_fen = excluded.min_spend_fen, issued_at = excluded.issued_at,
expires_at = excluded.expires_at, used_at = excluded.used_at, order_ext = excluded.order_ext,
content_hash = excluded.content_hash, updated_at = excluded.updated_at`
)

// UpsertCoupons creates or replaces coupons by the shop's coupon id.
func (db *DB) UpsertCoupons(ctx context.Context, shopID int64, cs []model.Coupon) ([]model.Outcome, error) {
	now := db.nowMillis()
	buyer := func(x model.Coupon) string { return x.BuyerID }
	return upsertBatch(ctx, db, "coupons", shopID, cs, buyer, func(tx *sql.Tx, c model.Coupon) (model.Outcome, error) {
		if err := ensureBuyerRow(ctx, tx, shopID, c.BuyerID, now); err != nil {
			return "", err
		}
		if err := markPreviousBuyer(ctx, tx, "coupons", shopID, c.ExternalID, c.BuyerID); err != nil {
			return "", err
		}
		h := contentHash(c)
		return upsert(ctx, tx, couponHashSQL, []any{shopID, c.ExternalID}, couponUpsertSQL,
			[]any{shopID, c.ExternalID, c.BuyerID, c.Title, c.AmountFen, c.MinSpendFen, toMillis(c.IssuedAt),
				toMillis(c.ExpiresAt), toMillis(c.UsedAt), c.OrderID, h, now}, h)
	})
}

// GetCoupon reads a coupon by the shop's coupon id.
func (db *DB) GetCoupon(ctx context.Context, shopID int64, externalID string) (model.Coupon, error) {
	c, err := scanCoupon(db.r.QueryRowContext(ctx, `SELECT `+couponColumns+` FROM coupons
WHERE shop_id = $1 AND external_id = $2`, shopID, externalID))
	if err != nil {
		return c, notFound(err, "get coupon", externalID)
	}
	return c, nil
}

// ListCoupons pages through the shop's coupons in id order.
func (db *DB) ListCoupons(ctx context.Context, shopID int64, p Page) ([]model.Coupon, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+couponColumns+` FROM coupons WHERE shop_id = $1 AND id > $2
ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list coupons", func(r *sql.Rows) (model.Coupon, error) { return scanCoupon(r) })
}

// ListBuyerCoupons returns a buyer's coupons, newest issued first.
func (db *DB) ListBuyerCoupons(ctx context.Context, shopID int64, buyerExt string) ([]model.Coupon, error) {
	if err := needBuyer("list buyer coupons", buyerExt); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+couponColumns+` FROM coupons WHERE shop_id = $1 AND buyer_ext = $2
ORDER BY issued_at DESC, id DESC LIMIT 200`, shopID, buyerExt)
	return scanAll(rows, err, "list buyer coupons", func(r *sql.Rows) (model.Coupon, error) { return scanCoupon(r) })
}
