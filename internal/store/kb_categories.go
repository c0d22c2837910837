package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// CreateCategory adds a FAQ category; the parent must be a category of the
// same shop (or 0 for the top). A taken name under one parent gives
// ErrConflict.
func (db *DB) CreateCategory(ctx context.Context, c model.Category) (model.Category, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := categoryExists(ctx, tx, c.ShopID, c.ParentID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO kb_categories (shop_id, parent_id, name, position, created_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id`, c.ShopID, c.ParentID, c.Name, c.Position, db.nowMillis()).Scan(&c.ID)
		if db.dialect.isUniqueViolation(err) {
			return fmt.Errorf("store: create category %q: %w", c.Name, ErrConflict)
		}
		return err
	})
	return c, err
}

func categoryExists(ctx context.Context, tx *sql.Tx, shopID, id int64) error {
	if id == 0 {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM kb_categories WHERE shop_id = $1 AND id = $2`, shopID, id).Scan(&one)
	if err != nil {
		return notFound(err, "category", id)
	}
	return nil
}

// ListCategories returns the shop's categories in tree order (parent, then
// position, then name).
func (db *DB) ListCategories(ctx context.Context, shopID int64) ([]model.Category, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, parent_id, name, position FROM kb_categories WHERE shop_id = $1
ORDER BY parent_id, position, name`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: list categories: %w", err)
	}
	defer rows.Close()
	var out []model.Category
	for rows.Next() {
		c := model.Category{ShopID: shopID}
		if err := rows.Scan(&c.ID, &c.ParentID, &c.Name, &c.Position); err != nil {
			return nil, fmt.Errorf("store: list categories: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateCategory renames or moves a category. Moving it under itself or one
// of its descendants is refused with ErrConflict.
func (db *DB) UpdateCategory(ctx context.Context, c model.Category) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if err := categoryExists(ctx, tx, c.ShopID, c.ParentID); err != nil {
			return err
		}
		for p := c.ParentID; p != 0; {
			if p == c.ID {
				return fmt.Errorf("store: category %d under itself: %w", c.ID, ErrConflict)
			}
			if err := tx.QueryRowContext(ctx, `SELECT parent_id FROM kb_categories WHERE id = $1`, p).Scan(&p); err != nil {
				return fmt.Errorf("store: update category: %w", err)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE kb_categories SET parent_id = $3, name = $4, position = $5
WHERE shop_id = $1 AND id = $2`, c.ShopID, c.ID, c.ParentID, c.Name, c.Position)
		if db.dialect.isUniqueViolation(err) {
			return fmt.Errorf("store: update category %q: %w", c.Name, ErrConflict)
		}
		return affectedOne(res, err, "update category", c.ID)
	})
}

// DeleteCategory removes an empty category: one with sub-categories or
// FAQs gives ErrConflict.
func (db *DB) DeleteCategory(ctx context.Context, shopID, id int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM kb_categories WHERE shop_id = $1 AND parent_id = $2)
+ (SELECT COUNT(*) FROM kb_faqs WHERE shop_id = $1 AND category_id = $2)`, shopID, id).Scan(&n)
		if err != nil {
			return fmt.Errorf("store: delete category: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("store: delete category %d: not empty: %w", id, ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM kb_categories WHERE shop_id = $1 AND id = $2`, shopID, id)
		return affectedOne(res, err, "delete category", id)
	})
}
