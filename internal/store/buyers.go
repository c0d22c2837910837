package store

import (
	"context"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const buyerColumns = `id, shop_id, external_id, visitor_id, nickname, created_at`

func scanBuyer(row interface{ Scan(...any) error }) (model.Buyer, error) {
	var b model.Buyer
	var created int64
	err := row.Scan(&b.ID, &b.ShopID, &b.ExternalID, &b.VisitorID, &b.Nickname, &created)
	b.CreatedAt = fromMillis(created)
	return b, err
}

// GetBuyer reads a buyer of the shop.
func (db *DB) GetBuyer(ctx context.Context, shopID, id int64) (model.Buyer, error) {
	b, err := scanBuyer(db.r.QueryRowContext(ctx, `SELECT `+buyerColumns+` FROM buyers WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return b, notFound(err, "get buyer", id)
	}
	return b, nil
}

// EnsureVisitor returns the anonymous buyer with visitorID, creating it on
// first sight.
func (db *DB) EnsureVisitor(ctx context.Context, shopID int64, visitorID string) (model.Buyer, error) {
	if visitorID == "" {
		// An empty id would match every verified buyer's empty visitor id.
		return model.Buyer{}, fmt.Errorf("store: ensure visitor: %w", ErrEmptyID)
	}
	const ins = `INSERT INTO buyers (shop_id, visitor_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT (shop_id, visitor_id) WHERE visitor_id <> '' DO NOTHING`
	_, err := db.w.ExecContext(ctx, ins, shopID, visitorID, db.nowMillis())
	if db.dialect.isForeignKeyViolation(err) {
		return model.Buyer{}, fmt.Errorf("store: ensure visitor: shop %d: %w", shopID, ErrNotFound)
	}
	if err != nil {
		return model.Buyer{}, fmt.Errorf("store: ensure visitor: %w", err)
	}
	b, err := scanBuyer(db.w.QueryRowContext(ctx, `SELECT `+buyerColumns+` FROM buyers WHERE shop_id = $1 AND visitor_id = $2 AND visitor_id <> ''`, shopID, visitorID))
	if err != nil {
		return b, notFound(err, "ensure visitor", visitorID)
	}
	return b, nil
}

// EnsureVerifiedBuyer returns the buyer with the shop's own buyer id,
// creating it on first sight. The nickname is kept up to date when given.
func (db *DB) EnsureVerifiedBuyer(ctx context.Context, shopID int64, externalID, nickname string) (model.Buyer, error) {
	if externalID == "" {
		// An empty id would match every anonymous visitor's empty external id.
		return model.Buyer{}, fmt.Errorf("store: ensure buyer: %w", ErrEmptyID)
	}
	const ins = `INSERT INTO buyers (shop_id, external_id, nickname, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (shop_id, external_id) WHERE external_id <> ''
DO UPDATE SET nickname = CASE WHEN excluded.nickname <> '' THEN excluded.nickname ELSE buyers.nickname END`
	_, err := db.w.ExecContext(ctx, ins, shopID, externalID, nickname, db.nowMillis())
	if db.dialect.isForeignKeyViolation(err) {
		return model.Buyer{}, fmt.Errorf("store: ensure buyer: shop %d: %w", shopID, ErrNotFound)
	}
	if err != nil {
		return model.Buyer{}, fmt.Errorf("store: ensure buyer: %w", err)
	}
	b, err := scanBuyer(db.w.QueryRowContext(ctx, `SELECT `+buyerColumns+` FROM buyers WHERE shop_id = $1 AND external_id = $2 AND external_id <> ''`, shopID, externalID))
	if err != nil {
		return b, notFound(err, "ensure buyer", externalID)
	}
	return b, nil
}
