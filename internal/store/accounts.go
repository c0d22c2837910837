package store

import (
	"context"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const accountColumns = `id, username, email, phone, display_name, password_hash, created_at`

func scanAccount(row interface{ Scan(...any) error }) (model.Account, error) {
	var a model.Account
	var created int64
	err := row.Scan(&a.ID, &a.Username, &a.Email, &a.Phone, &a.DisplayName, &a.PasswordHash, &created)
	a.CreatedAt = fromMillis(created)
	return a, err
}

const createAccountSQL = `INSERT INTO accounts (username, email, phone, display_name, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`

// CreateAccount stores a new account. A taken username, email or phone gives
// ErrConflict.
func (db *DB) CreateAccount(ctx context.Context, a model.Account) (model.Account, error) {
	a.CreatedAt = db.nowTime()
	err := db.w.QueryRowContext(ctx, createAccountSQL, a.Username, a.Email, a.Phone, a.DisplayName,
		a.PasswordHash, toMillis(a.CreatedAt)).Scan(&a.ID)
	if db.dialect.isUniqueViolation(err) {
		return a, fmt.Errorf("store: create account %q: %w", a.Username, ErrConflict)
	}
	if err != nil {
		return a, fmt.Errorf("store: create account %q: %w", a.Username, err)
	}
	return a, nil
}

// GetAccount reads an account by id.
func (db *DB) GetAccount(ctx context.Context, id int64) (model.Account, error) {
	a, err := scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if err != nil {
		return a, notFound(err, "get account", id)
	}
	return a, nil
}

// GetAccountByLogin finds the account whose username, email or phone is login.
func (db *DB) GetAccountByLogin(ctx context.Context, login string) (model.Account, error) {
	const q = `SELECT ` + accountColumns + ` FROM accounts
WHERE username = $1 OR (email <> '' AND email = $1) OR (phone <> '' AND phone = $1) ORDER BY id LIMIT 1`
	a, err := scanAccount(db.r.QueryRowContext(ctx, q, login))
	if err != nil {
		return a, notFound(err, "get account by login", login)
	}
	return a, nil
}

// SetPassword replaces an account's password hash.
func (db *DB) SetPassword(ctx context.Context, accountID int64, hash string) error {
	res, err := db.w.ExecContext(ctx, `UPDATE accounts SET password_hash = $2 WHERE id = $1`, accountID, hash)
	return affectedOne(res, err, "set password", accountID)
}

// UpdateAccountProfile saves an account's display name, email and phone.
func (db *DB) UpdateAccountProfile(ctx context.Context, a model.Account) error {
	res, err := db.w.ExecContext(ctx, `UPDATE accounts SET display_name = $2, email = $3, phone = $4 WHERE id = $1`,
		a.ID, a.DisplayName, a.Email, a.Phone)
	if db.dialect.isUniqueViolation(err) {
		return fmt.Errorf("store: update account %d: %w", a.ID, ErrConflict)
	}
	return affectedOne(res, err, "update account", a.ID)
}

// CountAccounts returns how many accounts exist (0 on a fresh install).
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count accounts: %w", err)
	}
	return n, nil
}
