package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const memberColumns = `m.shop_id, m.account_id, m.role, m.status, m.max_chats, m.created_at,
a.id, a.username, a.email, a.phone, a.display_name, a.password_hash, a.created_at`

func scanMember(row interface{ Scan(...any) error }) (model.Member, error) {
	var m model.Member
	var created, acreated int64
	var status string
	err := row.Scan(&m.ShopID, &m.AccountID, &m.Role, &status, &m.MaxChats, &created,
		&m.Account.ID, &m.Account.Username, &m.Account.Email, &m.Account.Phone, &m.Account.DisplayName,
		&m.Account.PasswordHash, &acreated)
	m.Status = model.AgentStatus(status)
	m.CreatedAt = fromMillis(created)
	m.Account.CreatedAt = fromMillis(acreated)
	return m, err
}

const addMemberSQL = `INSERT INTO memberships (shop_id, account_id, role, status, max_chats, created_at)
VALUES ($1, $2, $3, $4, $5, $6)`

// defaultMaxChats is a new member's concurrent-conversation cap.
const defaultMaxChats = 10

// AddMember binds an account to a shop. An existing membership gives
// ErrConflict; a missing account or shop gives ErrNotFound.
func (db *DB) AddMember(ctx context.Context, m model.Membership) error {
	if m.Status == "" {
		m.Status = model.StatusOffline
	}
	if m.MaxChats <= 0 {
		m.MaxChats = defaultMaxChats
	}
	_, err := db.w.ExecContext(ctx, addMemberSQL, m.ShopID, m.AccountID, m.Role, string(m.Status), m.MaxChats, db.nowMillis())
	if db.dialect.isUniqueViolation(err) {
		return fmt.Errorf("store: add member %d to shop %d: %w", m.AccountID, m.ShopID, ErrConflict)
	}
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: add member %d to shop %d: no such account or shop: %w", m.AccountID, m.ShopID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: add member %d to shop %d: %w", m.AccountID, m.ShopID, err)
	}
	return nil
}

// GetMember reads one account's membership of a shop.
func (db *DB) GetMember(ctx context.Context, shopID, accountID int64) (model.Member, error) {
	const q = `SELECT ` + memberColumns + ` FROM memberships m JOIN accounts a ON a.id = m.account_id
WHERE m.shop_id = $1 AND m.account_id = $2`
	m, err := scanMember(db.r.QueryRowContext(ctx, q, shopID, accountID))
	if err != nil {
		return m, notFound(err, "get member", fmt.Sprintf("%d/%d", shopID, accountID))
	}
	return m, nil
}

// ListMembers returns a shop's members, oldest first.
func (db *DB) ListMembers(ctx context.Context, shopID int64) ([]model.Member, error) {
	const q = `SELECT ` + memberColumns + ` FROM memberships m JOIN accounts a ON a.id = m.account_id
WHERE m.shop_id = $1 ORDER BY m.created_at, m.account_id`
	rows, err := db.r.QueryContext(ctx, q, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: list members %d: %w", shopID, err)
	}
	defer rows.Close()
	var out []model.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list members %d: %w", shopID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ListMemberships returns every shop membership of an account.
func (db *DB) ListMemberships(ctx context.Context, accountID int64) ([]model.Member, error) {
	const q = `SELECT ` + memberColumns + ` FROM memberships m JOIN accounts a ON a.id = m.account_id
WHERE m.account_id = $1 ORDER BY m.shop_id`
	rows, err := db.r.QueryContext(ctx, q, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: list memberships %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []model.Member
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list memberships %d: %w", accountID, err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// UpdateMember saves a member's role and conversation cap.
func (db *DB) UpdateMember(ctx context.Context, m model.Membership) error {
	res, err := db.w.ExecContext(ctx, `UPDATE memberships SET role = $3, max_chats = $4 WHERE shop_id = $1 AND account_id = $2`,
		m.ShopID, m.AccountID, m.Role, m.MaxChats)
	return affectedOne(res, err, "update member", fmt.Sprintf("%d/%d", m.ShopID, m.AccountID))
}

// SetAgentStatus saves an agent's own status in a shop, and logs a change
// of it for the time-online statistics.
func (db *DB) SetAgentStatus(ctx context.Context, shopID, accountID int64, s model.AgentStatus) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE memberships SET status = $3 WHERE shop_id = $1 AND account_id = $2`,
			shopID, accountID, string(s))
		if err := affectedOne(res, err, "set agent status", fmt.Sprintf("%d/%d", shopID, accountID)); err != nil {
			return err
		}
		return logAgentStatus(ctx, tx, shopID, accountID, s, db.nowMillis())
	})
}

// RemoveMember ends a membership and the account's group memberships in the
// shop. Reassigning their conversations is the caller's job (it records events).
func (db *DB) RemoveMember(ctx context.Context, shopID, accountID int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM memberships WHERE shop_id = $1 AND account_id = $2`, shopID, accountID)
		if err := affectedOne(res, err, "remove member", fmt.Sprintf("%d/%d", shopID, accountID)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM group_members WHERE account_id = $2
AND group_id IN (SELECT id FROM agent_groups WHERE shop_id = $1)`, shopID, accountID)
		if err != nil {
			return fmt.Errorf("store: remove member groups: %w", err)
		}
		// A member who leaves stops being online.
		return logAgentStatus(ctx, tx, shopID, accountID, model.StatusOffline, db.nowMillis())
	})
}

// CountMembersWithRole counts a shop's members holding role.
func (db *DB) CountMembersWithRole(ctx context.Context, shopID int64, role string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE shop_id = $1 AND role = $2`, shopID, role).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count members: %w", err)
	}
	return n, nil
}
