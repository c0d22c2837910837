package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Delivery statuses.
const (
	DeliveryPending   = "pending"   // waiting for its first try or a retry
	DeliveryDelivered = "delivered" // the receiver accepted it
	DeliveryFailed    = "failed"    // given up; the console can retry it
)

// Delivery is one push of one event to one target.
type Delivery struct {
	ID             int64
	ShopID         int64
	TargetID       int64
	EventID        string
	Kind           string
	ConversationID int64
	Payload        string // JSON, the notify package's
	Status         string
	Attempts       int
	NextAt         time.Time
	LastError      string
	LastStatus     int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeliveredAt    time.Time
}

const deliveryColumns = `id, shop_id, target_id, event_id, kind, conversation_id, payload, status, attempts, next_at,
last_error, last_status, created_at, updated_at, delivered_at`

func scanDelivery(row interface{ Scan(...any) error }) (Delivery, error) {
	var d Delivery
	var next, created, updated, delivered int64
	err := row.Scan(&d.ID, &d.ShopID, &d.TargetID, &d.EventID, &d.Kind, &d.ConversationID, &d.Payload, &d.Status,
		&d.Attempts, &next, &d.LastError, &d.LastStatus, &created, &updated, &delivered)
	d.NextAt, d.CreatedAt, d.UpdatedAt, d.DeliveredAt = fromMillis(next), fromMillis(created), fromMillis(updated), fromMillis(delivered)
	return d, err
}

// DueTargets lists enabled targets with deliveries due now, in id order.
func (db *DB) DueTargets(ctx context.Context, limit int) ([]int64, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT d.target_id FROM notify_deliveries d
JOIN notify_targets t ON t.id = d.target_id AND t.enabled = 1
WHERE d.status = 'pending' AND d.next_at <= $1 ORDER BY d.target_id LIMIT $2`, db.nowMillis(), limit)
	return scanAll(rows, err, "due targets", func(r *sql.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// LeaseTarget gives node the sole right to send to a target for d: no
// other node leases it until the lease ends or is released, so two nodes
// never send one delivery at once. The holder may renew it. A target
// leased by another node (or disabled, or gone) gives ErrStale.
func (db *DB) LeaseTarget(ctx context.Context, id int64, node string, d time.Duration) (NotifyTarget, error) {
	now := db.nowTime()
	res, err := db.w.ExecContext(ctx, `UPDATE notify_targets SET lease_owner = $2, lease_until = $3
WHERE id = $1 AND enabled = 1 AND (lease_until <= $4 OR lease_owner = $2)`, id, node, toMillis(now.Add(d)), toMillis(now))
	if err != nil {
		return NotifyTarget{}, fmt.Errorf("store: lease notify target %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return NotifyTarget{}, fmt.Errorf("store: lease notify target %d: %w", id, ErrStale)
	}
	t, err := scanTarget(db.w.QueryRowContext(ctx, `SELECT `+targetColumns+` FROM notify_targets WHERE id = $1`, id))
	if err != nil {
		return t, notFound(err, "leased notify target", id)
	}
	return t, nil
}

// ReleaseTarget ends node's lease of a target and saves its rate window.
// A lease that is no longer node's is left alone.
func (db *DB) ReleaseTarget(ctx context.Context, id int64, node string, w RateWindow) error {
	_, err := db.w.ExecContext(ctx, `UPDATE notify_targets SET lease_owner = '', lease_until = 0, window_start = $3, window_count = $4
WHERE id = $1 AND lease_owner = $2`, id, node, toMillis(w.Start), w.Count)
	if err != nil {
		return fmt.Errorf("store: release notify target %d: %w", id, err)
	}
	return nil
}

// ReleaseLeases ends every lease. A single-node deployment calls it at
// start-up: the leases in the table are its own previous life's, and
// waiting for them to run out would only delay the deliveries.
func (db *DB) ReleaseLeases(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE notify_targets SET lease_owner = '', lease_until = 0 WHERE lease_owner <> ''`); err != nil {
		return fmt.Errorf("store: release leases: %w", err)
	}
	return nil
}

