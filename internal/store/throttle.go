package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// LoginFailure records a failed login under key and returns the number of
// failures in the current window. When that reaches max, the key is locked
// until now+lockFor. A window older than window starts afresh.
func (db *DB) LoginFailure(ctx context.Context, key string, window time.Duration, max int, lockFor time.Duration) (int, time.Time, error) {
	var failures int
	var lockedUntil int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.nowMillis()
		var start int64
		err := tx.QueryRowContext(ctx, `SELECT failures, window_start, locked_until FROM login_throttle WHERE key = $1`, key).
			Scan(&failures, &start, &lockedUntil)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && now-start > window.Milliseconds()) {
			failures, start, lockedUntil = 0, now, 0
		} else if err != nil {
			return err
		}
		failures++
		if failures >= max {
			lockedUntil = now + lockFor.Milliseconds()
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, $2, $3, $4)
ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, window_start = excluded.window_start, locked_until = excluded.locked_until`,
			key, failures, start, lockedUntil)
		return err
	})
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: login failure: %w", err)
	}
	return failures, fromMillis(lockedUntil), nil
}

// LoginLockedUntil returns when key's lock ends; zero when it is not locked.
func (db *DB) LoginLockedUntil(ctx context.Context, key string) (time.Time, error) {
	var until int64
	err := db.r.QueryRowContext(ctx, `SELECT locked_until FROM login_throttle WHERE key = $1`, key).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || until <= db.nowMillis() {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: login lock: %w", err)
	}
	return fromMillis(until), nil
}

// ClearLoginFailures forgets the failures of key after a good login.
func (db *DB) ClearLoginFailures(ctx context.Context, key string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = $1`, key); err != nil {
		return fmt.Errorf("store: clear login failures: %w", err)
	}
	return nil
}
