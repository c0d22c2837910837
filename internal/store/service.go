package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// ErrUnavailable is returned by AssignConversation when the agent may not
// take the conversation now: not in an allowed status, or at their cap.
var ErrUnavailable = errors.New("agent is not available")

// Service is the part of Store that keeps customer service around each
// conversation: per-shop settings of the bot and the router, the service
// state of each conversation (the bot's context, queue and assignment
// times, the buyer's rating), race-free assignment under agent caps, the
// queries of the periodic sweep, and canned replies.
type Service interface {
	ServiceSettings(ctx context.Context, shopID int64, name string) (string, error)
	PutServiceSettings(ctx context.Context, shopID int64, name, value string) error

	ConversationState(ctx context.Context, shopID, conversationID int64) (ConversationState, error)
	PutConversationContext(ctx context.Context, shopID, conversationID int64, context string) error
	SetConversationProduct(ctx context.Context, shopID, conversationID int64, productID string) error
	RateConversation(ctx context.Context, shopID, conversationID int64, rating int, comment string) error

	ListQueue(ctx context.Context, shopID, groupID int64, limit int) ([]QueueEntry, error)
	QueueGroups(ctx context.Context, shopID int64) ([]int64, error)
	QueueStats(ctx context.Context, shopID int64) ([]QueueStat, error)
	AgentLoads(ctx context.Context, shopID int64) (map[int64]int, error)
	LastAgentOf(ctx context.Context, shopID, buyerID int64) (int64, error)
	RoundRobinCursor(ctx context.Context, shopID, groupID int64) (int64, error)
	AssignConversation(ctx context.Context, a Assignment) (model.Conversation, model.Event, error)
	ListDue(ctx context.Context, d Due) ([]model.Conversation, error)

	// Agent presence (presence.go): leases per agent, shop and node.
	HoldLeases(ctx context.Context, node string, agents []Presence, until time.Time) error
	ExpireLeases(ctx context.Context, now time.Time) ([]Presence, error)
	ListLeases(ctx context.Context, shopID, accountID int64) ([]Lease, error)

	CreateCannedReply(ctx context.Context, r CannedReply) (CannedReply, error)
	GetCannedReply(ctx context.Context, shopID, id int64) (CannedReply, error)
	ListCannedReplies(ctx context.Context, shopID, accountID int64) ([]CannedReply, error)
	UpdateCannedReply(ctx context.Context, r CannedReply) (CannedReply, error)
	DeleteCannedReply(ctx context.Context, shopID, id int64) error
	CountCannedReplies(ctx context.Context, shopID, accountID int64) (int, error)
}

// ServiceSettings returns a shop's settings document by name ("bot",
// "routing") as stored (JSON), or ErrNotFound when the shop never saved it.
func (db *DB) ServiceSettings(ctx context.Context, shopID int64, name string) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM service_settings WHERE shop_id = $1 AND name = $2`, shopID, name).Scan(&v)
	if err != nil {
		return "", notFound(err, "service settings "+name+" of shop", shopID)
	}
	return v, nil
}

// PutServiceSettings saves a shop's settings document.
func (db *DB) PutServiceSettings(ctx context.Context, shopID int64, name, value string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO service_settings (shop_id, name, value, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (shop_id, name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, shopID, name, value, db.nowMillis())
	if db.dialect.isForeignKeyViolation(err) {
		return fmt.Errorf("store: put service settings: shop %d: %w", shopID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: put service settings: %w", err)
	}
	return nil
}

// ConversationState is the service kept beside a conversation.
type ConversationState struct {
	ConversationID int64
	// Context is the bot's multi-turn context (JSON); empty at first.
	Context string
	// ProductID is the product the buyer's widget shows, set at ProductAt.
	ProductID string
	ProductAt time.Time
	// QueuedAt is when the conversation last joined the queue from another
	// owner; AssignedAt when it last got a new agent.
	QueuedAt   time.Time
	AssignedAt time.Time
	// Rating is the buyer's 1-5 rating (0: none) with an optional comment.
	Rating        int
	RatingComment string
	RatedAt       time.Time
}

// ConversationState reads a conversation's service state; a conversation
// nobody served yet has the zero state. A missing conversation gives
// ErrNotFound.
func (db *DB) ConversationState(ctx context.Context, shopID, conversationID int64) (ConversationState, error) {
	const q = `SELECT c.id, COALESCE(s.context, ''), COALESCE(s.product_id, ''), COALESCE(s.product_at, 0),
