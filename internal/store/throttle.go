package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// loginFailureSQL counts one failure in a single statement, so concurrent
// failures are all counted on every engine. $3 is the oldest window start
// still current: an older window starts afresh, but a lock still running is
// kept.
const loginFailureSQL = `INSERT INTO login_throttle (key, failures, window_start, locked_until) VALUES ($1, 1, $2, 0)
ON CONFLICT (key) DO UPDATE SET
failures = CASE WHEN login_throttle.window_start < $3 THEN 1 ELSE login_throttle.failures + 1 END,
window_start = CASE WHEN login_throttle.window_start < $3 THEN excluded.window_start ELSE login_throttle.window_start END,
locked_until = CASE WHEN login_throttle.locked_until > excluded.window_start THEN login_throttle.locked_until ELSE 0 END
RETURNING failures, locked_until`

// LoginFailure records a failed login under key and returns the number of
// failures in the current window. When that reaches max, the key is locked
// until now+lockFor. A window older than window starts afresh.
func (db *DB) LoginFailure(ctx context.Context, key string, window time.Duration, max int, lockFor time.Duration) (int, time.Time, error) {
	var failures int
	var lockedUntil int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.nowMillis()
		err := tx.QueryRowContext(ctx, loginFailureSQL, key, now, now-window.Milliseconds()).Scan(&failures, &lockedUntil)
		if err != nil {
			return err
		}
		if failures < max {
			return nil
		}
		lockedUntil = now + lockFor.Milliseconds()
		_, err = tx.ExecContext(ctx, `UPDATE login_throttle SET locked_until = $2 WHERE key = $1`, key, lockedUntil)
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
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		// Never report "not locked" because the database failed.
		return time.Time{}, fmt.Errorf("store: login lock: %w", err)
	}
	if until <= db.nowMillis() {
		return time.Time{}, nil
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

// PruneLoginThrottle forgets the keys whose failure window began more than
// window ago and that hold no running lock: their next failure would start
// afresh anyway. Every wrong login for a name that does not exist leaves a
// key, so without this the table grows with every guess. It returns how
// many keys it forgot.
func (db *DB) PruneLoginThrottle(ctx context.Context, window time.Duration) (int64, error) {
	now := db.nowMillis()
	res, err := db.w.ExecContext(ctx, `DELETE FROM login_throttle WHERE window_start < $1 AND locked_until <= $2`,
		now-window.Milliseconds(), now)
	if err != nil {
		return 0, fmt.Errorf("store: prune login throttle: %w", err)
	}
	return res.RowsAffected()
}
