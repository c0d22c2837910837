package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Role is a custom role of a shop: a name and the permissions it grants.
// Built-in roles are not stored; they live in the auth package.
type Role struct {
	ShopID      int64
	Name        string
	Permissions []string
}

// PutRole creates or replaces a custom role.
func (db *DB) PutRole(ctx context.Context, r Role) error {
	const q = `INSERT INTO roles (shop_id, name, permissions, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (shop_id, name) DO UPDATE SET permissions = excluded.permissions`
	_, err := db.w.ExecContext(ctx, q, r.ShopID, r.Name, strings.Join(r.Permissions, " "), db.nowMillis())
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: put role %q: shop %d: %w", r.Name, r.ShopID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: put role %q: %w", r.Name, err)
	}
	return nil
}

// GetRole reads a custom role.
func (db *DB) GetRole(ctx context.Context, shopID int64, name string) (Role, error) {
	var perms string
	err := db.r.QueryRowContext(ctx, `SELECT permissions FROM roles WHERE shop_id = $1 AND name = $2`, shopID, name).Scan(&perms)
	if err != nil {
		return Role{}, notFound(err, "get role", name)
	}
	return Role{ShopID: shopID, Name: name, Permissions: strings.Fields(perms)}, nil
}

// ListRoles returns a shop's custom roles by name.
func (db *DB) ListRoles(ctx context.Context, shopID int64) ([]Role, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, permissions FROM roles WHERE shop_id = $1 ORDER BY name`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: list roles: %w", err)
	}
	defer rows.Close()
	var out []Role
	for rows.Next() {
		var r Role
		var perms string
		if err := rows.Scan(&r.Name, &perms); err != nil {
			return nil, fmt.Errorf("store: list roles: %w", err)
		}
		r.ShopID = shopID
		r.Permissions = strings.Fields(perms)
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRole removes a custom role. It fails with ErrConflict while a member
// still holds it.
func (db *DB) DeleteRole(ctx context.Context, shopID int64, name string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships WHERE shop_id = $1 AND role = $2`, shopID, name).Scan(&n); err != nil {
			return fmt.Errorf("store: delete role %q: %w", name, err)
		}
		if n > 0 {
			return fmt.Errorf("store: delete role %q held by %d members: %w", name, n, ErrConflict)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM roles WHERE shop_id = $1 AND name = $2`, shopID, name)
		return affectedOne(res, err, "delete role", name)
	})
}

// Group is an agent group of a shop, such as pre-sales or after-sales.
type Group struct {
	ID      int64
	ShopID  int64
	Name    string
	Members []int64 // account ids
}

// CreateGroup stores a new agent group.
func (db *DB) CreateGroup(ctx context.Context, g Group) (Group, error) {
	err := db.w.QueryRowContext(ctx, `INSERT INTO agent_groups (shop_id, name, created_at) VALUES ($1, $2, $3) RETURNING id`,
		g.ShopID, g.Name, db.nowMillis()).Scan(&g.ID)
	if db.dialect.isUniqueViolation(err) {
		return g, fmt.Errorf("store: create group %q: %w", g.Name, ErrConflict)
	}
	if db.dialect.isForeignKeyViolation(err) {
		return g, fmt.Errorf("store: create group %q: shop %d: %w", g.Name, g.ShopID, ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("store: create group %q: %w", g.Name, err)
	}
	return g, nil
}

// ListGroups returns a shop's groups with their members.
func (db *DB) ListGroups(ctx context.Context, shopID int64) ([]Group, error) {
	const q = `SELECT g.id, g.name, COALESCE(gm.account_id, 0) FROM agent_groups g
LEFT JOIN group_members gm ON gm.group_id = g.id WHERE g.shop_id = $1 ORDER BY g.id, gm.account_id`
	rows, err := db.r.QueryContext(ctx, q, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: list groups: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var id, member int64
		var name string
		if err := rows.Scan(&id, &name, &member); err != nil {
			return nil, fmt.Errorf("store: list groups: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			out = append(out, Group{ID: id, ShopID: shopID, Name: name})
		}
		if member != 0 {
			g := &out[len(out)-1]
			g.Members = append(g.Members, member)
		}
	}
	return out, rows.Err()
}

// setGroupMemberSQL adds a member of the shop to a group; it skips accounts
// that are not members and ids given twice.
const setGroupMemberSQL = `INSERT INTO group_members (group_id, account_id)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT)
WHERE EXISTS (SELECT 1 FROM memberships WHERE shop_id = $3 AND account_id = $2)
ON CONFLICT (group_id, account_id) DO NOTHING`

// SetGroupMembers replaces the members of a group. Accounts that are not
// members of the shop are left out.
func (db *DB) SetGroupMembers(ctx context.Context, shopID, groupID int64, accountIDs []int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM agent_groups WHERE id = $1 AND shop_id = $2`, groupID, shopID).Scan(&one)
		if err != nil {
			return notFound(err, "set group members", groupID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = $1`, groupID); err != nil {
			return fmt.Errorf("store: set group members: %w", err)
		}
		for _, a := range accountIDs {
			_, err := tx.ExecContext(ctx, setGroupMemberSQL, groupID, a, shopID)
			if err != nil {
				return fmt.Errorf("store: set group members: %w", err)
			}
		}
		return nil
	})
}

// DeleteGroup removes a group of the shop. Conversations waiting in its
// queue move to the shop's general queue (no group), where every agent sees
// them, instead of waiting for a group nobody is in.
func (db *DB) DeleteGroup(ctx context.Context, shopID, groupID int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM agent_groups WHERE id = $1 AND shop_id = $2`, groupID, shopID)
		if err := affectedOne(res, err, "delete group", groupID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE conversations SET group_id = 0
WHERE shop_id = $1 AND group_id = $2 AND owner = 'queue'`, shopID, groupID)
		if err != nil {
			return fmt.Errorf("store: delete group %d: requeue: %w", groupID, err)
		}
		return nil
	})
}

// MemberGroups returns the ids of the shop's groups an account belongs to.
func (db *DB) MemberGroups(ctx context.Context, shopID, accountID int64) ([]int64, error) {
	const q = `SELECT g.id FROM agent_groups g JOIN group_members gm ON gm.group_id = g.id
WHERE g.shop_id = $1 AND gm.account_id = $2 ORDER BY g.id`
	rows, err := db.r.QueryContext(ctx, q, shopID, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: member groups: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: member groups: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