COALESCE(s.queued_at, 0), COALESCE(s.assigned_at, 0), COALESCE(s.rating, 0), COALESCE(s.rating_comment, ''), COALESCE(s.rated_at, 0)
FROM conversations c LEFT JOIN conversation_service s ON s.conversation_id = c.id WHERE c.shop_id = $1 AND c.id = $2`
	var st ConversationState
	var productAt, queued, assigned, rated int64
	err := db.r.QueryRowContext(ctx, q, shopID, conversationID).Scan(&st.ConversationID, &st.Context, &st.ProductID, &productAt,
		&queued, &assigned, &st.Rating, &st.RatingComment, &rated)
	if err != nil {
		return st, notFound(err, "conversation state", conversationID)
	}
	st.ProductAt, st.QueuedAt, st.AssignedAt, st.RatedAt = fromMillis(productAt), fromMillis(queued), fromMillis(assigned), fromMillis(rated)
	return st, nil
}

// stateCol is one column of conversation_service with its SQL type (which
// PostgreSQL needs for parameters in a SELECT list) and value.
type stateCol struct {
	name, typ string
	val       any
}

// upsertState sets columns of a conversation's state row, creating the row
// when the conversation exists; where limits the update of an existing row.
// It returns how many rows changed.
func (db *DB) upsertState(ctx context.Context, ex execer, shopID, conversationID int64, where string, cols ...stateCol) (int64, error) {
	args := []any{conversationID, shopID, db.nowMillis()}
	names, sel, set := "", "", ""
	for i, c := range cols {
		args = append(args, c.val)
		names += ", " + c.name
		sel += fmt.Sprintf(", CAST($%d AS %s)", i+4, c.typ)
		set += ", " + c.name + " = excluded." + c.name
	}
	q := `INSERT INTO conversation_service (conversation_id, shop_id, updated_at` + names + `)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS BIGINT)` + sel + `
WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1 AND shop_id = $2)
ON CONFLICT (conversation_id) DO UPDATE SET updated_at = excluded.updated_at` + set + where
	res, err := ex.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// execer is a connection pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// PutConversationContext replaces the bot's context of a conversation.
func (db *DB) PutConversationContext(ctx context.Context, shopID, conversationID int64, context string) error {
	n, err := db.upsertState(ctx, db.w, shopID, conversationID, "", stateCol{"context", "TEXT", context})
	if err != nil {
		return fmt.Errorf("store: put conversation context: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: put conversation context %d: %w", conversationID, ErrNotFound)
	}
	return nil
}

// SetConversationProduct records the product the buyer's widget shows.
func (db *DB) SetConversationProduct(ctx context.Context, shopID, conversationID int64, productID string) error {
	n, err := db.upsertState(ctx, db.w, shopID, conversationID, "",
		stateCol{"product_id", "TEXT", productID}, stateCol{"product_at", "BIGINT", db.nowMillis()})
	if err != nil {
		return fmt.Errorf("store: set conversation product: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("store: set conversation product %d: %w", conversationID, ErrNotFound)
	}
	return nil
}

// RateConversation stores the buyer's rating once: a second rating gives
// ErrConflict, a missing conversation ErrNotFound.
// The rating's fact goes to the outbox in the same transaction.
func (db *DB) RateConversation(ctx context.Context, shopID, conversationID int64, rating int, comment string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		c, err := scanConversation(tx.QueryRowContext(ctx, getConversationSQL, shopID, conversationID))
		if err != nil {
			return notFound(err, "rate conversation", conversationID)
		}
		n, err := db.upsertState(ctx, tx, shopID, conversationID, " WHERE conversation_service.rating = 0",
			stateCol{"rating", "INTEGER", rating}, stateCol{"rating_comment", "TEXT", comment}, stateCol{"rated_at", "BIGINT", db.nowMillis()})
		if err != nil {
			return fmt.Errorf("store: rate conversation: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("store: rate conversation %d: already rated: %w", conversationID, ErrConflict)
		}
		return db.addFact(ctx, tx, shopID, FactRated, conversationID, FactData{Conversation: &c, Rating: rating, Comment: comment})
	})
}

// noteOwnerChange keeps the queue and assignment times of a conversation
// whose owner changed from cur to c, inside the change's transaction, so
// that every way into the queue (the bot's handoff, a release, a removed
// agent's conversations) starts the waiting clock.
func (db *DB) noteOwnerChange(ctx context.Context, tx *sql.Tx, cur, c model.Conversation, at time.Time) error {
	var err error
	switch {
	case c.Owner == model.OwnerQueue && cur.Owner != model.OwnerQueue:
		_, err = db.upsertState(ctx, tx, c.ShopID, c.ID, "", stateCol{"queued_at", "BIGINT", toMillis(at)})
	case c.Owner == model.OwnerAgent && (cur.Owner != model.OwnerAgent || cur.AgentID != c.AgentID):
		_, err = db.upsertState(ctx, tx, c.ShopID, c.ID, "", stateCol{"assigned_at", "BIGINT", toMillis(at)})
	}
	if err != nil {
		return fmt.Errorf("store: note owner change of conversation %d: %w", c.ID, err)
	}
	return nil
}

// QueueEntry is a conversation waiting in a queue and since when.
type QueueEntry struct {
	Conversation model.Conversation
	QueuedAt     time.Time
}

// queuedAtSQL is when a queued conversation joined the queue; rows from
// before the service state existed fall back to their last change.
const queuedAtSQL = `COALESCE(NULLIF(s.queued_at, 0), c.updated_at)`

// ListQueue returns the conversations waiting in a group's queue (0: the
// shop's general queue) in the order they are served: higher priority
// first, then longer waiting, then older conversation.
func (db *DB) ListQueue(ctx context.Context, shopID, groupID int64, limit int) ([]QueueEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT ` + prefixed("c.", conversationColumns) + `, ` + queuedAtSQL + ` FROM conversations c
LEFT JOIN conversation_service s ON s.conversation_id = c.id
WHERE c.shop_id = $1 AND c.owner = 'queue' AND c.group_id = $2
ORDER BY c.priority DESC, ` + queuedAtSQL + `, c.id LIMIT $3`
	rows, err := db.r.QueryContext(ctx, q, shopID, groupID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list queue: %w", err)
	}
	defer rows.Close()
	var out []QueueEntry
	for rows.Next() {
		var e QueueEntry
		var queued int64
		var created, updated, closed int64
		var owner string
		c := &e.Conversation
		if err := rows.Scan(&c.ID, &c.ShopID, &c.BuyerID, &owner, &c.AgentID, &c.GroupID, &c.Priority, &c.LastSeq,
			&created, &updated, &closed, &queued); err != nil {
			return nil, fmt.Errorf("store: list queue: %w", err)
		}
		c.Owner = model.Owner(owner)
		c.CreatedAt, c.UpdatedAt, c.ClosedAt = fromMillis(created), fromMillis(updated), fromMillis(closed)
		e.QueuedAt = fromMillis(queued)
		out = append(out, e)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, cols string) string {
	out := p
	for _, r := range cols {
		out += string(r)
		if r == ' ' {
			out += p
		}
	}
	return out
}

