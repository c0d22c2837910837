package server

import (
	"context"
	"encoding/json"
	"strings"
	"unicode"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	router "github.com/xiaoer-cs/xiaoer/internal/route"
)

// maxProductID bounds the product id a widget sends as context.
const maxProductID = 64

// frameContext is what the widget tells about the page the buyer is on.
type frameContext struct {
	ProductID string `json:"product_id,omitempty"`
}

// product is the product a frame names, at its top level or in context.
func (f frameIn) product() string {
	if f.ProductID == "" && f.Context != nil {
		return f.Context.ProductID
	}
	return f.ProductID
}

// buyerService is a buyer socket's part in customer service: the product
// the widget shows, recorded on the buyer's open conversation so the bot
// answers about it.
type buyerService struct {
	product   string
	appliedTo int64 // the conversation the product was recorded on
}

// queueFrame tells a waiting buyer their place (1 = next).
type queueFrame struct {
	Type           string `json:"type"` // "queue"
	ConversationID int64  `json:"conversation_id"`
	Position       int    `json:"position"`
	Waiting        int    `json:"waiting,omitempty"`
}

// ratedFrame acknowledges a rating.
type ratedFrame struct {
	Type           string `json:"type"` // "rated"
	ConversationID int64  `json:"conversation_id"`
	Rating         int    `json:"rating"`
	ClientID       string `json:"client_id,omitempty"`
}

// helloService takes the product of the hello frame and tells a buyer who
// reconnects while waiting their place.
func (b *buyerSession) helloService(ctx context.Context, f frameIn) {
	b.setProduct(ctx, f.product(), "")
	if b.conv.Owner != model.OwnerQueue {
		return
	}
	if pos, err := b.srv.route.Position(ctx, b.conv); err == nil && pos > 0 {
		b.so.send(queueFrame{Type: "queue", ConversationID: b.conv.ID, Position: pos})
	}
}

// setProduct takes the product the widget shows (hello, context and send
// frames carry it); false when it is refused.
func (b *buyerSession) setProduct(ctx context.Context, id, clientID string) bool {
	if id == "" {
		b.applyProduct(ctx)
		return true
	}
	if len(id) > maxProductID || strings.IndexFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		b.so.sendError("bad_product", "product_id is 1-64 characters without spaces", clientID)
		return false
	}
	if id != b.svc.product {
		b.svc.product, b.svc.appliedTo = id, 0
	}
	b.applyProduct(ctx)
	return true
}

// applyProduct records the product on the open conversation, once per
// conversation and product; before any conversation it waits for the
// first message.
func (b *buyerSession) applyProduct(ctx context.Context) {
	if b.svc.product == "" || b.conv.ID == 0 || b.conv.Owner == model.OwnerClosed || b.svc.appliedTo == b.conv.ID {
		return
	}
	if err := b.srv.store.SetConversationProduct(ctx, b.shop.ID, b.conv.ID, b.svc.product); err != nil {
		b.srv.log.Warn("buyer product context", "conversation", b.conv.ID, "err", err)
		return
	}
	b.svc.appliedTo = b.conv.ID
}

// rate stores the buyer's rating of a closed conversation of theirs.
func (b *buyerSession) rate(ctx context.Context, f frameIn) {
	id := f.ConversationID
	if id == 0 {
		id = b.conv.ID
	}
	err := b.srv.chat.Rate(ctx, b.shop.ID, id, b.buyer.ID, f.Rating, f.Comment)
	if err != nil {
		if code, ok := chatRatingError(err); ok {
			b.so.sendError(code, err.Error(), f.ClientID)
			return
		}
		b.srv.log.Error("buyer rate", "err", err)
		b.so.sendError("internal", "internal error; resend", f.ClientID)
		return
	}
	b.so.send(ratedFrame{Type: "rated", ConversationID: id, Rating: f.Rating, ClientID: f.ClientID})
}

// queueFrames turns a queue event into the buyer's frame.
func queueFrames(e *bus.Event) []any {
	var q router.QueueEvent
	if err := json.Unmarshal(e.Data, &q); err != nil || q.Position <= 0 {
		return nil
	}
	return []any{queueFrame{Type: "queue", ConversationID: e.ConversationID, Position: q.Position, Waiting: q.Waiting}}
}

// noticeFrame tells the workbench that a buyer left a message while nobody
// was on duty.
type noticeFrame struct {
	Type           string          `json:"type"` // "notify"
	ConversationID int64           `json:"conversation_id"`
	Notice         json.RawMessage `json:"notice"`
}

// agentServiceFrames shows agents the places in the queues they see and
// the messages left off duty.
func agentServiceFrames(e *bus.Event) []any {
	if e.Type == bus.TypeQueue {
		return queueFrames(e)
	}
	return []any{noticeFrame{Type: "notify", ConversationID: e.ConversationID, Notice: e.Data}}
}
