package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const conversationColumns = `id, shop_id, buyer_id, owner, agent_id, group_id, priority, last_seq, created_at, updated_at, closed_at`

func scanConversation(row interface{ Scan(...any) error }) (model.Conversation, error) {
	var c model.Conversation
	var owner string
	var created, updated, closed int64
	err := row.Scan(&c.ID, &c.ShopID, &c.BuyerID, &owner, &c.AgentID, &c.GroupID, &c.Priority, &c.LastSeq,
		&created, &updated, &closed)
	c.Owner = model.Owner(owner)
	c.CreatedAt, c.UpdatedAt, c.ClosedAt = fromMillis(created), fromMillis(updated), fromMillis(closed)
	return c, err
}

const insertEventSQL = `INSERT INTO conversation_events
(shop_id, conversation_id, kind, from_owner, to_owner, agent_id, actor_id, reason, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`

func insertEvent(ctx context.Context, tx *sql.Tx, e *model.Event) error {
	return tx.QueryRowContext(ctx, insertEventSQL, e.ShopID, e.ConversationID, e.Kind, string(e.FromOwner),
		string(e.ToOwner), e.AgentID, e.ActorID, e.Reason, toMillis(e.CreatedAt)).Scan(&e.ID)
}

// CreateConversation opens a conversation owned by the bot for a buyer and
// records the "opened" event with it.
func (db *DB) CreateConversation(ctx context.Context, shopID, buyerID int64, priority int) (model.Conversation, error) {
	c := model.Conversation{ShopID: shopID, BuyerID: buyerID, Owner: model.OwnerBot, Priority: priority}
	c.CreatedAt = db.nowTime()
	c.UpdatedAt = c.CreatedAt
	err := db.tx(ctx, func(tx *sql.Tx) error { return db.insertConversation(ctx, tx, &c) })
	return c, err
}

// insertConversation inserts c (ID is set) with its "opened" event and
// the event's fact for the outbox.
func (db *DB) insertConversation(ctx context.Context, tx *sql.Tx, c *model.Conversation) error {
	const q = `INSERT INTO conversations (shop_id, buyer_id, owner, priority, created_at, updated_at)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS INTEGER), CAST($5 AS BIGINT), CAST($5 AS BIGINT)
WHERE EXISTS (SELECT 1 FROM buyers WHERE id = $2 AND shop_id = $1) RETURNING id`
	err := tx.QueryRowContext(ctx, q, c.ShopID, c.BuyerID, string(c.Owner), c.Priority, toMillis(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		return notFound(err, "create conversation for buyer", c.BuyerID)
	}
	e := model.Event{ShopID: c.ShopID, ConversationID: c.ID, Kind: "opened", ToOwner: c.Owner, Reason: "buyer", CreatedAt: c.CreatedAt}
	if err := insertEvent(ctx, tx, &e); err != nil {
		return err
	}
	opened := *c
	return db.addFact(ctx, tx, c.ShopID, FactOpened, c.ID, FactData{Conversation: &opened, Event: &e})
}

// OpenConversation returns the buyer's newest open conversation, or opens
// one (owned by the bot, with its "opened" event) when there is none;
// created says which. Callers racing for one buyer (two sockets of the same
// visitor) get the same conversation.
func (db *DB) OpenConversation(ctx context.Context, shopID, buyerID int64) (c model.Conversation, created bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		// Touching the buyer's row locks it, so on PostgreSQL concurrent
		// opens for one buyer queue here and each sees what the one
		// before committed; SQLite's one writer is exclusive already.
		res, err := tx.ExecContext(ctx, `UPDATE buyers SET nickname = nickname WHERE id = $1 AND shop_id = $2`, buyerID, shopID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return notFound(sql.ErrNoRows, "open conversation for buyer", buyerID)
		}
		c, err = scanConversation(tx.QueryRowContext(ctx, latestOpenSQL, shopID, buyerID))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		c = model.Conversation{ShopID: shopID, BuyerID: buyerID, Owner: model.OwnerBot, CreatedAt: db.nowTime()}
		c.UpdatedAt, created = c.CreatedAt, true
		return db.insertConversation(ctx, tx, &c)
	})
	if err != nil {
		return model.Conversation{}, false, fmt.Errorf("store: open conversation: %w", err)
	}
	return c, created, nil
}

