package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

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
func (db *DB) ImportConversations(ctx context.Context, cs []PastConversation) ([]int64, error) {
	ids := make([]int64, 0, len(cs))
	err := db.tx(ctx, func(tx *sql.Tx) error {
		im, err := newImporter(ctx, tx)
		if err != nil {
			return err
		}
		defer im.close()
		for i := range cs {
			id, err := im.conversation(ctx, &cs[i])
			if err != nil {
				return fmt.Errorf("conversation %d of %d: %w", i+1, len(cs), err)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: import conversations: %w", err)
	}
	return ids, nil
}

// The importer's statements, prepared once per import.
const (
	importVisitorSQL = `INSERT INTO buyers (shop_id, visitor_id, created_at) VALUES ($1, $2, $3)
ON CONFLICT (shop_id, visitor_id) WHERE visitor_id <> '' DO NOTHING`
	importVisitorIDSQL    = `SELECT id FROM buyers WHERE shop_id = $1 AND visitor_id = $2`
	importConversationSQL = `INSERT INTO conversations (shop_id, buyer_id, owner, agent_id, group_id, priority, last_seq, created_at, updated_at, closed_at)
SELECT CAST($1 AS BIGINT), CAST($2 AS BIGINT), CAST($3 AS TEXT), CAST($4 AS BIGINT), CAST($5 AS BIGINT), CAST($6 AS INTEGER),
CAST($7 AS BIGINT), CAST($8 AS BIGINT), CAST($9 AS BIGINT), CAST($10 AS BIGINT)
WHERE EXISTS (SELECT 1 FROM buyers WHERE id = $2 AND shop_id = $1) RETURNING id`
	importStateSQL = `INSERT INTO conversation_service (conversation_id, shop_id, context, product_id, product_at, queued_at, assigned_at,
rating, rating_comment, rated_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	importChannelSQL = `INSERT INTO conversation_channels (conversation_id, shop_id, channel) VALUES ($1, $2, $3)`
)

// importer writes past conversations inside one transaction.
type importer struct {
	tx                                                   *sql.Tx
	visitor, visitorID, conv, event, msg, state, channel *sql.Stmt
}

func newImporter(ctx context.Context, tx *sql.Tx) (*importer, error) {
	im := &importer{tx: tx}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&im.visitor, importVisitorSQL}, {&im.visitorID, importVisitorIDSQL}, {&im.conv, importConversationSQL},
		{&im.event, insertEventSQL}, {&im.msg, insertMessageSQL}, {&im.state, importStateSQL}, {&im.channel, importChannelSQL},
	} {
		s, err := tx.PrepareContext(ctx, p.q)
		if err != nil {
			im.close()
			return nil, err
		}
		*p.dst = s
	}
	return im, nil
}

func (im *importer) close() {
	for _, s := range []*sql.Stmt{im.visitor, im.visitorID, im.conv, im.event, im.msg, im.state, im.channel} {
		if s != nil {
			s.Close()
		}
	}
}

// conversation writes one past conversation and returns its id.
func (im *importer) conversation(ctx context.Context, pc *PastConversation) (int64, error) {
	c := pc.Conversation
	if c.BuyerID == 0 {
		if pc.VisitorID == "" {
			return 0, fmt.Errorf("no buyer: %w", ErrEmptyID)
		}
		if _, err := im.visitor.ExecContext(ctx, c.ShopID, pc.VisitorID, toMillis(c.CreatedAt)); err != nil {
			return 0, fmt.Errorf("visitor: %w", err)
		}
		if err := im.visitorID.QueryRowContext(ctx, c.ShopID, pc.VisitorID).Scan(&c.BuyerID); err != nil {
			return 0, notFound(err, "visitor", pc.VisitorID)
		}
	}
	var id int64
	err := im.conv.QueryRowContext(ctx, c.ShopID, c.BuyerID, string(c.Owner), c.AgentID, c.GroupID, c.Priority,
		len(pc.Messages), toMillis(c.CreatedAt), toMillis(c.UpdatedAt), toMillis(c.ClosedAt)).Scan(&id)
	if err != nil {
		return 0, notFound(err, "buyer", c.BuyerID)
	}
	opened := model.Event{Kind: "opened", ToOwner: model.OwnerBot, Reason: "buyer", CreatedAt: c.CreatedAt}
	eventIDs := make([]int64, len(pc.Events)+1)
	for i, e := range append([]model.Event{opened}, pc.Events...) {
		if err := im.event.QueryRowContext(ctx, c.ShopID, id, e.Kind, string(e.FromOwner), string(e.ToOwner), e.AgentID,
			e.ActorID, e.Reason, toMillis(e.CreatedAt)).Scan(&eventIDs[i]); err != nil {
			return 0, fmt.Errorf("event: %w", err)
		}
	}
	msgIDs := make([]int64, len(pc.Messages))
	for i, m := range pc.Messages {
		clientID := m.ClientID
		switch {
		case m.ReplyTo > 0 && m.ForEvent > 0:
			return 0, fmt.Errorf("message %d both answers a message and follows an event", i+1)
		case m.ReplyTo > 0:
			if m.ReplyTo > i || !strings.Contains(clientID, "%d") {
				return 0, fmt.Errorf("message %d answers message %d with client id %q", i+1, m.ReplyTo, clientID)
			}
			clientID = strings.Replace(clientID, "%d", strconv.FormatInt(msgIDs[m.ReplyTo-1], 10), 1)
		case m.ForEvent > 0:
			if m.ForEvent > len(pc.Events) || !strings.Contains(clientID, "%d") {
				return 0, fmt.Errorf("message %d follows event %d with client id %q", i+1, m.ForEvent, clientID)
			}
			clientID = strings.Replace(clientID, "%d", strconv.FormatInt(eventIDs[m.ForEvent], 10), 1)
		}
		kind := m.Kind
		if kind == "" {
			kind = model.KindText
		}
		err := im.msg.QueryRowContext(ctx, c.ShopID, id, i+1, string(m.Sender), m.SenderID, clientID, string(kind), m.Body, m.Meta,
			toMillis(m.CreatedAt)).Scan(&msgIDs[i])
		if err != nil {
			return 0, fmt.Errorf("message %d: %w", i+1, err)
		}
	}
	if st := pc.State; st != (ConversationState{ConversationID: st.ConversationID}) {
		_, err := im.state.ExecContext(ctx, id, c.ShopID, st.Context, st.ProductID, toMillis(st.ProductAt), toMillis(st.QueuedAt),
			toMillis(st.AssignedAt), st.Rating, st.RatingComment, toMillis(st.RatedAt), toMillis(c.UpdatedAt))
		if err != nil {
			return 0, fmt.Errorf("service state: %w", err)
		}
	}
	if pc.Channel != "" {
		if _, err := im.channel.ExecContext(ctx, id, c.ShopID, pc.Channel); err != nil {
			return 0, fmt.Errorf("channel: %w", err)
		}
	}
	return id, nil
}
