package store

import (
	"context"
	"database/sql"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const reviewColumns = `id, external_id, buyer_ext, order_ext, product_ext, rating, body, created_at`

func scanReview(row interface{ Scan(...any) error }) (model.Review, error) {
	var r model.Review
	var created int64
	err := row.Scan(&r.ID, &r.ExternalID, &r.BuyerID, &r.OrderID, &r.ProductID, &r.Rating, &r.Text, &created)
	r.CreatedAt = fromMillis(created)
	return r, err
}

const (
	reviewHashSQL   = `SELECT content_hash FROM reviews WHERE shop_id = $1 AND external_id = $2`
	reviewUpsertSQL = `INSERT INTO reviews (shop_id, external_id, buyer_ext, order_ext, product_ext, rating, body,
created_at, content_hash, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (shop_id, external_id) DO UPDATE SET buyer_ext = excluded.buyer_ext, order_ext = excluded.order_ext,
product_ext = excluded.product_ext, rating = excluded.rating, body = excluded.body, created_at = excluded.created_at,
content_hash = excluded.content_hash, updated_at = excluded.updated_at`
)

// UpsertReviews creates or replaces reviews by the shop's review id.
func (db *DB) UpsertReviews(ctx context.Context, shopID int64, rs []model.Review) ([]model.Outcome, error) {
	now := db.nowMillis()
	buyer := func(x model.Review) string { return x.BuyerID }
	return upsertBatch(ctx, db, "reviews", shopID, rs, buyer, func(tx *sql.Tx, r model.Review) (model.Outcome, error) {
		if err := ensureBuyerRow(ctx, tx, shopID, r.BuyerID, now); err != nil {
			return "", err
		}
		if err := markPreviousBuyer(ctx, tx, "reviews", shopID, r.ExternalID, r.BuyerID); err != nil {
			return "", err
		}
		h := contentHash(r)
		return upsert(ctx, tx, reviewHashSQL, []any{shopID, r.ExternalID}, reviewUpsertSQL,
			[]any{shopID, r.ExternalID, r.BuyerID, r.OrderID, r.ProductID, r.Rating, r.Text, toMillis(r.CreatedAt), h, now}, h)
	})
}

// GetReview reads a review by the shop's review id.
func (db *DB) GetReview(ctx context.Context, shopID int64, externalID string) (model.Review, error) {
	r, err := scanReview(db.r.QueryRowContext(ctx, `SELECT `+reviewColumns+` FROM reviews
WHERE shop_id = $1 AND external_id = $2`, shopID, externalID))
	if err != nil {
		return r, notFound(err, "get review", externalID)
	}
	return r, nil
}

// ListReviews pages through the shop's reviews in id order.
func (db *DB) ListReviews(ctx context.Context, shopID int64, p Page) ([]model.Review, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE shop_id = $1 AND id > $2
ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list reviews", func(r *sql.Rows) (model.Review, error) { return scanReview(r) })
}

// ListBuyerReviews returns a buyer's reviews, newest first.
func (db *DB) ListBuyerReviews(ctx context.Context, shopID int64, buyerExt string) ([]model.Review, error) {
	if err := needBuyer("list buyer reviews", buyerExt); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+reviewColumns+` FROM reviews WHERE shop_id = $1 AND buyer_ext = $2
ORDER BY created_at DESC, id DESC LIMIT 200`, shopID, buyerExt)
	return scanAll(rows, err, "list buyer reviews", func(r *sql.Rows) (model.Review, error) { return scanReview(r) })
}