// GetConversation reads a conversation of the shop.
func (db *DB) GetConversation(ctx context.Context, shopID, id int64) (model.Conversation, error) {
	c, err := scanConversation(db.readRow(ctx, getConversationSQL, shopID, id))
	if err != nil {
		return c, notFound(err, "get conversation", id)
	}
	return c, nil
}

const getConversationSQL = `SELECT ` + conversationColumns + ` FROM conversations WHERE shop_id = $1 AND id = $2`

const latestOpenSQL = `SELECT ` + conversationColumns + ` FROM conversations
WHERE shop_id = $1 AND buyer_id = $2 AND owner <> 'closed' ORDER BY id DESC LIMIT 1`

// LatestOpenConversation returns the buyer's newest conversation that is not
// closed.
func (db *DB) LatestOpenConversation(ctx context.Context, shopID, buyerID int64) (model.Conversation, error) {
	c, err := scanConversation(db.r.QueryRowContext(ctx, latestOpenSQL, shopID, buyerID))
	if err != nil {
		return c, notFound(err, "latest open conversation of buyer", buyerID)
	}
	return c, nil
}

// ConversationFilter selects conversations for a list. Zero fields do not
// filter.
type ConversationFilter struct {
	ShopID  int64
	Owners  []model.Owner
	AgentID int64
	BuyerID int64
	// VisibleTo limits the list to what an agent without read-all may see:
	// conversations assigned to them, and those waiting in the queue of one
	// of their groups (or of no group).
	VisibleTo *Visibility
	// Before is the cursor: only conversations with a smaller id.
	Before int64
	Limit  int
}

// Visibility is an agent's view of the shop's conversations.
type Visibility struct {
	AccountID int64
	Groups    []int64
}

