package store

import (
	"context"
	"database/sql"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const favouriteColumns = `id, buyer_ext, product_ext, added_at`

func scanFavourite(row interface{ Scan(...any) error }) (model.Favourite, error) {
	var f model.Favourite
	var added int64
	err := row.Scan(&f.ID, &f.BuyerID, &f.ProductID, &added)
	f.AddedAt = fromMillis(added)
	return f, err
}

const (
	favouriteHashSQL   = `SELECT content_hash FROM favourites WHERE shop_id = $1 AND buyer_ext = $2 AND product_ext = $3`
	favouriteUpsertSQL = `INSERT INTO favourites (shop_id, buyer_ext, product_ext, added_at, content_hash, updated_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (shop_id, buyer_ext, product_ext) DO UPDATE SET added_at = excluded.added_at,
content_hash = excluded.content_hash, updated_at = excluded.updated_at`
	favouriteDeleteSQL = `DELETE FROM favourites WHERE shop_id = $1 AND buyer_ext = $2 AND product_ext = $3`
)

// UpsertFavourites saves products to buyers' favourites, keyed by buyer and
// product; one marked Deleted is removed.
func (db *DB) UpsertFavourites(ctx context.Context, shopID int64, fs []model.Favourite) ([]model.Outcome, error) {
	now := db.nowMillis()
	buyer := func(x model.Favourite) string { return x.BuyerID }
	return upsertBatch(ctx, db, "favourites", shopID, fs, buyer, func(tx *sql.Tx, f model.Favourite) (model.Outcome, error) {
		key := []any{shopID, f.BuyerID, f.ProductID}
		if f.Deleted {
			return deleteRow(ctx, tx, favouriteDeleteSQL, key)
		}
		if err := ensureBuyerRow(ctx, tx, shopID, f.BuyerID, now); err != nil {
			return "", err
		}
		h := contentHash(f)
		return upsert(ctx, tx, favouriteHashSQL, key, favouriteUpsertSQL,
			[]any{shopID, f.BuyerID, f.ProductID, toMillis(f.AddedAt), h, now}, h)
	})
}

// ListFavourites pages through every favourite of the shop in id order.
func (db *DB) ListFavourites(ctx context.Context, shopID int64, p Page) ([]model.Favourite, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+favouriteColumns+` FROM favourites WHERE shop_id = $1 AND id > $2
ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list favourites", func(r *sql.Rows) (model.Favourite, error) { return scanFavourite(r) })
}

// ListBuyerFavourites returns a buyer's favourites, most recent first.
func (db *DB) ListBuyerFavourites(ctx context.Context, shopID int64, buyerExt string) ([]model.Favourite, error) {
	if err := needBuyer("list buyer favourites", buyerExt); err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+favouriteColumns+` FROM favourites WHERE shop_id = $1 AND buyer_ext = $2
ORDER BY added_at DESC, id DESC LIMIT 200`, shopID, buyerExt)
	return scanAll(rows, err, "list buyer favourites", func(r *sql.Rows) (model.Favourite, error) { return scanFavourite(r) })
}
