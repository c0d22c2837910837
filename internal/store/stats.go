package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Stats is the part of Store behind the statistics (internal/stats,
// docs/metrics.md): the hourly, daily and monthly rollups with what each
// conversation added to them, the job's lease and its cursors over what
// changed, the agents' status log, the buyers' channels, and the
// knowledge-gap loop's unanswered questions and FAQ drafts.
type Stats interface {
	SetConversationChannel(ctx context.Context, shopID, conversationID int64, channel string) error

	TakeStatsLease(ctx context.Context, holder string, d time.Duration) (bool, error)
	ReleaseStatsLease(ctx context.Context, holder string) error
	GetStatsLease(ctx context.Context) (StatsLease, error)

	StatsShops(ctx context.Context) ([]StatsShop, error)
	StartStatsRebuild(ctx context.Context, shopID int64, timezone string, version int) error
	InitStatsCursors(ctx context.Context, settledFrom time.Time) error
	StatsRebuildBatch(ctx context.Context, shopID, afterID int64, limit int) ([]int64, error)
	StatsCursors(ctx context.Context) (map[string]StatsCursor, error)
	StatsChanges(ctx context.Context, source string, after StatsCursor, until time.Time, limit int) ([]StatsChange, error)
	LoadStatsConversations(ctx context.Context, ids []int64) ([]StatsConversation, error)
	ApplyStats(ctx context.Context, b StatsBatch) error

	StatsSums(ctx context.Context, q StatsQuery) ([]StatsRow, error)
	AgentStatusLog(ctx context.Context, shopID int64, from, to time.Time) ([]StatusChange, error)
	QueueNow(ctx context.Context, shopID int64) ([]QueueCount, error)

	ListUnanswered(ctx context.Context, shopID int64, since time.Time, limit int) ([]Unanswered, error)
	PruneUnanswered(ctx context.Context, shopID int64, before time.Time, limit int) (int, error)
	SaveGaps(ctx context.Context, shopID int64, gaps []Gap) ([]Gap, error)
	ListGaps(ctx context.Context, shopID int64, status string, limit int) ([]Gap, error)
	GetGap(ctx context.Context, shopID, id int64) (Gap, error)
	DecideGap(ctx context.Context, d GapDecision) (Gap, error)
}

// StatsKey is one cell of the rollups: a measure (metric, with an item
// such as a handoff reason, an intent or a FAQ id) in one shop-local hour,
// for one channel, agent group and agent.
type StatsKey struct {
	Bucket  int64 // the shop-local hour: hours since 1970-01-01 00:00 on the shop's wall clock
	Metric  string
	Item    string
	Channel string
	GroupID int64
	AgentID int64
}

func (k StatsKey) less(o StatsKey) bool {
	switch {
	case k.Bucket != o.Bucket:
		return k.Bucket < o.Bucket
	case k.Metric != o.Metric:
		return k.Metric < o.Metric
	case k.Item != o.Item:
		return k.Item < o.Item
	case k.Channel != o.Channel:
		return k.Channel < o.Channel
	case k.GroupID != o.GroupID:
		return k.GroupID < o.GroupID
	}
	return k.AgentID < o.AgentID
}

// StatsEntry is what one conversation adds to a cell: a count and a sum
// (milliseconds for durations, stars for ratings).
type StatsEntry struct {
	Key      StatsKey
	N, Total int64
	// DailyOnly keeps the entry out of the hourly rollup: figures only
	// ever read by day (per FAQ, per intent), which would otherwise be most
	// of its rows.
	DailyOnly bool
}

// StatsShop is a shop's time zone now and the one its rollups were made in
// ("" before the first run), with how far a rebuild has come.
type StatsShop struct {
	ShopID     int64
	Timezone   string // the shop's zone now
	BuiltIn    string // the zone of the rollups
	Rebuilding bool
	RebuildID  int64 // conversations up to this id are rebuilt
	// Version is the version of the computation the rollups were made
	// with (the statistics job's ContributionVersion); 0 before any.
	Version int
}

// StatsCursor is a position in one of the job's sources: an id, or a time
// in milliseconds with the id that breaks ties.
type StatsCursor struct {
	Position int64
	Tiebreak int64
}

// Sources of StatsChanges.
const (
	StatsMessages = "messages" // new messages, by id
	StatsEvents   = "events"   // new conversation events, by id
	StatsRatings  = "ratings"  // new ratings, by rating time
	StatsSettled  = "settled"  // conversations closed before until, by closing time
)

// StatsChange is one row of a source: the conversation it touched and the
// row's position and time.
type StatsChange struct {
	ConversationID int64
	ShopID         int64
	Cursor         StatsCursor
	At             time.Time
}

// StatsConversation is everything the job reads to compute what one
// conversation adds to the rollups.
type StatsConversation struct {
	Conversation model.Conversation
	Channel      string // "" when not recorded
	Events       []model.Event
	Messages     []model.Message // in sequence order
	Rating       int
	RatedAt      time.Time
	// NextOpenedAt is when the buyer's next conversation opened (zero:
	// none yet); PrevID is the buyer's previous conversation (0: none),
	// closed at PrevClosedAt (zero: open).
	NextOpenedAt time.Time
	PrevID       int64
	PrevClosedAt time.Time
}

// StatsContrib replaces what a conversation adds to the rollups.
type StatsContrib struct {
	ConversationID int64
	ShopID         int64
	Entries        []StatsEntry
	// Unanswered replaces the conversation's open unanswered questions;
	// those an admin decided on stay.
	Unanswered []Unanswered
}

// StatsBatch is one transaction of the job: new contributions (the
// difference from the stored ones goes into the rollups), the cursors
// reached, and a rebuild's progress.
type StatsBatch struct {
	Contribs []StatsContrib
	Cursors  map[string]StatsCursor
	// RebuildShop, when set, records that its conversations up to
	// RebuildID are rebuilt (RebuildDone: all of them).
	RebuildShop int64
	RebuildID   int64
	RebuildDone bool
	// Holder, when set, stores the batch only while that node holds the
	// job's lease (TakeStatsLease), and renews it for LeaseFor.
	Holder   string
	LeaseFor time.Duration
}

// SetConversationChannel records where the buyer of a conversation wrote
// from, once: the first channel stays.
func (db *DB) SetConversationChannel(ctx context.Context, shopID, conversationID int64, channel string) error {
	const q = `INSERT INTO conversation_channels (conversation_id, shop_id, channel)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS TEXT) WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND shop_id = $2)
ON CONFLICT (conversation_id) DO NOTHING`
	if _, err := db.w.ExecContext(ctx, q, conversationID, shopID, channel); err != nil {
		return fmt.Errorf("store: set conversation channel: %w", err)
	}
	return nil
}

// logAgentStatus appends a change of an agent's status to the log, unless
// it is no change (the log starts at offline).
func logAgentStatus(ctx context.Context, tx *sql.Tx, shopID, accountID int64, s model.AgentStatus, at int64) error {
	const q = `INSERT INTO agent_status_log (shop_id, account_id, status, at)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS BIGINT)
WHERE COALESCE((SELECT status FROM agent_status_log WHERE shop_id = $1 AND account_id = $2 ORDER BY id DESC LIMIT 1), 'offline') <> $3`
	if _, err := tx.ExecContext(ctx, q, shopID, accountID, string(s), at); err != nil {
		return fmt.Errorf("store: log agent status: %w", err)
	}
	return nil
}

// StatsShops lists every shop with its statistics state.
func (db *DB) StatsShops(ctx context.Context) ([]StatsShop, error) {
	const q = `SELECT s.id, s.timezone, COALESCE(t.timezone, ''), COALESCE(t.rebuilding, 1), COALESCE(t.rebuild_id, 0),
COALESCE(t.version, 0)
FROM shops s LEFT JOIN stats_shops t ON t.shop_id = s.id ORDER BY s.id`
	rows, err := db.r.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: stats shops: %w", err)
	}
	defer rows.Close()
	var out []StatsShop
	for rows.Next() {
		var s StatsShop
		var rebuilding int
		if err := rows.Scan(&s.ShopID, &s.Timezone, &s.BuiltIn, &rebuilding, &s.RebuildID, &s.Version); err != nil {
			return nil, fmt.Errorf("store: stats shops: %w", err)
		}
		s.Rebuilding = rebuilding != 0
		out = append(out, s)
	}
	return out, rows.Err()
}

