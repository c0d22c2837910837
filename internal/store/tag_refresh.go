package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Buyer tags age: a refund leaves its window, a buyer turns inactive. Each
// buyer row keeps when its tags are next due (tags_due, 0 for never, 1 for
// now) and a generation (tags_gen) that every change to what the tags are
// computed from increments in the transaction of the change, marking the
// buyer due at once. The refresh job (commerce) recomputes due buyers under
// a lease, so one node at a time does it; a computation stores its result
// only if the generation it read is still current (SetBuyerTags).

// dueMillis is t in milliseconds, rounded up so that a buyer is never
// refreshed before t; 0 for the zero time.
func dueMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	ms := t.UnixMilli()
	if t.Sub(time.UnixMilli(ms)) > 0 {
		ms++
	}
	return max(ms, 2) // 1 means "due now"
}

// markTagsChanged increments the generation of the buyer of buyerExt and
// marks them due now, in the transaction of a change to their data.
func markTagsChanged(ctx context.Context, tx *sql.Tx, shopID int64, buyerExt string) error {
	_, err := tx.ExecContext(ctx, `UPDATE buyers SET tags_gen = tags_gen + 1, tags_due = 1
WHERE shop_id = $1 AND external_id = $2 AND external_id <> ''`, shopID, buyerExt)
	return err
}

// markPreviousBuyer does markTagsChanged for the buyer a row of table (an
// order, a coupon, a review, by the shop's id for it) belonged to before
// this change gave it to buyerExt: that buyer's tags may change too (one
// order fewer can make a "returning" buyer "new" again). table is one of
// the package's own names, never input.
func markPreviousBuyer(ctx context.Context, tx *sql.Tx, table string, shopID int64, externalID, buyerExt string) error {
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT buyer_ext FROM `+table+` WHERE shop_id = $1 AND external_id = $2`,
		shopID, externalID).Scan(&prev)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (prev == buyerExt || prev == "") {
		return nil
	}
	if err != nil {
		return err
	}
	return markTagsChanged(ctx, tx, shopID, prev)
}

// markShopTagsChanged does markTagsChanged for every verified buyer of the
// shop, in the transaction of a change to its tag rules or thresholds.
func markShopTagsChanged(ctx context.Context, tx *sql.Tx, shopID int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE buyers SET tags_gen = tags_gen + 1, tags_due = 1
WHERE shop_id = $1 AND external_id <> ''`, shopID)
	return err
}

// DueCursor is where a pass over due buyers stands: after the buyer ID,
// whose tags were due at Due.
type DueCursor struct {
	Due time.Time
	ID  int64
}

const listDueSQL = `SELECT ` + profileColumns + ` FROM buyers
WHERE tags_due > 0 AND tags_due <= $1 AND (tags_due, id) > ($2, $3) ORDER BY tags_due, id LIMIT $4`

// ListDueBuyers lists buyers of every shop whose tags were due at or before
// asof, in order of due time then id, after the cursor, at most limit
// (1-1000). A pass that moves the cursor to the last buyer of each page
// sees every buyer due at asof that it does not refresh itself once.
func (db *DB) ListDueBuyers(ctx context.Context, asof time.Time, after DueCursor, limit int) ([]model.BuyerProfile, error) {
	rows, err := db.r.QueryContext(ctx, listDueSQL, asof.UnixMilli(), toMillis(after.Due), after.ID, Page{Limit: limit}.limit())
	return scanAll(rows, err, "list due buyers", func(r *sql.Rows) (model.BuyerProfile, error) { return scanProfile(r) })
}

// CountDueBuyers counts the buyers of every shop whose tags were due at or
// before asof.
func (db *DB) CountDueBuyers(ctx context.Context, asof time.Time) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM buyers WHERE tags_due > 0 AND tags_due <= $1`, asof.UnixMilli()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: count due buyers: %w", err)
	}
	return n, nil
}

// LeaseTagRefresh gives node the tag refresh job for d, or extends its
// lease: it reports false, changing nothing, while another node's lease
// runs.
func (db *DB) LeaseTagRefresh(ctx context.Context, node string, d time.Duration) (bool, error) {
	return db.takeLease(ctx, leaseTagRefresh, node, d)
}

// ReleaseTagRefresh ends node's lease of the tag refresh job; another
// node's is left alone. An empty node ends any lease: a single-node
// deployment does that at start-up, since the lease can only be its own
// previous life's.
func (db *DB) ReleaseTagRefresh(ctx context.Context, node string) error {
	return db.releaseLease(ctx, leaseTagRefresh, node)
}
