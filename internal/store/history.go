package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// PastConversation is a conversation that already happened, with the rows
// the live system writes for one as it goes: the conversation, its events,
// its messages, its service state and its channel. ImportConversations
// stores many at once.
type PastConversation struct {
	// Conversation is the conversation as it ends: ShopID, BuyerID (or
	// VisitorID), Owner, AgentID, GroupID, Priority and the three times.
	// ID and LastSeq are set by the import.
	Conversation model.Conversation
	// VisitorID names the anonymous buyer when Conversation.BuyerID is 0;
	// the buyer is created on first sight, as EnsureVisitor does.
	VisitorID string
	// Channel is where the buyer wrote from (web, mobile); empty: not
	// recorded.
	Channel string
	// Events are the owner changes after the opening, in order; the
	// "opened" event is written by the import, as CreateConversation does.
	Events []model.Event
	// Messages are stored in order at sequence numbers 1, 2, ...
	Messages []PastMessage
	// State is the service state (the bot's context, product, queue and
	// assignment times, rating); ConversationID is ignored.
	State ConversationState
}

// PastMessage is one message of a PastConversation.
type PastMessage struct {
	model.Message
	// ReplyTo, when positive, is the place (1-based) in the conversation's
	// Messages of the earlier message this one answers; ClientID is then a
	// format with one %d, given that message's id. The bot names its
	// replies so ("bot-%d"), and the statistics read them by it.
	ReplyTo int
	// ForEvent, when positive, is the place (1-based) in the conversation's
	// Events of the event this message follows; ClientID is then a format
	// with one %d, given that event's id (the bot's rating invitation is
	// "rating-%d" after the closing).
	ForEvent int
}

// ImportConversations stores conversations that already happened, with
// the times they carry, in one transaction, and returns their ids in
// order. Nothing is announced: no outbox facts are written, so a shop's
// notifications never hear about its past. Import them in the order they
// opened, so that ids follow time as they do for live conversations.
//
// The rows are written many at a time with ids taken beforehand, in the
// order of the conversations, their events and their messages: a
// thousand conversations cost a few dozen statements.
func (db *DB) ImportConversations(ctx context.Context, cs []PastConversation) ([]int64, error) {
	var ids []int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		im := importer{db: db, tx: tx}
		var err error
		ids, err = im.run(ctx, cs)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: import conversations: %w", err)
	}
	return ids, nil
}

// importer writes past conversations inside one transaction.
type importer struct {
	db *DB
	tx *sql.Tx
}

