package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const apiKeyColumns = `id, shop_id, name, prefix, key_hash, signing_secret, created_by, created_at, last_used_at, revoked_at`

func scanAPIKey(row interface{ Scan(...any) error }) (model.APIKey, error) {
	var k model.APIKey
	var created, used, revoked int64
	err := row.Scan(&k.ID, &k.ShopID, &k.Name, &k.Prefix, &k.Hash, &k.SigningSecret, &k.CreatedBy, &created, &used, &revoked)
	k.CreatedAt, k.LastUsedAt, k.RevokedAt = fromMillis(created), fromMillis(used), fromMillis(revoked)
	return k, err
}

// CreateAPIKey stores a new key (its hash and signing secret) for a shop.
func (db *DB) CreateAPIKey(ctx context.Context, k model.APIKey) (model.APIKey, error) {
	if k.Hash == "" {
		return k, fmt.Errorf("store: create api key: %w", ErrEmptyID)
	}
	k.CreatedAt = db.nowTime()
	err := db.w.QueryRowContext(ctx, `INSERT INTO api_keys (shop_id, name, prefix, key_hash, signing_secret, created_by, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, k.ShopID, k.Name, k.Prefix, k.Hash, k.SigningSecret, k.CreatedBy,
		toMillis(k.CreatedAt)).Scan(&k.ID)
	switch {
	case db.dialect.isForeignKeyViolation(err):
		return k, fmt.Errorf("store: create api key: shop %d: %w", k.ShopID, ErrNotFound)
	case db.dialect.isUniqueViolation(err):
		return k, fmt.Errorf("store: create api key: %w", ErrConflict)
	case err != nil:
		return k, fmt.Errorf("store: create api key: %w", err)
	}
	return k, nil
}

// ListAPIKeys lists a shop's keys, revoked ones too, newest first.
func (db *DB) ListAPIKeys(ctx context.Context, shopID int64) ([]model.APIKey, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE shop_id = $1 ORDER BY id DESC`, shopID)
	return scanAll(rows, err, "list api keys", func(r *sql.Rows) (model.APIKey, error) { return scanAPIKey(r) })
}

// APIKeyByHash finds the working key with the hash; a revoked key is not
// found.
func (db *DB) APIKeyByHash(ctx context.Context, hash string) (model.APIKey, error) {
	k, err := scanAPIKey(db.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
WHERE key_hash = $1 AND revoked_at = 0`, hash))
	if err != nil {
		return k, notFound(err, "api key by hash", "")
	}
	return k, nil
}

// GetAPIKey reads a working key by id; a revoked key is not found.
func (db *DB) GetAPIKey(ctx context.Context, id int64) (model.APIKey, error) {
	k, err := scanAPIKey(db.r.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
WHERE id = $1 AND revoked_at = 0`, id))
	if err != nil {
		return k, notFound(err, "get api key", id)
	}
	return k, nil
}

// RevokeAPIKey stops a key of the shop from working, for good.
func (db *DB) RevokeAPIKey(ctx context.Context, shopID, id int64) error {
	res, err := db.w.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $3 WHERE shop_id = $1 AND id = $2 AND revoked_at = 0`,
		shopID, id, db.nowMillis())
	if err != nil {
		return fmt.Errorf("store: revoke api key %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: revoke api key %d: %w", id, ErrNotFound)
	}
	return nil
}

// TouchAPIKey records that a key was used, at most once per every, so a busy
// integration does not write on each request.
func (db *DB) TouchAPIKey(ctx context.Context, id int64, every time.Duration) error {
	now := db.nowMillis()
	_, err := db.w.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND last_used_at <= $3`,
		id, now, now-every.Milliseconds())
	if err != nil {
		return fmt.Errorf("store: touch api key %d: %w", id, err)
	}
	return nil
}

// RememberNonces records webhook delivery ids and signatures for window.
// When any of them was seen within the window, it records none and returns
// ErrConflict: the delivery is a replay. Older entries are forgotten.
func (db *DB) RememberNonces(ctx context.Context, shopID int64, nonces []string, window time.Duration) error {
	now := db.nowMillis()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_seen WHERE seen_at < $1`, now-window.Milliseconds()); err != nil {
			return err
		}
		for _, n := range nonces {
			res, err := tx.ExecContext(ctx, `INSERT INTO webhook_seen (shop_id, nonce, seen_at) VALUES ($1, $2, $3)
ON CONFLICT (shop_id, nonce) DO NOTHING`, shopID, n, now)
			if err != nil {
				return err
			}
			if c, _ := res.RowsAffected(); c == 0 {
				return fmt.Errorf("nonce seen: %w", ErrConflict)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: remember nonces: %w", err)
	}
	return nil
}
