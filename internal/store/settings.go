package store

import (
	"context"
	"fmt"
)

// GetSetting reads an installation-wide setting.
func (db *DB) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err != nil {
		return "", notFound(err, "get setting", key)
	}
	return v, nil
}

// PutSetting writes an installation-wide setting.
func (db *DB) PutSetting(ctx context.Context, key, value string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("store: put setting %s: %w", key, err)
	}
	return nil
}

// DeleteSetting removes a setting; a missing one is not an error.
func (db *DB) DeleteSetting(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM settings WHERE key = $1`, key); err != nil {
		return fmt.Errorf("store: delete setting %s: %w", key, err)
	}
	return nil
}
