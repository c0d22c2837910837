package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Notify is the part of Store behind notifications and outgoing events:
// preferences, push targets, the outbox of facts (outbox.go), the
// deliveries made from them with their leases and retries
// (deliveries.go), and who has the workbench open.
type Notify interface {
	NotifyPrefs(ctx context.Context, shopID, accountID int64) (string, error)
	ListNotifyPrefs(ctx context.Context, shopID int64) (map[int64]string, error)
	PutNotifyPrefs(ctx context.Context, shopID, accountID int64, value string) error
	DeleteNotifyPrefs(ctx context.Context, shopID, accountID int64) error

	CreateNotifyTarget(ctx context.Context, t NotifyTarget) (NotifyTarget, error)
	GetNotifyTarget(ctx context.Context, shopID, id int64) (NotifyTarget, error)
	ListNotifyTargets(ctx context.Context, shopID int64, purpose string) ([]NotifyTarget, error)
	UpdateNotifyTarget(ctx context.Context, t NotifyTarget) (NotifyTarget, error)
	DeleteNotifyTarget(ctx context.Context, shopID, id int64) error

	SetOutboxSubscriptions(ctx context.Context, shopID int64, kinds []string) error
	OutboxSubscriptions(ctx context.Context, shopID int64) ([]string, error)
	AddFact(ctx context.Context, f Fact, once string) (bool, error)
	ListFacts(ctx context.Context, limit int) ([]Fact, error)
	CommitFanOut(ctx context.Context, outs []FanOut) (int, error)
	PruneOnce(ctx context.Context, before time.Time) (int64, error)

	DueTargets(ctx context.Context, limit int) ([]int64, error)
	LeaseTarget(ctx context.Context, id int64, node string, d time.Duration) (NotifyTarget, error)
	ReleaseLeases(ctx context.Context) error
	ReleaseTarget(ctx context.Context, id int64, node string, w RateWindow) error
	DueDeliveries(ctx context.Context, targetID int64, limit int) ([]Delivery, error)
	FinishDeliveries(ctx context.Context, results []DeliveryResult) error
	GetDelivery(ctx context.Context, shopID, id int64) (Delivery, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	RetryDelivery(ctx context.Context, shopID, id int64) error
	PruneDeliveries(ctx context.Context, before time.Time) (int64, error)

	TouchPresence(ctx context.Context, node string, online []Presence) error
	OnlineAgents(ctx context.Context, shopID int64, since time.Time) ([]int64, error)
	CountBuyerConversations(ctx context.Context, shopID, buyerID int64) (int, error)
}

// NotifyPrefs returns an account's preferences in a shop (account 0: the
// shop's defaults) as stored (JSON), or ErrNotFound when none were saved.
func (db *DB) NotifyPrefs(ctx context.Context, shopID, accountID int64) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM notify_prefs WHERE shop_id = $1 AND account_id = $2`, shopID, accountID).Scan(&v)
	if err != nil {
		return "", notFound(err, "notification preferences of account", accountID)
	}
	return v, nil
}

// ListNotifyPrefs returns every saved preference of a shop by account (0:
// the shop's defaults).
func (db *DB) ListNotifyPrefs(ctx context.Context, shopID int64) (map[int64]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT account_id, value FROM notify_prefs WHERE shop_id = $1`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: list notification preferences: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var v string
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("store: list notification preferences: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}

// PutNotifyPrefs saves an account's preferences (account 0: the shop's
// defaults).
func (db *DB) PutNotifyPrefs(ctx context.Context, shopID, accountID int64, value string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO notify_prefs (shop_id, account_id, value, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (shop_id, account_id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		shopID, accountID, value, db.nowMillis())
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: put notification preferences: shop %d: %w", shopID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: put notification preferences: %w", err)
	}
	return nil
}

// DeleteNotifyPrefs drops an account's own preferences, so the shop's
// defaults apply again. Deleting what is not there is not an error.
func (db *DB) DeleteNotifyPrefs(ctx context.Context, shopID, accountID int64) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM notify_prefs WHERE shop_id = $1 AND account_id = $2`, shopID, accountID); err != nil {
		return fmt.Errorf("store: delete notification preferences: %w", err)
	}
	return nil
}

// Purposes of a notify target.
const (
	PurposeChannel = "channel" // pushes for people: chat robots, email, a plain webhook
	PurposeWebhook = "webhook" // signed events for the merchant's systems
)

// NotifyTarget is one place pushes go. Config and Events are JSON the
// notify package owns; Secret is write-only for the API.
type NotifyTarget struct {
	ID        int64
	ShopID    int64
	Purpose   string
	Kind      string
	Name      string
	Config    string
	Secret    string
	Events    string
	Enabled   bool
	CreatedAt time.Time
	UpdatedAt time.Time
	// Window is the rate limit's state, kept by the node that holds the
	// lease.
	Window RateWindow
}

// RateWindow counts the messages sent to a target in the minute that began
// at Start.
type RateWindow struct {
	Start time.Time
	Count int
}

const targetColumns = `id, shop_id, purpose, kind, name, config, secret, events, enabled, created_at, updated_at, window_start, window_count`

func scanTarget(row interface{ Scan(...any) error }) (NotifyTarget, error) {
	var t NotifyTarget
	var enabled int
	var created, updated, wstart int64
	err := row.Scan(&t.ID, &t.ShopID, &t.Purpose, &t.Kind, &t.Name, &t.Config, &t.Secret, &t.Events, &enabled,
		&created, &updated, &wstart, &t.Window.Count)
	t.Enabled = enabled != 0
	t.CreatedAt, t.UpdatedAt, t.Window.Start = fromMillis(created), fromMillis(updated), fromMillis(wstart)
	return t, err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateNotifyTarget stores a new target of the shop.
func (db *DB) CreateNotifyTarget(ctx context.Context, t NotifyTarget) (NotifyTarget, error) {
	t.CreatedAt = db.nowTime()
	t.UpdatedAt = t.CreatedAt
	err := db.w.QueryRowContext(ctx, `INSERT INTO notify_targets (shop_id, purpose, kind, name, config, secret, events, enabled, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`, t.ShopID, t.Purpose, t.Kind, t.Name, t.Config, t.Secret, t.Events,
		boolInt(t.Enabled), toMillis(t.CreatedAt)).Scan(&t.ID)
	if db.dialect.isForeignKeyViolation(err) {
		return t, fmt.Errorf("store: create notify target: shop %d: %w", t.ShopID, ErrNotFound)
	}
	if err != nil {
		return t, fmt.Errorf("store: create notify target: %w", err)
	}
	return t, nil
}

// GetNotifyTarget reads a target of the shop.
func (db *DB) GetNotifyTarget(ctx context.Context, shopID, id int64) (NotifyTarget, error) {
	t, err := scanTarget(db.r.QueryRowContext(ctx, `SELECT `+targetColumns+` FROM notify_targets WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return t, notFound(err, "notify target", id)
	}
	return t, nil
}

