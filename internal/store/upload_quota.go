package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// UploadQuota is one limit an upload counts against: at most MaxUploads
// uploads and MaxBytes bytes under Key in a window of Window from the
// first upload of the window.
type UploadQuota struct {
	Key        string
	MaxUploads int64
	MaxBytes   int64
	Window     time.Duration
}

// QuotaRefusal says which quota refused an upload (its index in the list;
// -1 when none did) and when its window ends.
type QuotaRefusal struct {
	Index int
	Until time.Time
}

const takeQuotaSQL = `INSERT INTO upload_quota (key, window_end, uploads, bytes) VALUES ($1, $2, $3, $4)
ON CONFLICT (key) DO UPDATE SET
window_end = CASE WHEN upload_quota.window_end <= $5 THEN excluded.window_end ELSE upload_quota.window_end END,
uploads = CASE WHEN upload_quota.window_end <= $5 THEN excluded.uploads ELSE upload_quota.uploads + excluded.uploads END,
bytes = CASE WHEN upload_quota.window_end <= $5 THEN excluded.bytes ELSE upload_quota.bytes + excluded.bytes END
RETURNING uploads, bytes, window_end`

// TakeUploadQuota counts uploads uploads of bytes bytes against every
// quota, all or none, in one transaction: when one of them would go over
// its limits nothing is counted and the refusal names it. Windows that have
// ended are forgotten on the way.
func (db *DB) TakeUploadQuota(ctx context.Context, qs []UploadQuota, uploads, bytes int64) (QuotaRefusal, error) {
	refused := QuotaRefusal{Index: -1}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := db.nowMillis()
		if _, err := tx.ExecContext(ctx, `DELETE FROM upload_quota WHERE window_end <= $1`, now); err != nil {
			return err
		}
		for i, q := range qs {
			var n, b, end int64
			err := tx.QueryRowContext(ctx, takeQuotaSQL, q.Key, now+q.Window.Milliseconds(), uploads, bytes, now).Scan(&n, &b, &end)
			if err != nil {
				return err
			}
			if n > q.MaxUploads || b > q.MaxBytes {
				refused = QuotaRefusal{Index: i, Until: fromMillis(end)}
				return errRefused
			}
		}
		return nil
	})
	if err == errRefused {
		return refused, nil
	}
	if err != nil {
		return QuotaRefusal{Index: -1}, fmt.Errorf("store: take upload quota: %w", err)
	}
	return refused, nil
}

// errRefused rolls back a transaction that counted an upload over a quota.
var errRefused = fmt.Errorf("over a quota")