func (im importer) run(ctx context.Context, cs []PastConversation) ([]int64, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	nEvents, nMsgs := 0, 0
	for i, pc := range cs {
		if err := checkPast(pc); err != nil {
			return nil, fmt.Errorf("conversation %d of %d: %w", i+1, len(cs), err)
		}
		nEvents += len(pc.Events) + 1
		nMsgs += len(pc.Messages)
	}
	buyers, err := im.buyers(ctx, cs)
	if err != nil {
		return nil, err
	}
	convIDs, err := im.db.dialect.reserveIDs(ctx, im.tx, "conversations", len(cs))
	if err != nil {
		return nil, err
	}
	eventIDs, err := im.db.dialect.reserveIDs(ctx, im.tx, "conversation_events", nEvents)
	if err != nil {
		return nil, err
	}
	msgIDs, err := im.db.dialect.reserveIDs(ctx, im.tx, "messages", nMsgs)
	if err != nil {
		return nil, err
	}
	var convRows, eventRows, msgRows, stateRows, channelRows [][]any
	for i, pc := range cs {
		c, id := pc.Conversation, convIDs[i]
		convRows = append(convRows, []any{id, c.ShopID, buyers[i], string(c.Owner), c.AgentID, c.GroupID, c.Priority,
			len(pc.Messages), toMillis(c.CreatedAt), toMillis(c.UpdatedAt), toMillis(c.ClosedAt)})
		opened := model.Event{Kind: "opened", ToOwner: model.OwnerBot, Reason: "buyer", CreatedAt: c.CreatedAt}
		evIDs := eventIDs[:len(pc.Events)+1]
		eventIDs = eventIDs[len(evIDs):]
		for j, e := range append([]model.Event{opened}, pc.Events...) {
			eventRows = append(eventRows, []any{evIDs[j], c.ShopID, id, e.Kind, string(e.FromOwner), string(e.ToOwner),
				e.AgentID, e.ActorID, e.Reason, toMillis(e.CreatedAt)})
		}
		mIDs := msgIDs[:len(pc.Messages)]
		msgIDs = msgIDs[len(mIDs):]
		for j, m := range pc.Messages {
			clientID := m.ClientID
			switch {
			case m.ReplyTo > 0:
				clientID = strings.Replace(clientID, "%d", strconv.FormatInt(mIDs[m.ReplyTo-1], 10), 1)
			case m.ForEvent > 0:
				clientID = strings.Replace(clientID, "%d", strconv.FormatInt(evIDs[m.ForEvent], 10), 1)
			}
			kind := m.Kind
			if kind == "" {
				kind = model.KindText
			}
			msgRows = append(msgRows, []any{mIDs[j], c.ShopID, id, j + 1, string(m.Sender), m.SenderID, clientID, string(kind),
				m.Body, m.Meta, toMillis(m.CreatedAt)})
		}
		if st := pc.State; st != (ConversationState{ConversationID: st.ConversationID}) {
			stateRows = append(stateRows, []any{id, c.ShopID, st.Context, st.ProductID, toMillis(st.ProductAt), toMillis(st.QueuedAt),
				toMillis(st.AssignedAt), st.Rating, st.RatingComment, toMillis(st.RatedAt), toMillis(c.UpdatedAt)})
		}
		if pc.Channel != "" {
			channelRows = append(channelRows, []any{id, c.ShopID, pc.Channel})
		}
	}
	for _, t := range []struct {
		head string
		rows [][]any
	}{
		{`INSERT INTO conversations (id, shop_id, buyer_id, owner, agent_id, group_id, priority, last_seq, created_at, updated_at, closed_at)`, convRows},
		{`INSERT INTO conversation_events (id, shop_id, conversation_id, kind, from_owner, to_owner, agent_id, actor_id, reason, created_at)`, eventRows},
		{`INSERT INTO messages (id, shop_id, conversation_id, seq, sender, sender_id, client_id, kind, body, meta, created_at)`, msgRows},
		{`INSERT INTO conversation_service (conversation_id, shop_id, context, product_id, product_at, queued_at, assigned_at,
rating, rating_comment, rated_at, updated_at)`, stateRows},
		{`INSERT INTO conversation_channels (conversation_id, shop_id, channel)`, channelRows},
	} {
		if err := im.insert(ctx, t.head, t.rows, ""); err != nil {
			return nil, err
		}
	}
	return convIDs, nil
}

// checkPast refuses what would not make a conversation: no buyer, or a
// message naming something that is not before it.
func checkPast(pc PastConversation) error {
	if pc.Conversation.BuyerID == 0 && pc.VisitorID == "" {
		return fmt.Errorf("no buyer: %w", ErrEmptyID)
	}
	for i, m := range pc.Messages {
		switch {
		case m.ReplyTo > 0 && m.ForEvent > 0:
			return fmt.Errorf("message %d both answers a message and follows an event", i+1)
		case m.ReplyTo > 0 && (m.ReplyTo > i || !strings.Contains(m.ClientID, "%d")):
			return fmt.Errorf("message %d answers message %d with client id %q", i+1, m.ReplyTo, m.ClientID)
		case m.ForEvent > 0 && (m.ForEvent > len(pc.Events) || !strings.Contains(m.ClientID, "%d")):
			return fmt.Errorf("message %d follows event %d with client id %q", i+1, m.ForEvent, m.ClientID)
		}
	}
	return nil
}