// ListConversations returns conversations newest first.
func (db *DB) ListConversations(ctx context.Context, f ConversationFilter) ([]model.Conversation, error) {
	where := []string{"shop_id = $1"}
	args := []any{f.ShopID}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(f.Owners) > 0 {
		var ps []string
		for _, o := range f.Owners {
			ps = append(ps, arg(string(o)))
		}
		where = append(where, "owner IN ("+strings.Join(ps, ", ")+")")
	}
	if f.AgentID != 0 {
		where = append(where, "agent_id = "+arg(f.AgentID))
	}
	if f.BuyerID != 0 {
		where = append(where, "buyer_id = "+arg(f.BuyerID))
	}
	if v := f.VisibleTo; v != nil {
		groups := []string{"0"}
		for _, g := range v.Groups {
			groups = append(groups, arg(g))
		}
		where = append(where, fmt.Sprintf("(agent_id = %s OR (owner = 'queue' AND group_id IN (%s)))",
			arg(v.AccountID), strings.Join(groups, ", ")))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := `SELECT ` + conversationColumns + ` FROM conversations WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY id DESC LIMIT ` + arg(f.Limit)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: list conversations: %w", err)
	}
	defer rows.Close()
	var out []model.Conversation
	for rows.Next() {
		c, err := scanConversation(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list conversations: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// OwnerChange moves a conversation to a new owner. From is what the caller
// believes the owner is now: when it is not, nothing changes and ErrStale is
// returned, so two agents cannot both take one conversation.
type OwnerChange struct {
	ShopID         int64
	ConversationID int64
	From           model.Owner
	FromAgentID    int64 // checked too when From is agent
	To             model.Owner
	AgentID        int64 // the agent who owns it after the change (To = agent)
	GroupID        int64 // the group whose queue it waits in (To = queue)
	Priority       *int  // new priority, when set
	ActorID        int64
	Reason         string
	Kind           string // event kind; default "owner"
}

const changeOwnerSQL = `UPDATE conversations SET owner = $2, agent_id = $3, group_id = $4, priority = $5,
updated_at = $6, closed_at = $7 WHERE id = $1 AND owner = $8 AND agent_id = $9`

// ChangeOwner applies the change and records its event in one transaction.
func (db *DB) ChangeOwner(ctx context.Context, ch OwnerChange) (model.Conversation, model.Event, error) {
	var c model.Conversation
	var e model.Event
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, e, err = db.changeOwnerTx(ctx, tx, ch)
		return err
	})
	return c, e, err
}

// changeOwnerTx is ChangeOwner inside the caller's transaction.
func (db *DB) changeOwnerTx(ctx context.Context, tx *sql.Tx, ch OwnerChange) (model.Conversation, model.Event, error) {
	e := model.Event{ShopID: ch.ShopID, ConversationID: ch.ConversationID, Kind: ch.Kind,
		FromOwner: ch.From, ToOwner: ch.To, AgentID: ch.AgentID, ActorID: ch.ActorID, Reason: ch.Reason, CreatedAt: db.nowTime()}
	if e.Kind == "" {
		e.Kind = "owner"
	}
	cur, err := scanConversation(tx.QueryRowContext(ctx,
		`SELECT `+conversationColumns+` FROM conversations WHERE shop_id = $1 AND id = $2`, ch.ShopID, ch.ConversationID))
	if err != nil {
		return model.Conversation{}, e, notFound(err, "change owner of conversation", ch.ConversationID)
	}
	if cur.Owner != ch.From || (ch.From == model.OwnerAgent && ch.FromAgentID != 0 && cur.AgentID != ch.FromAgentID) {
		return model.Conversation{}, e, fmt.Errorf("store: change owner of conversation %d: owner is %s/%d: %w", cur.ID, cur.Owner, cur.AgentID, ErrStale)
	}
	c := cur
	c.Owner, c.AgentID, c.GroupID, c.UpdatedAt = ch.To, ch.AgentID, ch.GroupID, e.CreatedAt
	if ch.To != model.OwnerQueue && ch.To != model.OwnerAgent {
		c.GroupID = cur.GroupID // keep the last group for reports
	}
	if ch.Priority != nil {
		c.Priority = *ch.Priority
	}
	// ClosedAt is zero while the conversation is open, also after a
	// closed one is reopened.
	c.ClosedAt = time.Time{}
	if ch.To == model.OwnerClosed {
		c.ClosedAt = e.CreatedAt
	}
	// The owner and agent read above are checked again by the update:
	// on PostgreSQL a concurrent change may commit between the two
	// statements, and then the update matches no row.
	res, err := tx.ExecContext(ctx, changeOwnerSQL, c.ID, string(c.Owner), c.AgentID, c.GroupID, c.Priority,
		toMillis(c.UpdatedAt), toMillis(c.ClosedAt), string(cur.Owner), cur.AgentID)
	if err != nil {
		return c, e, fmt.Errorf("store: change owner of conversation %d: %w", c.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return c, e, fmt.Errorf("store: change owner of conversation %d: changed meanwhile: %w", c.ID, ErrStale)
	}
	if err := db.noteOwnerChange(ctx, tx, cur, c, e.CreatedAt); err != nil {
		return c, e, err
	}
	if err := insertEvent(ctx, tx, &e); err != nil {
		return c, e, err
	}
	return c, e, db.addFact(ctx, tx, c.ShopID, FactOwner, c.ID, ownerFact(cur, c, e))
}

// ListEvents returns a conversation's events in order.
func (db *DB) ListEvents(ctx context.Context, shopID, conversationID int64) ([]model.Event, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, kind, from_owner, to_owner, agent_id, actor_id, reason, created_at
FROM conversation_events WHERE shop_id = $1 AND conversation_id = $2 ORDER BY id`, shopID, conversationID)
	if err != nil {
		return nil, fmt.Errorf("store: list events: %w", err)
	}
	defer rows.Close()
	var out []model.Event
	for rows.Next() {
		e := model.Event{ShopID: shopID, ConversationID: conversationID}
		var from, to string
		var created int64
		if err := rows.Scan(&e.ID, &e.Kind, &from, &to, &e.AgentID, &e.ActorID, &e.Reason, &created); err != nil {
			return nil, fmt.Errorf("store: list events: %w", err)
		}
		e.FromOwner, e.ToOwner, e.CreatedAt = model.Owner(from), model.Owner(to), fromMillis(created)
		out = append(out, e)
	}
	return out, rows.Err()
}
