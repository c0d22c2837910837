package demo

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Conversations are made from a template when the real pipeline would
// have done the same: the same script, a buyer it treats alike (any
// visitor; a demo buyer of the same member level, or the same buyer when
// the bot answered from their own orders), within or out of working hours
// alike, and, when a person took over, with an agent online or not and
// with the same wait for one.

// baseKey is the kind of a planned conversation before the template says
// what else matters.
func baseKey(p plan) string {
	who := "visitor"
	switch {
	case p.script.live:
		who = "buyer " + p.who.ext
	case p.who.level == model.LevelVIP3:
		who = "vip3" // the VIP rule hands them over
	case p.who.ext != "":
		who = "member"
	}
	open := "closed"
	if p.open {
		open = "open"
	}
	return p.script.name + "|" + who + "|" + open
}

// refine adds to a key what the template t shows matters for p: the buyer
// when the bot answered from their data; when a person took over, the
// buyer's level (it sets the queue priority) and how the handover went at
// p's time.
func (h *history) refine(key string, t *template, p plan) string {
	if t.personal && p.who.ext != "" {
		key += "|" + p.who.ext
	}
	if t.handed {
		key += "|" + p.who.level + "|" + h.handoffClass(t.group, p.at)
	}
	return key
}

// handoffClass is how a handover at t goes: an agent is online, or the
// buyer leaves a message and waits, moving to the fallback group first
// when the wait is longer than the router's escalation time.
func (h *history) handoffClass(group int64, t time.Time) string {
	if h.covered(t) {
		return "assigned"
	}
	wait := h.nextCovered(t).Sub(t)
	if h.routing.EscalateMinutes > 0 && group != h.routing.FallbackGroup && wait > time.Duration(h.routing.EscalateMinutes)*time.Minute {
		return "escalated"
	}
	return "waited"
}

// template returns the template p can be made from (nil: play it) and the
// key to remember a played one by.
func (h *history) template(p plan) (*template, string) {
	base := baseKey(p)
	t := h.templates[base]
	if t == nil {
		return nil, base
	}
	key := h.refine(base, t, p)
	return h.templates[key], key
}

// remember keeps a played conversation as the template of its kind.
func (h *history) remember(key string, t *template, p plan) {
	base := baseKey(p)
	if h.templates[base] == nil {
		h.templates[base] = t
	}
	h.templates[h.refine(base, t, p)] = t
	h.templates[key] = t
}

// copyOf makes the conversation p from its template: the template's
// messages and owner changes, with p's buyer, times drawn anew for what
// people do, the agent online at the time, and its own rating. It reports
// false when the conversation would not be over before the history ends.
func (h *history) copyOf(t *template, p plan) (store.PastConversation, bool) {
	pc := store.PastConversation{Channel: p.channel, VisitorID: p.who.visitor,
		Conversation: model.Conversation{ShopID: h.shop.ID, BuyerID: p.who.buyerID, Owner: model.OwnerClosed, GroupID: t.group,
			Priority: t.priority, CreatedAt: p.at}}
	c := &pc.Conversation
	var prev, queued, assigned time.Time
	var oldAgent, newAgent int64
	for i, s := range t.steps {
		at := prev
		switch s.kind {
		case stepOpen:
			at = p.at
		case stepBuyer:
			at = prev.Add(h.think())
		case stepTap:
			at = prev.Add(h.tapDelay())
		case stepEscalate:
			at = queued.Add(h.escalateAfter())
		case stepAssign:
			at = h.nextCovered(queued).Add(h.jitter(500*time.Millisecond, 3*time.Second))
		case stepAgent:
			at = prev.Add(h.agentDelay(!hasAgentStep(t.steps[:i]), t.steps[i-1].kind == stepAgent))
		case stepReply:
			at = prev.Add(h.replyDelay())
		case stepClose:
			at = prev.Add(h.closeDelay())
		case stepIdle:
			at = prev.Add(h.idleAfter())
		}
		if at.Before(prev) {
			return pc, false // the wait ended before the router would have moved the buyer
		}
		latency := h.botLatency()
		when := func(orig time.Time) time.Time {
			if orig.After(s.at) {
				return at.Add(latency)
			}
			return at
		}
		prev = at
		for _, e := range s.events {
			e.ID, e.ShopID, e.ConversationID = 0, 0, 0
			e.CreatedAt = when(e.CreatedAt)
			if e.ToOwner == model.OwnerAgent {
				oldAgent, newAgent = e.AgentID, h.pickAgent(t.group, e.CreatedAt)
				assigned = e.CreatedAt
			}
			if e.ToOwner == model.OwnerQueue && e.FromOwner != model.OwnerQueue {
				queued = e.CreatedAt
			}
			e.AgentID, e.ActorID = swap(e.AgentID, oldAgent, newAgent), swap(e.ActorID, oldAgent, newAgent)
			pc.Events = append(pc.Events, e)
			prev = later(prev, e.CreatedAt)
			if e.ToOwner == model.OwnerClosed {
				c.ClosedAt = e.CreatedAt
			}
		}
		for _, m := range s.msgs {
			m.ID, m.ShopID, m.ConversationID, m.Seq = 0, 0, 0, 0
			m.CreatedAt = when(m.CreatedAt)
			switch m.Sender {
			case model.SenderBuyer:
				m.SenderID = p.who.buyerID
				if s.kind == stepReply {
					m.Body = h.wording(t.dialogue[s.line])
				}
			case model.SenderAgent:
				m.SenderID = swap(m.SenderID, oldAgent, newAgent)
				if !s.fixed {
					m.Body = h.wording(t.dialogue[s.line])
				}
			}
			if oldAgent != newAgent && oldAgent != 0 {
				m.Body = strings.ReplaceAll(m.Body, h.names[oldAgent], h.names[newAgent])
			}
			pc.Messages = append(pc.Messages, m)
			prev = later(prev, m.CreatedAt)
		}
	}
	c.AgentID, c.UpdatedAt = newAgent, prev
	if !prev.Before(h.end) {
		return pc, false
	}
	pc.State = store.ConversationState{Context: shiftTimes(t.context, p.at.Sub(t.start)), QueuedAt: queued, AssignedAt: assigned}
	if t.script.product != "" {
		pc.State.ProductID, pc.State.ProductAt = t.script.product, p.at
	}
	if stars, comment, ok := h.rating(t, c.CreatedAt, c.ClosedAt); ok {
		if at := prev.Add(h.rateDelay()); at.Before(h.end) {
			pc.State.Rating, pc.State.RatingComment, pc.State.RatedAt = stars, comment, at
		}
	}
	return pc, true
}

// wording picks one of a dialogue line's wordings (the workbench's
// suggestion has none of its own: its template's text stays).
func (h *history) wording(l line) string {
	for range 4 {
		if s := l.say[h.rng.IntN(len(l.say))]; s != suggestion {
			return s
		}
	}
	return l.say[len(l.say)-1]
}

func hasAgentStep(steps []step) bool {
	for _, s := range steps {
		if s.kind == stepAgent {
			return true
		}
	}
	return false
}

func swap(id, old, new int64) int64 {
	if id != 0 && id == old {
		return new
	}
	return id
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// shiftTimes moves the times the bot keeps in a conversation's context
// (when it told the buyer people were away, when the product was set) by d.
func shiftTimes(context string, d time.Duration) string {
	if context == "" {
		return ""
	}
	var m map[string]any
	if json.Unmarshal([]byte(context), &m) != nil {
		return context
	}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || !strings.HasSuffix(k, "_at") {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			m[k] = t.Add(d).Format(time.RFC3339Nano)
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return context
	}
	return string(b)
}
