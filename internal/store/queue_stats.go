package store

import (
	"context"
	"fmt"
)

// QueueStat sums up one queue of a shop: how many conversations wait, and
// sums of their ids and priorities. Two equal stats mean, in practice, the
// same conversations in the same order, so the router tells buyers their
// places only when a stat changed instead of reading every queue on every
// event.
type QueueStat struct {
	GroupID     int64
	Waiting     int
	IDSum       int64
	PrioritySum int64
}

// QueueStats returns the stats of the shop's queues that have
// conversations waiting, in group order.
func (db *DB) QueueStats(ctx context.Context, shopID int64) ([]QueueStat, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT group_id, COUNT(*), CAST(SUM(id) AS BIGINT), CAST(SUM(priority) AS BIGINT) FROM conversations
WHERE shop_id = $1 AND owner = 'queue' GROUP BY group_id ORDER BY group_id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: queue stats: %w", err)
	}
	defer rows.Close()
	var out []QueueStat
	for rows.Next() {
		var q QueueStat
		if err := rows.Scan(&q.GroupID, &q.Waiting, &q.IDSum, &q.PrioritySum); err != nil {
			return nil, fmt.Errorf("store: queue stats: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}
