package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// StatsUnit is what a rollup's buckets count.
type StatsUnit int

// The rollups.
const (
	StatsHour  StatsUnit = iota // stats_hourly: hours since 1970-01-01 00:00 on the shop's wall clock
	StatsDay                    // stats_daily: days since 1970-01-01
	StatsMonth                  // stats_monthly: months since 1970-01 (MonthOfDay)
)

var statsTables = map[StatsUnit]string{StatsHour: "stats_hourly", StatsDay: "stats_daily", StatsMonth: "stats_monthly"}

// StatsSpan is a range of one rollup's buckets: From <= bucket < To.
type StatsSpan struct {
	Unit     StatsUnit
	From, To int64
}

// StatsQuery sums rollup cells.
type StatsQuery struct {
	ShopID int64
	// Spans are summed together (days, then whole months, then days);
	// breaking down by bucket needs a single span.
	Spans   []StatsSpan
	Metrics []string // empty: all
	// Filters; nil or "" does not filter.
	Channel string
	GroupID *int64
	AgentID *int64
	// By lists what the sums are broken down by besides the metric:
	// "bucket", "item", "channel", "group_id", "agent_id".
	By []string
}

// StatsRow is one sum of a StatsQuery; fields not in By are zero.
type StatsRow struct {
	Metric  string
	Bucket  int64
	Item    string
	Channel string
	GroupID int64
	AgentID int64
	N       int64
	Total   int64
}

var statsByColumns = []string{"bucket", "item", "channel", "group_id", "agent_id"}

// StatsSums sums the rollup cells a query selects, by metric and the
// columns in By.
func (db *DB) StatsSums(ctx context.Context, q StatsQuery) ([]StatsRow, error) {
	query, args, err := statsSumsSQL(q)
	if err != nil || query == "" {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stats sums: %w", err)
	}
	defer rows.Close()
	var out []StatsRow
	for rows.Next() {
		var r StatsRow
		dest := []any{&r.Metric}
		for _, b := range q.By {
			switch b {
			case "bucket":
				dest = append(dest, &r.Bucket)
			case "item":
				dest = append(dest, &r.Item)
			case "channel":
				dest = append(dest, &r.Channel)
			case "group_id":
				dest = append(dest, &r.GroupID)
			case "agent_id":
				dest = append(dest, &r.AgentID)
			}
		}
		dest = append(dest, &r.N, &r.Total)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("store: stats sums: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// statsSumsSQL is the query of q: one SELECT over a single span, or the
// spans' rows together (UNION ALL) summed once.
func statsSumsSQL(q StatsQuery) (string, []any, error) {
	cols := []string{"metric"}
	for _, b := range q.By {
		if !slices.Contains(statsByColumns, b) {
			return "", nil, fmt.Errorf("store: stats sums: cannot break down by %q", b)
		}
		if b == "bucket" && len(q.Spans) > 1 {
			return "", nil, fmt.Errorf("store: stats sums: cannot break down by bucket over %d spans", len(q.Spans))
		}
		cols = append(cols, b)
	}
	args := []any{q.ShopID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	var filters []string
	if len(q.Metrics) > 0 {
		ps := make([]string, len(q.Metrics))
		for i, m := range q.Metrics {
			ps[i] = arg(m)
		}
		filters = append(filters, "metric IN ("+strings.Join(ps, ", ")+")")
	}
	if q.Channel != "" {
		filters = append(filters, "channel = "+arg(q.Channel))
	}
	if q.GroupID != nil {
		filters = append(filters, "group_id = "+arg(*q.GroupID))
	}
	if q.AgentID != nil {
		filters = append(filters, "agent_id = "+arg(*q.AgentID))
	}
	sel := strings.Join(cols, ", ")
	var parts []string
	for _, sp := range q.Spans {
		table, ok := statsTables[sp.Unit]
		if !ok {
			return "", nil, fmt.Errorf("store: stats sums: no rollup of unit %d", sp.Unit)
		}
		if sp.To <= sp.From {
			continue
		}
		where := append([]string{"shop_id = $1", "bucket >= " + arg(sp.From), "bucket < " + arg(sp.To)}, filters...)
		parts = append(parts, `SELECT `+sel+`, n, total FROM `+table+` WHERE `+strings.Join(where, " AND "))
	}
	tail := ` GROUP BY ` + sel + ` HAVING SUM(n) <> 0 OR SUM(total) <> 0 ORDER BY ` + sel
	switch len(parts) {
	case 0:
		return "", nil, nil // nothing to read
	case 1:
		// The common case, without a subquery: FROM the table itself.
		from := strings.Index(parts[0], " FROM ")
		return `SELECT ` + sel + `, SUM(n), SUM(total)` + parts[0][from:] + tail, args, nil
	}
	return `SELECT ` + sel + `, SUM(n), SUM(total) FROM (` + strings.Join(parts, " UNION ALL ") + `) spans` + tail, args, nil
}

// StatusChange is one change of an agent's status.
type StatusChange struct {
	AccountID int64
	Status    model.AgentStatus
	At        time.Time
}

// AgentStatusLog returns the status changes of a shop's agents in
// [from, to), oldest first, preceded by each agent's last change before
// from (the status they were in when the period began).
func (db *DB) AgentStatusLog(ctx context.Context, shopID int64, from, to time.Time) ([]StatusChange, error) {
	const q = `SELECT account_id, status, at, id FROM agent_status_log l WHERE shop_id = $1 AND at < $2
AND id = (SELECT MAX(id) FROM agent_status_log m WHERE m.shop_id = $1 AND m.account_id = l.account_id AND m.at < $2)
UNION ALL
SELECT account_id, status, at, id FROM agent_status_log WHERE shop_id = $1 AND at >= $2 AND at < $3
ORDER BY 3, 4`
	rows, err := db.r.QueryContext(ctx, q, shopID, toMillis(from), toMillis(to))
	if err != nil {
		return nil, fmt.Errorf("store: agent status log: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		var status string
		var at, id int64
		if err := rows.Scan(&c.AccountID, &status, &at, &id); err != nil {
			return nil, fmt.Errorf("store: agent status log: %w", err)
		}
		c.Status, c.At = model.AgentStatus(status), fromMillis(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// QueueCount is how many conversations wait in one group's queue and since
// when the longest has waited.
type QueueCount struct {
	GroupID int64
	Waiting int
	Oldest  time.Time
}

// QueueNow counts the conversations waiting in each queue of the shop.
func (db *DB) QueueNow(ctx context.Context, shopID int64) ([]QueueCount, error) {
	q := `SELECT c.group_id, COUNT(*), MIN(` + queuedAtSQL + `) FROM conversations c
LEFT JOIN conversation_service s ON s.conversation_id = c.id
WHERE c.shop_id = $1 AND c.owner = 'queue' GROUP BY c.group_id ORDER BY c.group_id`
	rows, err := db.r.QueryContext(ctx, q, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: queue now: %w", err)
	}
	defer rows.Close()
	var out []QueueCount
	for rows.Next() {
		var c QueueCount
		var oldest int64
		if err := rows.Scan(&c.GroupID, &c.Waiting, &oldest); err != nil {
			return nil, fmt.Errorf("store: queue now: %w", err)
		}
		c.Oldest = fromMillis(oldest)
		out = append(out, c)
	}
	return out, rows.Err()
}
