package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Invitation lets a person who has no account yet join a shop by setting a
// password. Only the hash of the token is stored.
type Invitation struct {
	TokenHash  string
	ShopID     int64
	Role       string
	Login      string
	CreatedBy  int64
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time
}

// CreateInvitation stores an invitation.
func (db *DB) CreateInvitation(ctx context.Context, inv Invitation) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO invitations (token_hash, shop_id, role, login, created_by, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, inv.TokenHash, inv.ShopID, inv.Role, inv.Login, inv.CreatedBy,
		toMillis(inv.CreatedAt), toMillis(inv.ExpiresAt))
	if db.dialect.isUniqueViolation(err) {
		return fmt.Errorf("store: create invitation: %w", ErrConflict)
	}
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: create invitation: shop %d: %w", inv.ShopID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: create invitation: %w", err)
	}
	return nil
}

// GetInvitation reads an open (unaccepted, unexpired) invitation.
func (db *DB) GetInvitation(ctx context.Context, tokenHash string) (Invitation, error) {
	inv := Invitation{TokenHash: tokenHash}
	var created, expires int64
	err := db.r.QueryRowContext(ctx, `SELECT shop_id, role, login, created_by, created_at, expires_at FROM invitations
WHERE token_hash = $1 AND accepted_at = 0 AND expires_at > $2`, tokenHash, db.nowMillis()).Scan(
		&inv.ShopID, &inv.Role, &inv.Login, &inv.CreatedBy, &created, &expires)
	if err != nil {
		return inv, notFound(err, "get invitation", "")
	}
	inv.CreatedAt, inv.ExpiresAt = fromMillis(created), fromMillis(expires)
	return inv, nil
}

// ListInvitations returns a shop's open invitations.
func (db *DB) ListInvitations(ctx context.Context, shopID int64) ([]Invitation, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT token_hash, role, login, created_by, created_at, expires_at FROM invitations
WHERE shop_id = $1 AND accepted_at = 0 AND expires_at > $2 ORDER BY created_at`, shopID, db.nowMillis())
	if err != nil {
		return nil, fmt.Errorf("store: list invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		inv := Invitation{ShopID: shopID}
		var created, expires int64
		if err := rows.Scan(&inv.TokenHash, &inv.Role, &inv.Login, &inv.CreatedBy, &created, &expires); err != nil {
			return nil, fmt.Errorf("store: list invitations: %w", err)
		}
		inv.CreatedAt, inv.ExpiresAt = fromMillis(created), fromMillis(expires)
		out = append(out, inv)
	}
	return out, rows.Err()
}

// AcceptInvitation creates the invited account with its password hash and
// its membership, in one transaction, and closes the invitation. A missing,
// expired or used invitation gives ErrNotFound; a taken username, email or
// phone gives ErrConflict and changes nothing.
func (db *DB) AcceptInvitation(ctx context.Context, tokenHash string, a AccountInput) (int64, error) {
	var accountID int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.nowMillis()
		// Closing the invitation first claims it: of two acceptances at
		// once, only one updates the row.
		var shopID int64
		var role string
		err := tx.QueryRowContext(ctx, `UPDATE invitations SET accepted_at = $2
WHERE token_hash = $1 AND accepted_at = 0 AND expires_at > $2 RETURNING shop_id, role`, tokenHash, now).Scan(&shopID, &role)
		if err != nil {
			return notFound(err, "accept invitation", "")
		}
		err = tx.QueryRowContext(ctx, createAccountSQL, a.Username, a.Email, a.Phone, a.DisplayName, a.PasswordHash, now).Scan(&accountID)
		if db.dialect.isUniqueViolation(err) {
			return fmt.Errorf("store: accept invitation: account %q: %w", a.Username, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: accept invitation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, addMemberSQL, shopID, accountID, role, string(model.StatusOffline), defaultMaxChats, now); err != nil {
			return fmt.Errorf("store: accept invitation: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return accountID, nil
}

// DeleteInvitation withdraws an invitation of the shop.
func (db *DB) DeleteInvitation(ctx context.Context, shopID int64, tokenHash string) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM invitations WHERE shop_id = $1 AND token_hash = $2`, shopID, tokenHash)
	return affectedOne(res, err, "delete invitation", "")
}

// AccountInput is what a new account is made of.
type AccountInput struct {
	Username, Email, Phone, DisplayName, PasswordHash string
}
