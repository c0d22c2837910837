package store

import (
	"context"
	"fmt"
	"time"
)

// Leases of the jobs that run on one node at a time (a row of job_leases
// each): the statistics job ("stats") and the buyer tag refresh
// ("tag_refresh"). A node takes its job's lease for a while and renews it
// as it works; once it has expired, another node may take it over.
//
// Expiry compares the nodes' clocks (each node's Options.Now): they must
// agree to well within a lease (NTP does).

const (
	leaseStats      = "stats"
	leaseTagRefresh = "tag_refresh"
)

// takeLease takes the job's lease for holder until d from now, or renews
// it if holder has it. It reports false, and changes nothing, while
// another node holds an unexpired lease.
func (db *DB) takeLease(ctx context.Context, job, holder string, d time.Duration) (bool, error) {
	now := db.nowMillis()
	res, err := db.w.ExecContext(ctx, `UPDATE job_leases SET holder = $2, expires_at = $3,
taken_at = CASE WHEN holder = $2 THEN taken_at ELSE $4 END
WHERE name = $1 AND (holder = $2 OR holder = '' OR expires_at <= $4)`, job, holder, now+d.Milliseconds(), now)
	if err != nil {
		return false, fmt.Errorf("store: take %s lease: %w", job, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: take %s lease: %w", job, err)
	}
	return n == 1, nil
}

// releaseLease gives up holder's lease of the job so another node may take
// it at once; a lease held by another node is left alone. An empty holder
// frees the lease whoever holds it: a single node does so at start-up,
// since the lease in the table is its own previous life's.
func (db *DB) releaseLease(ctx context.Context, job, holder string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE job_leases SET holder = '', expires_at = 0
WHERE name = $1 AND (holder = $2 OR $2 = '')`, job, holder)
	if err != nil {
		return fmt.Errorf("store: release %s lease: %w", job, err)
	}
	return nil
}
