package notify

import (
	"context"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// happening is one thing that happened, read from an outbox fact (for
// pushes) or a bus event (for workbench alerts), in the terms that decide
// who hears of it.
type happening struct {
	kind      string // a store.Fact* kind
	shopID    int64
	conv      model.Conversation // after the change
	from      model.Owner        // owner changes: the owner before
	prevAgent int64              // owner changes: the agent before
	actorID   int64              // who made the change (0: the bot or the system)
	reason    string
	message   *model.Message
	rating    int
	comment   string
	text      string // a message left out of hours
	minutes   int    // a long wait
	at        time.Time
}

// notice is one event for one member, with how they want to hear it.
type notice struct {
	member *memberView
	event  string
	pref   EventPref
	prefs  Preferences
}

// audience decides who hears of h and as which event. Each member hears
// of one thing once, as the most specific event they keep on (pick). No
// one is told of what they did themselves.
func (s *Service) audience(ctx context.Context, v *shopView, h happening) []notice {
	var out []notice
	add := func(m *memberView, keys ...string) {
		if m == nil || !m.workbench() || (h.actorID != 0 && m.id == h.actorID) {
			return
		}
		if slices.ContainsFunc(out, func(n notice) bool { return n.member.id == m.id }) {
			return
		}
		p := v.prefs(m.id)
		if k, e, ok := p.pick(keys...); ok {
			out = append(out, notice{member: m, event: k, pref: e, prefs: p})
		}
	}
	c := h.conv
	switch {
	case h.kind == store.FactOwner && c.Owner == model.OwnerQueue:
		keys := []string{EventQueue}
		if h.from == model.OwnerBot {
			keys = []string{EventHandoff, EventQueue}
		}
		for _, m := range v.queueAudience(c.GroupID) {
			add(m, keys...)
		}
	case h.kind == store.FactOwner && c.Owner == model.OwnerAgent && (h.from != model.OwnerAgent || h.prevAgent != c.AgentID):
		add(v.member(c.AgentID), EventAssigned)
	case h.kind == store.FactMessage+string(model.SenderBuyer) && c.Owner == model.OwnerAgent:
		keys := []string{EventMessage}
		if s.isNewBuyer(ctx, c) {
			keys = []string{EventNewBuyer, EventMessage}
		}
		add(v.member(c.AgentID), keys...)
	case h.kind == store.FactRated && h.rating >= 1 && h.rating <= 2:
		add(v.member(s.lastAgent(ctx, c)), EventBadRating)
		for _, m := range v.supervisors() {
			add(m, EventBadRating)
		}
	case h.kind == store.FactOffline:
		for _, m := range v.queueAudience(c.GroupID) {
			add(m, EventOffline)
		}
	case h.kind == store.FactWaiting:
		for _, m := range v.queueAudience(c.GroupID) {
			if v.prefs(m.id).WaitMinutes == h.minutes {
				add(m, EventWaiting)
			}
		}
	}
	return out
}

// isNewBuyer reports whether the buyer of c has no other conversation with
// the shop: a new customer (新客), whose messages agents may want to hear
// apart.
func (s *Service) isNewBuyer(ctx context.Context, c model.Conversation) bool {
	s.mu.Lock()
	v, ok := s.newBuyer[c.ID]
	s.mu.Unlock()
	if ok {
		return v
	}
	n, err := s.st.CountBuyerConversations(ctx, c.ShopID, c.BuyerID)
	if err != nil {
		return false
	}
	v = n <= 1
	s.mu.Lock()
	if len(s.newBuyer) > 10000 {
		clear(s.newBuyer) // a cache, not a record
	}
	s.newBuyer[c.ID] = v
	s.mu.Unlock()
	return v
}

// lastAgent is the agent who last had a conversation (a closed one has
// none any more), or 0.
func (s *Service) lastAgent(ctx context.Context, c model.Conversation) int64 {
	if c.AgentID != 0 {
		return c.AgentID
	}
	evs, err := s.st.ListEvents(ctx, c.ShopID, c.ID)
	if err != nil {
		return 0
	}
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].ToOwner == model.OwnerAgent && evs[i].AgentID != 0 {
			return evs[i].AgentID
		}
	}
	return 0
}

// happeningOf reads an outbox fact.
func happeningOf(f store.Fact) happening {
	d := f.Data
	h := happening{kind: f.Kind, shopID: f.ShopID, at: f.CreatedAt, message: d.Message, rating: d.Rating, comment: d.Comment,
		from: d.PrevOwner, prevAgent: d.PrevAgentID}
	if d.Conversation != nil {
		h.conv = *d.Conversation
	}
	if d.Event != nil {
		h.actorID, h.reason = d.Event.ActorID, d.Event.Reason
	}
	if len(d.Extra) > 0 {
		var x factExtra
		if jsonUnmarshal(d.Extra, &x) == nil {
			h.text, h.minutes, h.reason = x.Text, x.Minutes, x.Reason
		}
	}
	return h
}

// factExtra is the Extra of the facts notify writes itself.
type factExtra struct {
	Reason  string `json:"reason,omitempty"`
	Text    string `json:"text,omitempty"`
	Minutes int    `json:"minutes,omitempty"`
}
