package store

import (
	"context"
	"database/sql"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const cartColumns = `id, buyer_ext, product_ext, sku_ext, qty, added_at`

func scanCartItem(row interface{ Scan(...any) error }) (model.CartItem, error) {
	var c model.CartItem
	var added int64
	err := row.Scan(&c.ID, &c.BuyerID, &c.ProductID, &c.SKUID, &c.Qty, &added)
	c.AddedAt = fromMillis(added)
	return c, err
}

const (
	cartHashSQL = `SELECT content_hash FROM cart_items
WHERE shop_id = $1 AND buyer_ext = $2 AND product_ext = $3 AND sku_ext = $4`
	cartUpsertSQL = `INSERT INTO cart_items (shop_id, buyer_ext, product_ext, sku_ext, qty, added_at, content_hash, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (shop_id, buyer_ext, product_ext, sku_ext) DO UPDATE SET qty = excluded.qty, added_at = excluded.added_at,
content_hash = excluded.content_hash, updated_at = excluded.updated_at`
	cartDeleteSQL = `DELETE FROM cart_items WHERE shop_id = $1 AND buyer_ext = $2 AND product_ext = $3 AND sku_ext = $4`
)

// UpsertCartItems puts items in buyers' carts, keyed by buyer, product and
// SKU; an item marked Deleted is taken out (deleting what is not there is
// unchanged).
func (db *DB) UpsertCartItems(ctx context.Context, shopID int64, cs []model.CartItem) ([]model.Outcome, error) {
	now := db.nowMillis()
	buyer := func(x model.CartItem) string { return x.BuyerID }
	return upsertBatch(ctx, db, "cart items", shopID, cs, buyer, func(tx *sql.Tx, c model.CartItem) (model.Outcome, error) {
		key := []any{shopID, c.BuyerID, c.ProductID, c.SKUID}
		if c.Deleted {
			return deleteRow(ctx, tx, cartDeleteSQL, key)
		}
		if err := ensureBuyerRow(ctx, tx, shopID, c.BuyerID, now); err != nil {
			return "", err
		}
		h := contentHash(c)
		return upsert(ctx, tx, cartHashSQL, key, cartUpsertSQL,
			[]any{shopID, c.BuyerID, c.ProductID, c.SKUID, c.Qty, toMillis(c.AddedAt), h, now}, h)
	})
}

// deleteRow runs a delete of one keyed row and says whether it was there.
func deleteRow(ctx context.Context, tx *sql.Tx, q string, key []any) (model.Outcome, error) {
	res, err := tx.ExecContext(ctx, q, key...)
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return model.OutcomeUnchanged, nil
	}
	return model.OutcomeDeleted, nil
}

// ListCartItems pages through every cart item of the shop in id order.
func (db *DB) ListCartItems(ctx context.Context, shopID int64, p Page) ([]model.CartItem, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+cartColumns+` FROM cart_items WHERE shop_id = $1 AND id > $2
ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list cart items", func(r *sql.Rows) (model.CartItem, error) { return scanCartItem(r) })
}

// ListBuyerCart returns a buyer's cart, most recently added first.
func (db *DB) ListBuyerCart(ctx context.Context, shopID int64, buyerExt string) ([]model.CartItem, error) {
	if err := needBuyer("list buyer cart", buyerExt); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+cartColumns+` FROM cart_items WHERE shop_id = $1 AND buyer_ext = $2
ORDER BY added_at DESC, id DESC LIMIT 200`, shopID, buyerExt)
	return scanAll(rows, err, "list buyer cart", func(r *sql.Rows) (model.CartItem, error) { return scanCartItem(r) })
}
