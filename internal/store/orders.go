package store

import (
	"context"
	"database/sql"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const orderColumns = `id, shop_id, external_id, buyer_ext, status, total_fen, paid_fen, shipping_fen, discount_fen,
created_at, paid_at, refund_state, refund_fen, carrier, tracking_no, logistics, items, updated_at`

func scanOrder(row interface{ Scan(...any) error }) (model.Order, error) {
	var o model.Order
	var status, refund, logistics, items string
	var created, paid, updated int64
	err := row.Scan(&o.ID, &o.ShopID, &o.ExternalID, &o.BuyerID, &status, &o.TotalFen, &o.PaidFen, &o.ShippingFen,
		&o.DiscountFen, &created, &paid, &refund, &o.RefundFen, &o.Carrier, &o.TrackingNo, &logistics, &items, &updated)
	if err != nil {
		return o, err
	}
	o.Status, o.Refund = model.OrderStatus(status), model.RefundState(refund)
	o.CreatedAt, o.PaidAt, o.UpdatedAt = fromMillis(created), fromMillis(paid), fromMillis(updated)
	if err := fromJSONText(logistics, &o.Logistics); err != nil {
		return o, err
	}
	return o, fromJSONText(items, &o.Items)
}

const (
	orderHashSQL   = `SELECT content_hash FROM orders WHERE shop_id = $1 AND external_id = $2`
	orderUpsertSQL = `INSERT INTO orders (shop_id, external_id, buyer_ext, status, total_fen, paid_fen, shipping_fen,
discount_fen, created_at, paid_at, refund_state, refund_fen, carrier, tracking_no, logistics, items, content_hash, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT (shop_id, external_id) DO UPDATE SET buyer_ext = excluded.buyer_ext, status = excluded.status,
total_fen = excluded.total_fen, paid_fen = excluded.paid_fen, shipping_fen = excluded.shipping_fen,
discount_fen = excluded.discount_fen, created_at = excluded.created_at, paid_at = excluded.paid_at,
refund_state = excluded.refund_state, refund_fen = excluded.refund_fen, carrier = excluded.carrier,
tracking_no = excluded.tracking_no, logistics = excluded.logistics, items = excluded.items,
content_hash = excluded.content_hash, updated_at = excluded.updated_at`
)

// UpsertOrders creates or replaces orders by the shop's order number, items
// and logistics events included, and makes a buyers row for each buyer not
// seen before.
func (db *DB) UpsertOrders(ctx context.Context, shopID int64, os []model.Order) ([]model.Outcome, error) {
	now := db.nowMillis()
	buyer := func(x model.Order) string { return x.BuyerID }
	return upsertBatch(ctx, db, "orders", shopID, os, buyer, func(tx *sql.Tx, o model.Order) (model.Outcome, error) {
		if err := ensureBuyerRow(ctx, tx, shopID, o.BuyerID, now); err != nil {
			return "", err
		}
		if err := markPreviousBuyer(ctx, tx, "orders", shopID, o.ExternalID, o.BuyerID); err != nil {
			return "", err
		}
		h := contentHash(o)
		return upsert(ctx, tx, orderHashSQL, []any{shopID, o.ExternalID}, orderUpsertSQL,
			[]any{shopID, o.ExternalID, o.BuyerID, string(o.Status), o.TotalFen, o.PaidFen, o.ShippingFen, o.DiscountFen,
				toMillis(o.CreatedAt), toMillis(o.PaidAt), string(o.Refund), o.RefundFen, o.Carrier, o.TrackingNo,
				jsonText(o.Logistics), jsonText(o.Items), h, now}, h)
	})
}

// GetOrder reads an order by the shop's order number.
func (db *DB) GetOrder(ctx context.Context, shopID int64, externalID string) (model.Order, error) {
	o, err := scanOrder(db.r.QueryRowContext(ctx, `SELECT `+orderColumns+` FROM orders
WHERE shop_id = $1 AND external_id = $2`, shopID, externalID))
	if err != nil {
		return o, notFound(err, "get order", externalID)
	}
	return o, nil
}

// ListOrders pages through the shop's orders in id order.
func (db *DB) ListOrders(ctx context.Context, shopID int64, p Page) ([]model.Order, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE shop_id = $1 AND id > $2
ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list orders", func(r *sql.Rows) (model.Order, error) { return scanOrder(r) })
}

// ListBuyerOrders returns a buyer's orders newest first (by the time they
// were placed), at most limit (1-500, default 100).
func (db *DB) ListBuyerOrders(ctx context.Context, shopID int64, buyerExt string, limit int) ([]model.Order, error) {
	if err := needBuyer("list buyer orders", buyerExt); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE shop_id = $1 AND buyer_ext = $2
ORDER BY created_at DESC, id DESC LIMIT $3`, shopID, buyerExt, limit)
	return scanAll(rows, err, "list buyer orders", func(r *sql.Rows) (model.Order, error) { return scanOrder(r) })
}