// QueueGroups lists the groups (0: the general queue) that have
// conversations waiting, in id order.
func (db *DB) QueueGroups(ctx context.Context, shopID int64) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT group_id FROM conversations WHERE shop_id = $1 AND owner = 'queue' ORDER BY group_id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: queue groups: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var g int64
		if err := rows.Scan(&g); err != nil {
			return nil, fmt.Errorf("store: queue groups: %w", err)
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// AgentLoads counts the open conversations each agent of a shop owns.
func (db *DB) AgentLoads(ctx context.Context, shopID int64) (map[int64]int, error) {
	// "+agent_id" keeps SQLite from walking the shop's whole
	// conversations_agent index for its order (150 ms at a million
	// conversations); it reads the few agent-owned rows of
	// conversations_shop_owner instead.
	rows, err := db.r.QueryContext(ctx, `SELECT +agent_id, COUNT(*) FROM conversations WHERE shop_id = $1 AND owner = 'agent' GROUP BY +agent_id`, shopID)
	if err != nil {
		return nil, fmt.Errorf("store: agent loads: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("store: agent loads: %w", err)
		}
		out[id] = n
	}
	return out, rows.Err()
}

// LastAgentOf returns the agent who was last given a conversation of the
// buyer, or ErrNotFound when no agent ever served them.
func (db *DB) LastAgentOf(ctx context.Context, shopID, buyerID int64) (int64, error) {
	const q = `SELECT e.agent_id FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id
WHERE c.shop_id = $1 AND c.buyer_id = $2 AND e.to_owner = 'agent' AND e.agent_id <> 0 ORDER BY e.id DESC LIMIT 1`
	var id int64
	if err := db.r.QueryRowContext(ctx, q, shopID, buyerID).Scan(&id); err != nil {
		return 0, notFound(err, "last agent of buyer", buyerID)
	}
	return id, nil
}

// RoundRobinCursor returns the agent who got the group's last conversation
// by round robin, or 0.
func (db *DB) RoundRobinCursor(ctx context.Context, shopID, groupID int64) (int64, error) {
	var id int64
	err := db.r.QueryRowContext(ctx, `SELECT agent_id FROM route_cursors WHERE shop_id = $1 AND group_id = $2`, shopID, groupID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: round robin cursor: %w", err)
	}
	return id, nil
}

// Assignment gives a conversation to an agent (Change.To must be agent)
// under conditions checked in the same transaction as the change.
type Assignment struct {
	Change OwnerChange
	// Statuses the agent must be in (empty: any).
	Statuses []model.AgentStatus
	// CheckCap refuses an agent who owns max_chats conversations already.
	CheckCap bool
	// Cursor records the agent as the round-robin cursor of Change.GroupID.
	Cursor bool
}

// AssignConversation applies the assignment, or returns ErrUnavailable
// (status or cap), ErrStale (the conversation changed) or ErrNotFound (no
// such member or conversation). The agent's membership row is locked first,
// so concurrent assignments to one agent, and a concurrent status change,
// queue behind each other on PostgreSQL and the cap holds; SQLite's single
// writer serialises them anyway.
func (db *DB) AssignConversation(ctx context.Context, a Assignment) (model.Conversation, model.Event, error) {
	ch := a.Change
	if ch.To != model.OwnerAgent || ch.AgentID == 0 {
		return model.Conversation{}, model.Event{}, fmt.Errorf("store: assign conversation %d: no agent", ch.ConversationID)
	}
	var c model.Conversation
	var e model.Event
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE memberships SET max_chats = max_chats WHERE shop_id = $1 AND account_id = $2`, ch.ShopID, ch.AgentID)
		if err := affectedOne(res, err, "assign to member", ch.AgentID); err != nil {
			return err
		}
		var status string
		var maxChats, load int
		if err := tx.QueryRowContext(ctx, `SELECT status, max_chats FROM memberships WHERE shop_id = $1 AND account_id = $2`,
			ch.ShopID, ch.AgentID).Scan(&status, &maxChats); err != nil {
			return err
		}
		if len(a.Statuses) > 0 && !containsStatus(a.Statuses, model.AgentStatus(status)) {
			return fmt.Errorf("store: assign to agent %d: status %s: %w", ch.AgentID, status, ErrUnavailable)
		}
		if a.CheckCap {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations WHERE shop_id = $1 AND owner = 'agent' AND agent_id = $2`,
				ch.ShopID, ch.AgentID).Scan(&load); err != nil {
				return err
			}
			if load >= maxChats {
				return fmt.Errorf("store: assign to agent %d: %d of %d conversations: %w", ch.AgentID, load, maxChats, ErrUnavailable)
			}
		}
		if c, e, err = db.changeOwnerTx(ctx, tx, ch); err != nil {
			return err
		}
		if a.Cursor {
			_, err = tx.ExecContext(ctx, `INSERT INTO route_cursors (shop_id, group_id, agent_id) VALUES ($1, $2, $3)
ON CONFLICT (shop_id, group_id) DO UPDATE SET agent_id = excluded.agent_id`, ch.ShopID, ch.GroupID, ch.AgentID)
		}
		return err
	})
	return c, e, err
}

