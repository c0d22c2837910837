package store

import (
	"context"
	"fmt"
	"time"
)

// Session is a logged-in browser. Only the SHA-256 of the cookie token is
// stored, so a copy of the database cannot be used to log in.
type Session struct {
	TokenHash string
	AccountID int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s Session) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)`, s.TokenHash, s.AccountID, s.CSRFToken, toMillis(s.CreatedAt), toMillis(s.ExpiresAt))
	if db.dialect.isUniqueViolation(err) {
		return fmt.Errorf("store: create session: %w", ErrConflict)
	}
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: create session: account %d: %w", s.AccountID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// GetSession reads an unexpired session by token hash.
func (db *DB) GetSession(ctx context.Context, tokenHash string) (Session, error) {
	s := Session{TokenHash: tokenHash}
	var created, expires int64
	err := db.r.QueryRowContext(ctx, `SELECT account_id, csrf_token, created_at, expires_at FROM sessions
WHERE token_hash = $1 AND expires_at > $2`, tokenHash, db.nowMillis()).Scan(&s.AccountID, &s.CSRFToken, &created, &expires)
	if err != nil {
		return s, notFound(err, "get session", "")
	}
	s.CreatedAt, s.ExpiresAt = fromMillis(created), fromMillis(expires)
	return s, nil
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteAccountSessions ends every session of an account, as after a
// password reset.
func (db *DB) DeleteAccountSessions(ctx context.Context, accountID int64) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE account_id = $1`, accountID); err != nil {
		return fmt.Errorf("store: delete sessions of %d: %w", accountID, err)
	}
	return nil
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.nowMillis())
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}
