package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const productColumns = `id, shop_id, external_id, title, category, price_fen, status, url, attributes, size_chart, skus, updated_at`

func scanProduct(row interface{ Scan(...any) error }) (model.Product, error) {
	var p model.Product
	var status, attrs, chart, skus string
	var updated int64
	err := row.Scan(&p.ID, &p.ShopID, &p.ExternalID, &p.Title, &p.Category, &p.PriceFen, &status, &p.URL,
		&attrs, &chart, &skus, &updated)
	if err != nil {
		return p, err
	}
	p.Status, p.UpdatedAt = model.ProductStatus(status), fromMillis(updated)
	if err := fromJSONText(attrs, &p.Attributes); err != nil {
		return p, err
	}
	if err := fromJSONText(chart, &p.SizeChart); err != nil {
		return p, err
	}
	return p, fromJSONText(skus, &p.SKUs)
}

const (
	productHashSQL   = `SELECT content_hash FROM products WHERE shop_id = $1 AND external_id = $2`
	productUpsertSQL = `INSERT INTO products (shop_id, external_id, title, category, price_fen, status, url, attributes,
size_chart, skus, content_hash, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (shop_id, external_id) DO UPDATE SET title = excluded.title, category = excluded.category,
price_fen = excluded.price_fen, status = excluded.status, url = excluded.url, attributes = excluded.attributes,
size_chart = excluded.size_chart, skus = excluded.skus, content_hash = excluded.content_hash, updated_at = excluded.updated_at`
)

// UpsertProducts creates or replaces products by the shop's product id, SKUs
// and size chart included.
func (db *DB) UpsertProducts(ctx context.Context, shopID int64, ps []model.Product) ([]model.Outcome, error) {
	now := db.nowMillis()
	return upsertBatch(ctx, db, "products", shopID, ps, nil, func(tx *sql.Tx, p model.Product) (model.Outcome, error) {
		h := contentHash(p)
		return upsert(ctx, tx, productHashSQL, []any{shopID, p.ExternalID}, productUpsertSQL,
			[]any{shopID, p.ExternalID, p.Title, p.Category, p.PriceFen, string(p.Status), p.URL, mapText(p.Attributes),
				jsonText(p.SizeChart), jsonText(p.SKUs), h, now}, h)
	})
}

// GetProduct reads a product by the shop's product id.
func (db *DB) GetProduct(ctx context.Context, shopID int64, externalID string) (model.Product, error) {
	p, err := scanProduct(db.r.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products
WHERE shop_id = $1 AND external_id = $2`, shopID, externalID))
	if err != nil {
		return p, notFound(err, "get product", externalID)
	}
	return p, nil
}

// GetProducts reads the products among externalIDs that exist, in id order.
func (db *DB) GetProducts(ctx context.Context, shopID int64, externalIDs []string) ([]model.Product, error) {
	if len(externalIDs) == 0 {
		return nil, nil
	}
	args := []any{shopID}
	ps := make([]string, 0, len(externalIDs))
	for _, id := range externalIDs {
		args = append(args, id)
		ps = append(ps, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+productColumns+` FROM products WHERE shop_id = $1 AND external_id IN (`+
		strings.Join(ps, ", ")+`) ORDER BY id`, args...)
	return scanAll(rows, err, "get products", func(r *sql.Rows) (model.Product, error) { return scanProduct(r) })
}

// ListProducts pages through the shop's products in id order.
func (db *DB) ListProducts(ctx context.Context, shopID int64, p Page) ([]model.Product, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+productColumns+` FROM products WHERE shop_id = $1 AND id > $2
ORDER BY id LIMIT $3`, shopID, p.After, p.limit())
	return scanAll(rows, err, "list products", func(r *sql.Rows) (model.Product, error) { return scanProduct(r) })
}
