package store

import (
	"context"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// LoadStatsConversations reads the conversations with the given ids, each
// with its channel, events, messages, rating and the buyer's conversations
// before and after it, in three queries whatever their number. Missing ids
// are left out.
func (db *DB) LoadStatsConversations(ctx context.Context, ids []int64) ([]StatsConversation, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, at, err := db.loadStatsHeads(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("store: load stats conversations: %w", err)
	}
	if err := db.loadStatsEvents(ctx, ids, out, at); err != nil {
		return nil, fmt.Errorf("store: load stats events: %w", err)
	}
	if err := db.loadStatsMessages(ctx, ids, out, at); err != nil {
		return nil, fmt.Errorf("store: load stats messages: %w", err)
	}
	return out, nil
}

// loadStatsHeads reads the conversations themselves; at maps an id to its
// place in out.
func (db *DB) loadStatsHeads(ctx context.Context, ids []int64) ([]StatsConversation, map[int64]int, error) {
	var args []any
	in := inList(&args, ids)
	q := `SELECT ` + prefixed("c.", conversationColumns) + `, COALESCE(ch.channel, ''), COALESCE(s.rating, 0), COALESCE(s.rated_at, 0),
COALESCE((SELECT MIN(n.created_at) FROM conversations n WHERE n.buyer_id = c.buyer_id AND n.id > c.id), 0),
COALESCE((SELECT MAX(p.id) FROM conversations p WHERE p.buyer_id = c.buyer_id AND p.id < c.id), 0),
COALESCE((SELECT p.closed_at FROM conversations p WHERE p.buyer_id = c.buyer_id AND p.id < c.id ORDER BY p.id DESC LIMIT 1), 0)
FROM conversations c LEFT JOIN conversation_channels ch ON ch.conversation_id = c.id
LEFT JOIN conversation_service s ON s.conversation_id = c.id WHERE c.id IN (` + in + `) ORDER BY c.id`
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []StatsConversation
	at := map[int64]int{}
	for rows.Next() {
		var sc StatsConversation
		var owner string
		var created, updated, closed, rated, next, prevClosed int64
		c := &sc.Conversation
		if err := rows.Scan(&c.ID, &c.ShopID, &c.BuyerID, &owner, &c.AgentID, &c.GroupID, &c.Priority, &c.LastSeq,
			&created, &updated, &closed, &sc.Channel, &sc.Rating, &rated, &next, &sc.PrevID, &prevClosed); err != nil {
			return nil, nil, err
		}
		c.Owner = model.Owner(owner)
		c.CreatedAt, c.UpdatedAt, c.ClosedAt = fromMillis(created), fromMillis(updated), fromMillis(closed)
		sc.RatedAt, sc.NextOpenedAt, sc.PrevClosedAt = fromMillis(rated), fromMillis(next), fromMillis(prevClosed)
		at[c.ID] = len(out)
		out = append(out, sc)
	}
	return out, at, rows.Err()
}

func (db *DB) loadStatsEvents(ctx context.Context, ids []int64, out []StatsConversation, at map[int64]int) error {
	var args []any
	in := inList(&args, ids)
	rows, err := db.r.QueryContext(ctx, `SELECT conversation_id, id, shop_id, kind, from_owner, to_owner, agent_id, actor_id, reason, created_at
FROM conversation_events WHERE conversation_id IN (`+in+`) ORDER BY conversation_id, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e model.Event
		var from, to string
		var created int64
		if err := rows.Scan(&e.ConversationID, &e.ID, &e.ShopID, &e.Kind, &from, &to, &e.AgentID, &e.ActorID, &e.Reason, &created); err != nil {
			return err
		}
		e.FromOwner, e.ToOwner, e.CreatedAt = model.Owner(from), model.Owner(to), fromMillis(created)
		if i, ok := at[e.ConversationID]; ok {
			out[i].Events = append(out[i].Events, e)
		}
	}
	return rows.Err()
}

func (db *DB) loadStatsMessages(ctx context.Context, ids []int64, out []StatsConversation, at map[int64]int) error {
	var args []any
	in := inList(&args, ids)
	rows, err := db.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages WHERE conversation_id IN (`+in+`) ORDER BY conversation_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return err
		}
		if i, ok := at[m.ConversationID]; ok {
			out[i].Messages = append(out[i].Messages, m)
		}
	}
	return rows.Err()
}
