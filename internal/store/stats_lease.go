package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The statistics job's lease (one row of stats_lease): the node that holds
// it is the only one that rolls up, prunes and mines. The holder renews it
// with every batch it stores (ApplyStats with StatsBatch.Holder) and at
// every round; once it has expired, another node may take it over. A
// batch of a node that lost the lease is refused, so even a node that
// stalled past its lease and wakes up after another took over stores
// nothing.
//
// Expiry compares the nodes' clocks (each node's Options.Now): they must
// agree to well within a lease (NTP does).

// StatsLease is who holds the statistics job's lease.
type StatsLease struct {
	Holder    string // "" when free
	ExpiresAt time.Time
	TakenAt   time.Time // when the holder took it
}

// TakeStatsLease takes the job's lease for holder until d from now, or
// renews it if holder has it. It reports false, and changes nothing, while
// another node holds an unexpired lease.
func (db *DB) TakeStatsLease(ctx context.Context, holder string, d time.Duration) (bool, error) {
	if holder == "" {
		return false, fmt.Errorf("store: take stats lease: %w", ErrEmptyID)
	}
	now := db.nowMillis()
	res, err := db.w.ExecContext(ctx, `UPDATE stats_lease SET holder = $1, expires_at = $2,
taken_at = CASE WHEN holder = $1 THEN taken_at ELSE $3 END
WHERE name = 'job' AND (holder = $1 OR holder = '' OR expires_at <= $3)`, holder, now+d.Milliseconds(), now)
	if err != nil {
		return false, fmt.Errorf("store: take stats lease: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: take stats lease: %w", err)
	}
	return n == 1, nil
}

// ReleaseStatsLease gives up holder's lease so another node may take it at
// once; a lease held by another node is left alone. An empty holder frees
// the lease whoever holds it: a single node does so at start-up, since the
// lease in the table is its own previous life's.
func (db *DB) ReleaseStatsLease(ctx context.Context, holder string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE stats_lease SET holder = '', expires_at = 0
WHERE name = 'job' AND (holder = $1 OR $1 = '')`, holder)
	if err != nil {
		return fmt.Errorf("store: release stats lease: %w", err)
	}
	return nil
}

// GetStatsLease reads who holds the job's lease.
func (db *DB) GetStatsLease(ctx context.Context) (StatsLease, error) {
	var l StatsLease
	var expires, taken int64
	err := db.r.QueryRowContext(ctx, `SELECT holder, expires_at, taken_at FROM stats_lease WHERE name = 'job'`).Scan(&l.Holder, &expires, &taken)
	if err != nil {
		return l, notFound(err, "stats lease", "job")
	}
	l.ExpiresAt, l.TakenAt = fromMillis(expires), fromMillis(taken)
	return l, nil
}

// fenceStats checks, inside a job transaction, that holder still holds the
// lease, and renews it for d. It is the transaction's first write, so on
// PostgreSQL it also locks the row until the commit: a node taking the
// lease over waits for the batch, then sees the renewed expiry. A lease
// that another node took (or that was released) gives ErrStale.
func fenceStats(ctx context.Context, tx *sql.Tx, holder string, expires int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE stats_lease SET expires_at = $2 WHERE name = 'job' AND holder = $1`, holder, expires)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("the statistics lease is no longer %s's: %w", holder, ErrStale)
	}
	return nil
}