// StartStatsRebuild starts recomputing all of a shop's conversations in
// timezone with the computation of the given version: on the first run,
// when the shop moved to another zone (every bucket moves), or when the
// computation changed. Each conversation's old share is taken back as it is
// recomputed, so the figures stay whole meanwhile.
func (db *DB) StartStatsRebuild(ctx context.Context, shopID int64, timezone string, version int) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO stats_shops (shop_id, timezone, rebuild_id, rebuilding, version) VALUES ($1, $2, 0, 1, $3)
ON CONFLICT (shop_id) DO UPDATE SET timezone = excluded.timezone, rebuild_id = 0, rebuilding = 1, version = excluded.version`,
		shopID, timezone, version)
	if err != nil {
		return fmt.Errorf("store: start stats rebuild of shop %d: %w", shopID, err)
	}
	return nil
}

// InitStatsCursors starts the job's cursors where the sources are now,
// unless they exist: what came before is the first rebuild's work.
// Conversations closed in the last day are left to the settled source,
// which sees their day end.
func (db *DB) InitStatsCursors(ctx context.Context, settledFrom time.Time) error {
	const q = `INSERT INTO stats_cursors (name, position, tiebreak) VALUES
('messages', COALESCE((SELECT MAX(id) FROM messages), 0), 0),
('events', COALESCE((SELECT MAX(id) FROM conversation_events), 0), 0),
('ratings', COALESCE((SELECT MAX(rated_at) FROM conversation_service), 0), 0),
('settled', $1, 0)
ON CONFLICT (name) DO NOTHING`
	if _, err := db.w.ExecContext(ctx, q, toMillis(settledFrom)); err != nil {
		return fmt.Errorf("store: init stats cursors: %w", err)
	}
	return nil
}

// lockStats serialises the job's transactions across nodes: applying a
// difference from a stored contribution twice would count it twice.
func lockStats(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `UPDATE stats_cursors SET position = position WHERE name = 'lock'`)
	return err
}

// StatsRebuildBatch returns the ids of a shop's next conversations to
// rebuild, after afterID in id order.
func (db *DB) StatsRebuildBatch(ctx context.Context, shopID, afterID int64, limit int) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM conversations WHERE shop_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
		shopID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: stats rebuild batch: %w", err)
	}
	return scanIDs(rows)
}

func scanIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// StatsCursors returns the job's cursors by source; a source never run
// is missing.
func (db *DB) StatsCursors(ctx context.Context) (map[string]StatsCursor, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, position, tiebreak FROM stats_cursors WHERE name <> 'lock'`)
	if err != nil {
		return nil, fmt.Errorf("store: stats cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]StatsCursor{}
	for rows.Next() {
		var name string
		var c StatsCursor
		if err := rows.Scan(&name, &c.Position, &c.Tiebreak); err != nil {
			return nil, fmt.Errorf("store: stats cursors: %w", err)
		}
		out[name] = c
	}
	return out, rows.Err()
}

// statsChangeSQL reads a source after a cursor, in cursor order. Ratings
// and settled conversations are ordered by a time with the id breaking
// ties; the OR form lets both engines use the index.
var statsChangeSQL = map[string]string{
	StatsMessages: `SELECT conversation_id, shop_id, id, 0, created_at FROM messages WHERE id > $1 ORDER BY id LIMIT $2`,
	StatsEvents:   `SELECT conversation_id, shop_id, id, 0, created_at FROM conversation_events WHERE id > $1 ORDER BY id LIMIT $2`,
	StatsRatings: `SELECT conversation_id, shop_id, rated_at, conversation_id, rated_at FROM conversation_service
WHERE rated_at > 0 AND (rated_at > $1 OR (rated_at = $1 AND conversation_id > $2)) ORDER BY rated_at, conversation_id LIMIT $3`,
	StatsSettled: `SELECT id, shop_id, closed_at, id, closed_at FROM conversations
WHERE closed_at > 0 AND (closed_at > $1 OR (closed_at = $1 AND id > $2)) AND closed_at <= $4 ORDER BY closed_at, id LIMIT $3`,
}

// StatsChanges reads up to limit rows of a source after the cursor; until
// bounds the settled source (conversations closed before it).
func (db *DB) StatsChanges(ctx context.Context, source string, after StatsCursor, until time.Time, limit int) ([]StatsChange, error) {
	q, ok := statsChangeSQL[source]
	if !ok {
		return nil, fmt.Errorf("store: stats changes: unknown source %q", source)
	}
	var args []any
	switch source {
	case StatsMessages, StatsEvents:
		args = []any{after.Position, limit}
	case StatsRatings:
		args = []any{after.Position, after.Tiebreak, limit}
	default:
		args = []any{after.Position, after.Tiebreak, limit, toMillis(until)}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stats changes %s: %w", source, err)
	}
	defer rows.Close()
	var out []StatsChange
	for rows.Next() {
		var c StatsChange
		var at int64
		if err := rows.Scan(&c.ConversationID, &c.ShopID, &c.Cursor.Position, &c.Cursor.Tiebreak, &at); err != nil {
			return nil, fmt.Errorf("store: stats changes %s: %w", source, err)
		}
		c.At = fromMillis(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// inList is "$n, $n+1, ..." for ids appended to args.
func inList(args *[]any, ids []int64) string {
	ps := make([]string, len(ids))
	for i, id := range ids {
		*args = append(*args, id)
		ps[i] = fmt.Sprintf("$%d", len(*args))
	}
	return strings.Join(ps, ", ")
}