func containsStatus(ss []model.AgentStatus, s model.AgentStatus) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Due kinds: what the periodic sweep looks for.
const (
	// DueQueued: waiting in a queue other than ExceptGroup since before Before.
	DueQueued = "queued"
	// DueAgentSilent: owned by an agent who neither got it nor wrote in it
	// since Before.
	DueAgentSilent = "agent_silent"
	// DueIdle: owned by the bot with no message or change since Before.
	DueIdle = "idle"
	// DueUnanswered: owned by agent AgentID, who has not written in it
	// since they got it (Before is not used).
	DueUnanswered = "unanswered"
)

// Due selects conversations a timer is due for.
type Due struct {
	Kind        string
	ShopID      int64
	Before      time.Time
	ExceptGroup int64 // DueQueued: the fallback group, which never escalates
	AgentID     int64 // DueUnanswered: the agent
	Limit       int   // 1-500, default 100
}

// ListDue returns the conversations the timer of d is due for, oldest
// first.
func (db *DB) ListDue(ctx context.Context, d Due) ([]model.Conversation, error) {
	if d.Limit <= 0 || d.Limit > 500 {
		d.Limit = 100
	}
	cols := prefixed("c.", conversationColumns)
	var q string
	args := []any{d.ShopID, toMillis(d.Before), d.Limit}
	switch d.Kind {
	case DueQueued:
		q = `SELECT ` + cols + ` FROM conversations c LEFT JOIN conversation_service s ON s.conversation_id = c.id
WHERE c.shop_id = $1 AND c.owner = 'queue' AND c.group_id <> $4 AND ` + queuedAtSQL + ` < $2 ORDER BY c.id LIMIT $3`
		args = append(args, d.ExceptGroup)
	case DueAgentSilent:
		q = `SELECT ` + cols + ` FROM conversations c LEFT JOIN conversation_service s ON s.conversation_id = c.id
WHERE c.shop_id = $1 AND c.owner = 'agent' AND COALESCE(NULLIF(s.assigned_at, 0), c.updated_at) < $2
AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'agent' AND m.created_at >= $2)
ORDER BY c.id LIMIT $3`
	case DueIdle:
		q = `SELECT ` + cols + ` FROM conversations c WHERE c.shop_id = $1 AND c.owner = 'bot' AND c.updated_at < $2 ORDER BY c.id LIMIT $3`
	case DueUnanswered:
		q = `SELECT ` + cols + ` FROM conversations c LEFT JOIN conversation_service s ON s.conversation_id = c.id
WHERE c.shop_id = $1 AND c.owner = 'agent' AND c.agent_id = $2
AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'agent'
AND m.created_at >= COALESCE(NULLIF(s.assigned_at, 0), c.updated_at))
ORDER BY c.id LIMIT $3`
		args = []any{d.ShopID, d.AgentID, d.Limit}
	default:
		return nil, fmt.Errorf("store: list due: unknown kind %q", d.Kind)
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list due %s: %w", d.Kind, err)
	}
	defer rows.Close()
	var out []model.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list due %s: %w", d.Kind, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