// DueDeliveries returns a target's pending deliveries due now, oldest
// first.
func (db *DB) DueDeliveries(ctx context.Context, targetID int64, limit int) ([]Delivery, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries
WHERE target_id = $1 AND status = 'pending' AND next_at <= $2 ORDER BY id LIMIT $3`, targetID, db.nowMillis(), limit)
	return scanAll(rows, err, "due deliveries", func(r *sql.Rows) (Delivery, error) { return scanDelivery(r) })
}

// DeliveryResult is the outcome of one try of a delivery.
type DeliveryResult struct {
	ID         int64
	Status     string    // delivered, pending (retry at NextAt) or failed
	NextAt     time.Time // pending: when to try again
	LastError  string
	LastStatus int
}

// FinishDeliveries records the outcome of a try of each delivery (one
// more attempt), in one transaction. Deliveries no longer pending are left
// alone.
func (db *DB) FinishDeliveries(ctx context.Context, results []DeliveryResult) error {
	now := db.nowMillis()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range results {
			delivered := int64(0)
			if r.Status == DeliveryDelivered {
				delivered = now
			}
			if len(r.LastError) > 500 {
				r.LastError = r.LastError[:500]
			}
			_, err := tx.ExecContext(ctx, `UPDATE notify_deliveries SET status = $2, attempts = attempts + 1, next_at = $3,
last_error = $4, last_status = $5, updated_at = $6, delivered_at = $7 WHERE id = $1 AND status = 'pending'`,
				r.ID, r.Status, toMillis(r.NextAt), strings.ToValidUTF8(r.LastError, ""), r.LastStatus, now, delivered)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: finish deliveries: %w", err)
	}
	return nil
}

// GetDelivery reads a delivery of the shop.
func (db *DB) GetDelivery(ctx context.Context, shopID, id int64) (Delivery, error) {
	d, err := scanDelivery(db.r.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE shop_id = $1 AND id = $2`, shopID, id))
	if err != nil {
		return d, notFound(err, "delivery", id)
	}
	return d, nil
}

// DeliveryFilter selects deliveries for the console. Zero fields do not
// filter.
type DeliveryFilter struct {
	ShopID   int64
	Status   string
	TargetID int64
	Before   int64 // cursor: only deliveries with a smaller id
	Limit    int   // 1-500, default 50
}

// ListDeliveries returns a shop's deliveries newest first.
func (db *DB) ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	before := f.Before
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries
WHERE shop_id = $1 AND ($2 = '' OR status = $2) AND ($3 = 0 OR target_id = $3) AND id < $4 ORDER BY id DESC LIMIT $5`,
		f.ShopID, f.Status, f.TargetID, before, f.Limit)
	return scanAll(rows, err, "list deliveries", func(r *sql.Rows) (Delivery, error) { return scanDelivery(r) })
}

// RetryDelivery puts a failed delivery back in line, due now, with its
// attempts counted from zero. A delivery that is not failed gives
// ErrConflict.
func (db *DB) RetryDelivery(ctx context.Context, shopID, id int64) error {
	now := db.nowMillis()
	res, err := db.w.ExecContext(ctx, `UPDATE notify_deliveries SET status = 'pending', attempts = 0, next_at = $3, updated_at = $3
WHERE shop_id = $1 AND id = $2 AND status = 'failed'`, shopID, id, now)
	if err != nil {
		return fmt.Errorf("store: retry delivery %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	if _, err := db.GetDelivery(ctx, shopID, id); err != nil {
		return err
	}
	return fmt.Errorf("store: retry delivery %d: not failed: %w", id, ErrConflict)
}

// PruneDeliveries deletes deliveries delivered before before, and presence
// rows not seen since then.
func (db *DB) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM notify_deliveries WHERE status = 'delivered' AND delivered_at < $1`, toMillis(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, `DELETE FROM notify_presence WHERE seen_at < $1`, toMillis(before)); err != nil {
		return 0, fmt.Errorf("store: prune presence: %w", err)
	}
	return res.RowsAffected()
}

// Presence is an agent with the workbench open in a shop.
type Presence struct {
	ShopID    int64
	AccountID int64
}

// TouchPresence records, at now, which agents have the workbench open on
// node: these are marked seen, the node's others are dropped.
func (db *DB) TouchPresence(ctx context.Context, node string, online []Presence) error {
	now := db.nowMillis()
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for _, p := range online {
			_, err := tx.ExecContext(ctx, `INSERT INTO notify_presence (shop_id, account_id, node, seen_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (shop_id, account_id, node) DO UPDATE SET seen_at = excluded.seen_at`, p.ShopID, p.AccountID, node, now)
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM notify_presence WHERE node = $1 AND seen_at < $2`, node, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: touch presence: %w", err)
	}
	return nil
}

// OnlineAgents lists the agents of a shop seen with the workbench open on
// any node since since, in id order.
func (db *DB) OnlineAgents(ctx context.Context, shopID int64, since time.Time) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT account_id FROM notify_presence WHERE shop_id = $1 AND seen_at >= $2
ORDER BY account_id`, shopID, toMillis(since))
	return scanAll(rows, err, "online agents", func(r *sql.Rows) (int64, error) {
		var id int64
		return id, r.Scan(&id)
	})
}

// CountBuyerConversations counts a buyer's conversations in the shop, open
// or closed.
func (db *DB) CountBuyerConversations(ctx context.Context, shopID, buyerID int64) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE shop_id = $1 AND buyer_id = $2`, shopID, buyerID).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("store: count buyer conversations: %w", err)
	}
	return n, nil
}