// buyers returns each conversation's buyer: its BuyerID, which must be a
// buyer of its shop, or its visitor, created as EnsureVisitor does (seen
// first when the conversation opened).
func (im importer) buyers(ctx context.Context, cs []PastConversation) ([]int64, error) {
	type visitor struct {
		shop int64
		id   string
	}
	first := map[visitor]time.Time{}
	var order []visitor
	known := map[int64]int64{} // buyer id -> shop id
	for _, pc := range cs {
		c := pc.Conversation
		if c.BuyerID != 0 {
			known[c.BuyerID] = 0
			continue
		}
		v := visitor{c.ShopID, pc.VisitorID}
		if _, ok := first[v]; !ok && v.id != "" {
			first[v] = c.CreatedAt
			order = append(order, v)
		}
	}
	var rows [][]any
	for _, v := range order {
		rows = append(rows, []any{v.shop, v.id, toMillis(first[v])})
	}
	if err := im.insert(ctx, `INSERT INTO buyers (shop_id, visitor_id, created_at)`, rows,
		` ON CONFLICT (shop_id, visitor_id) WHERE visitor_id <> '' DO NOTHING`); err != nil {
		return nil, err
	}
	// "visitor_id <> ''" lets the planner use the partial unique index.
	visitors := map[visitor]int64{}
	for start := 0; start < len(order); start += 1000 {
		part := order[start:min(start+1000, len(order))]
		byShop := map[int64][]any{}
		for _, v := range part {
			byShop[v.shop] = append(byShop[v.shop], v.id)
		}
		for shop, vids := range byShop {
			args := append([]any{shop}, vids...)
			marks := make([]string, len(vids))
			for i := range vids {
				marks[i] = im.db.dialect.param(i + 2)
			}
			rows, err := im.tx.QueryContext(ctx, `SELECT id, visitor_id FROM buyers WHERE shop_id = `+im.db.dialect.param(1)+
				` AND visitor_id <> '' AND visitor_id IN (`+strings.Join(marks, ", ")+`)`, args...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id int64
				v := visitor{shop: shop}
				if err := rows.Scan(&id, &v.id); err != nil {
					rows.Close()
					return nil, err
				}
				visitors[v] = id
			}
			if err := rows.Close(); err != nil {
				return nil, err
			}
		}
	}
	for id := range known {
		var shop int64
		if err := im.tx.QueryRowContext(ctx, `SELECT shop_id FROM buyers WHERE id = $1`, id).Scan(&shop); err != nil {
			return nil, notFound(err, "buyer", id)
		}
		known[id] = shop
	}
	out := make([]int64, len(cs))
	for i, pc := range cs {
		c := pc.Conversation
		switch {
		case c.BuyerID != 0 && known[c.BuyerID] != c.ShopID:
			return nil, fmt.Errorf("conversation %d: buyer %d of shop %d: %w", i+1, c.BuyerID, c.ShopID, ErrNotFound)
		case c.BuyerID != 0:
			out[i] = c.BuyerID
		case visitors[visitor{c.ShopID, pc.VisitorID}] == 0:
			return nil, fmt.Errorf("conversation %d: visitor %q: %w", i+1, pc.VisitorID, ErrNotFound)
		default:
			out[i] = visitors[visitor{c.ShopID, pc.VisitorID}]
		}
	}
	return out, nil
}

// maxParams bounds the parameters of one statement (SQLite allows 32,766,
// PostgreSQL 65,535).
const maxParams = 30000

// insert inserts rows (all of one width) under head, then tail, as many
// in one statement as the parameters allow.
func (im importer) insert(ctx context.Context, head string, rows [][]any, tail string) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := maxParams / width
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		var q strings.Builder
		q.WriteString(head)
		q.WriteString(" VALUES ")
		args := make([]any, 0, len(part)*width)
		for i, r := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					q.WriteString(", ")
				}
				args = append(args, v)
				q.WriteString(im.db.dialect.param(len(args)))
			}
			q.WriteByte(')')
		}
		q.WriteString(tail)
		if _, err := im.tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}