// ListNotifyTargets lists a shop's targets of one purpose ("" for all) in
// id order.
func (db *DB) ListNotifyTargets(ctx context.Context, shopID int64, purpose string) ([]NotifyTarget, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+targetColumns+` FROM notify_targets
WHERE shop_id = $1 AND ($2 = '' OR purpose = $2) ORDER BY id`, shopID, purpose)
	return scanAll(rows, err, "list notify targets", func(r *sql.Rows) (NotifyTarget, error) { return scanTarget(r) })
}

// UpdateNotifyTarget saves a target's name, config, secret, events and
// switch; its purpose and kind never change.
func (db *DB) UpdateNotifyTarget(ctx context.Context, t NotifyTarget) (NotifyTarget, error) {
	t.UpdatedAt = db.nowTime()
	res, err := db.w.ExecContext(ctx, `UPDATE notify_targets SET name = $3, config = $4, secret = $5, events = $6, enabled = $7,
updated_at = $8 WHERE shop_id = $1 AND id = $2`, t.ShopID, t.ID, t.Name, t.Config, t.Secret, t.Events, boolInt(t.Enabled), toMillis(t.UpdatedAt))
	if err := affectedOne(res, err, "update notify target", t.ID); err != nil {
		return t, err
	}
	return db.GetNotifyTarget(ctx, t.ShopID, t.ID)
}

// DeleteNotifyTarget removes a target with its deliveries.
func (db *DB) DeleteNotifyTarget(ctx context.Context, shopID, id int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		// Deleted here too, so PostgreSQL and SQLite agree whatever the
		// foreign-key settings of the connection.
		if _, err := tx.ExecContext(ctx, `DELETE FROM notify_deliveries WHERE target_id = $1 AND shop_id = $2`, id, shopID); err != nil {
			return fmt.Errorf("store: delete notify target %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM notify_targets WHERE shop_id = $1 AND id = $2`, shopID, id)
		return affectedOne(res, err, "delete notify target", id)
	})
}
