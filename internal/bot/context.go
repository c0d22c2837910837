package bot

import (
	"context"
	"encoding/json"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// convContext is what the bot remembers of a conversation between
// messages, kept in the store so that a restart forgets nothing: the
// product and order in focus, the last intent, the question the bot asked
// and is waiting an answer to, and the counters of the handoff rules.
type convContext struct {
	FocusProduct string    `json:"focus_product,omitempty"`
	ProductAt    time.Time `json:"product_at,omitzero"` // when FocusProduct was set
	FocusOrder   string    `json:"focus_order,omitempty"`
	// LastIntent and LastCategory are the last thing the buyer wanted
	// (chatter and "a person, please" do not count), which routes a bare
	// request for a person to the right group.
	LastIntent   string `json:"last_intent,omitempty"`
	LastCategory string `json:"last_category,omitempty"`
	Asked        *asked `json:"asked,omitempty"`
	// Lang is the language the buyer writes in.
	Lang string `json:"lang,omitempty"`
	// Misses counts the messages in a row the bot could not answer.
	Misses int `json:"misses,omitempty"`
	// Handoffs counts handovers to people (the VIP rule fires once).
	Handoffs int `json:"handoffs,omitempty"`
	// OffHoursAt is when the buyer was last told people are away.
	OffHoursAt time.Time `json:"off_hours_at,omitzero"`
}

// asked is a question the bot asked; the buyer's next message may answer
// it, and any other message drops it.
type asked struct {
	Kind   string   `json:"kind"`   // which_order, which_product, size_body
	Intent string   `json:"intent"` // what the buyer wanted when asked
	Orders []string `json:"orders,omitempty"`
}

// The questions the bot asks.
const (
	askWhichOrder   = "which_order"
	askWhichProduct = "which_product"
	askSizeBody     = "size_body"
)

// loadContext reads a conversation's context and the widget's product.
// A context that does not decode starts afresh: it is only a memory.
func (b *Bot) loadContext(ctx context.Context, shopID, conversationID int64) (*convContext, store.ConversationState, error) {
	st, err := b.st.ConversationState(ctx, shopID, conversationID)
	if err != nil {
		return nil, st, err
	}
	cc := &convContext{}
	if st.Context != "" {
		if err := json.Unmarshal([]byte(st.Context), cc); err != nil {
			b.log.Warn("bot: context does not decode; starting afresh", "conversation", conversationID, "err", err)
			cc = &convContext{}
		}
	}
	// The product the widget shows wins when it was set after the one the
	// buyer last talked about.
	if st.ProductID != "" && st.ProductAt.After(cc.ProductAt) {
		cc.FocusProduct, cc.ProductAt = st.ProductID, st.ProductAt
	}
	return cc, st, nil
}

func (b *Bot) saveContext(ctx context.Context, shopID, conversationID int64, cc *convContext) {
	raw, err := json.Marshal(cc)
	if err == nil {
		err = b.st.PutConversationContext(ctx, shopID, conversationID, string(raw))
	}
	if err != nil {
		b.log.Error("bot: save context", "conversation", conversationID, "err", err)
	}
}

// ContextView is what an agent sees of the bot's memory of a conversation.
type ContextView struct {
	FocusProduct string `json:"focus_product,omitempty"`
	FocusOrder   string `json:"focus_order,omitempty"`
	LastIntent   string `json:"last_intent,omitempty"`
	Asked        string `json:"asked,omitempty"` // the question the bot waits an answer to
	Misses       int    `json:"misses"`
	Lang         string `json:"lang,omitempty"`
}

// Context returns the bot's memory of a conversation and its service state
// (queue and assignment times, rating).
func (b *Bot) Context(ctx context.Context, shopID, conversationID int64) (ContextView, store.ConversationState, error) {
	cc, st, err := b.loadContext(ctx, shopID, conversationID)
	if err != nil {
		return ContextView{}, st, err
	}
	v := ContextView{FocusProduct: cc.FocusProduct, FocusOrder: cc.FocusOrder, LastIntent: cc.LastIntent, Misses: cc.Misses, Lang: cc.Lang}
	if cc.Asked != nil {
		v.Asked = cc.Asked.Kind
	}
	return v, st, nil
}
