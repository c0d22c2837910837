package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// The statistics job's lease (a row of job_leases, see leases.go): the node that holds
// it is the only one that rolls up, prunes and mines. The holder renews it
// with every batch it stores (ApplyStats with StatsBatch.Holder) and at
// every round; once it has expired, another node may take it over. A
// batch of a node that lost the lease is refused, so even a node that
// stalled past its lease and wakes up after another took over stores
// nothing.

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
	return db.takeLease(ctx, leaseStats, holder, d)
}

// ReleaseStatsLease gives up holder's lease (any holder's when empty).
func (db *DB) ReleaseStatsLease(ctx context.Context, holder string) error {
	return db.releaseLease(ctx, leaseStats, holder)
}

// GetStatsLease reads who holds the job's lease.
func (db *DB) GetStatsLease(ctx context.Context) (StatsLease, error) {
	var l StatsLease
	var expires, taken int64
	err := db.r.QueryRowContext(ctx, `SELECT holder, expires_at, taken_at FROM job_leases WHERE name = $1`, leaseStats).Scan(&l.Holder, &expires, &taken)
	if err != nil {
		return l, notFound(err, "stats lease", leaseStats)
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
	res, err := tx.ExecContext(ctx, `UPDATE job_leases SET expires_at = $2 WHERE name = $3 AND holder = $1`, holder, expires, leaseStats)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("the statistics lease is no longer %s's: %w", holder, ErrStale)
	}
	return nil
}
