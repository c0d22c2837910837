package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const shopColumns = `id, slug, name, language, timezone, identity_secret, created_at`

func scanShop(row interface{ Scan(...any) error }) (model.Shop, error) {
	var s model.Shop
	var created int64
	err := row.Scan(&s.ID, &s.Slug, &s.Name, &s.Language, &s.Timezone, &s.IdentitySecret, &created)
	s.CreatedAt = fromMillis(created)
	return s, err
}

const createShopSQL = `INSERT INTO shops (slug, name, language, timezone, identity_secret, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`

// CreateShop stores a new shop and returns it with its id. A taken slug gives
// ErrConflict.
func (db *DB) CreateShop(ctx context.Context, s model.Shop) (model.Shop, error) {
	s.CreatedAt = db.nowTime()
	err := db.w.QueryRowContext(ctx, createShopSQL, s.Slug, s.Name, s.Language, s.Timezone,
		s.IdentitySecret, toMillis(s.CreatedAt)).Scan(&s.ID)
	if db.dialect.isUniqueViolation(err) {
		return s, fmt.Errorf("store: create shop %q: %w", s.Slug, ErrConflict)
	}
	if err != nil {
		return s, fmt.Errorf("store: create shop %q: %w", s.Slug, err)
	}
	return s, nil
}

// GetShop reads a shop by id.
func (db *DB) GetShop(ctx context.Context, id int64) (model.Shop, error) {
	s, err := scanShop(db.r.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM shops WHERE id = $1`, id))
	if err != nil {
		return s, notFound(err, "get shop", id)
	}
	return s, nil
}

// GetShopBySlug reads a shop by its slug.
func (db *DB) GetShopBySlug(ctx context.Context, slug string) (model.Shop, error) {
	s, err := scanShop(db.r.QueryRowContext(ctx, `SELECT `+shopColumns+` FROM shops WHERE slug = $1`, slug))
	if err != nil {
		return s, notFound(err, "get shop", slug)
	}
	return s, nil
}

const updateShopSQL = `UPDATE shops SET name = $2, language = $3, timezone = $4, identity_secret = $5 WHERE id = $1`

// UpdateShop saves a shop's name, language, time zone and identity secret.
func (db *DB) UpdateShop(ctx context.Context, s model.Shop) error {
	res, err := db.w.ExecContext(ctx, updateShopSQL, s.ID, s.Name, s.Language, s.Timezone, s.IdentitySecret)
	return affectedOne(res, err, "update shop", s.ID)
}

// ListShops returns every shop, oldest first.
func (db *DB) ListShops(ctx context.Context) ([]model.Shop, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+shopColumns+` FROM shops ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: list shops: %w", err)
	}
	defer rows.Close()
	var out []model.Shop
	for rows.Next() {
		s, err := scanShop(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list shops: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// affectedOne turns an update that touched no row into ErrNotFound.
func affectedOne(res sql.Result, err error, what string, id any) error {
	if err != nil {
		return fmt.Errorf("store: %s %v: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s %v: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s %v: %w", what, id, ErrNotFound)
	}
	return nil
}
