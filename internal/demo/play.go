package demo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// stepKind is what moves a conversation on.
type stepKind int

const (
	stepOpen     stepKind = iota // the buyer's first message opens it; the bot greets and answers
	stepBuyer                    // a later buyer message to the bot, with the bot's answer
	stepTap                      // the buyer taps a "did you mean" choice
	stepEscalate                 // the router's sweep moves a waiting buyer to the fallback group
	stepAssign                   // an agent comes online and the router gives them the waiting buyer
	stepAgent                    // an agent's message
	stepReply                    // the buyer's message to the agent
	stepClose                    // the agent closes; the bot invites a rating
	stepIdle                     // the sweep closes what the buyer left; the bot invites a rating
)

// step is what one step stored: messages and owner changes, at their
// times, the step's own time first.
type step struct {
	kind   stepKind
	line   int  // the dialogue line of an agent or buyer message to the agent
	fixed  bool // the agent sent the workbench's suggestion: its text stays
	at     time.Time
	msgs   []store.PastMessage // client ids as formats (store.PastMessage)
	events []model.Event
}

// template is a conversation played through the real pipeline, from
// which others of its kind are made.
type template struct {
	script   *script
	dialogue []line
	steps    []step
	start    time.Time
	end      time.Time // its last moment, rating included
	handed   bool      // a person took part
	group    int64     // the group it waited in last
	agent    int64     // the agent who served, 0 for none
	priority int
	personal bool // the bot answered from the buyer's own data
	unsure   bool // the bot did not understand something
	context  string
}

// player plays one planned conversation through the real chat service,
// bot and router, on the history's clock.
type player struct {
	h       *history
	p       plan
	t       *template
	c       model.Conversation
	buyerID int64
	first   model.Message // the buyer's first message
	msgAt   map[int64]int // message id -> place (1-based) in the conversation
	evAt    map[int64]int // event id -> place (1-based) among events after the opening
	seq     int64         // messages recorded
	events  int           // events recorded, the opening included
}

// play plays p and returns it as a template.
func (h *history) play(p plan) (*template, error) {
	r := &player{h: h, p: p, t: &template{script: p.script, start: p.at}, msgAt: map[int64]int{}, evAt: map[int64]int{}}
	if err := r.run(); err != nil {
		return nil, fmt.Errorf("%s: %w", p.script.name, err)
	}
	return r.t, nil
}

func (r *player) run() error {
	h, ctx, shop := r.h, r.h.ctx, r.h.shop.ID
	h.clk.set(r.p.at)
	r.buyerID = r.p.who.buyerID
	if r.buyerID == 0 {
		b, err := h.st.EnsureVisitor(ctx, shop, r.p.who.visitor)
		if err != nil {
			return err
		}
		r.buyerID, r.p.who.buyerID = b.ID, b.ID
	}
	c, _, err := h.chat.Resume(ctx, shop, r.buyerID)
	if err != nil {
		return err
	}
	r.c = c
	if err := h.st.SetConversationChannel(ctx, shop, c.ID, r.p.channel); err != nil {
		return err
	}
	if pid := r.p.script.product; pid != "" {
		if err := h.st.SetConversationProduct(ctx, shop, c.ID, pid); err != nil {
			return err
		}
	}
	lines := r.p.script.lines
	if err := r.say(lines[0], stepOpen); err != nil {
		return err
	}
	for _, l := range lines[1:] {
		if r.handed() {
			break
		}
		text, kind, ok := r.next(l)
		if !ok {
			continue
		}
		if kind == stepTap {
			h.clk.add(h.tapDelay())
		} else {
			h.clk.add(h.think())
		}
		if err := r.say(text, kind); err != nil {
			return err
		}
	}
	if r.handed() {
		err = r.human()
	} else {
		err = r.idle()
	}
	if err != nil {
		return err
	}
	return r.finish()
}

// next is what the buyer says for a script line, if anything: a tapped
// choice is the question of the bot's first choice; "?" lines answer
// only a question the bot asked.
func (r *player) next(l string) (string, stepKind, bool) {
	last := r.lastBot()
	switch {
	case l == tapChoice:
		var meta struct {
			Choices []struct {
				Question string `json:"question"`
			} `json:"choices"`
		}
		if json.Unmarshal([]byte(last.Meta), &meta) != nil || len(meta.Choices) == 0 {
			return "", 0, false
		}
		return meta.Choices[0].Question, stepTap, true
	case strings.HasPrefix(l, "?"):
		d := explainOf(last).Detail
		return l[1:], stepBuyer, strings.HasSuffix(d, ".which") || d == "size.ask"
	}
	return l, stepBuyer, true
}

// say posts a buyer message, lets the bot answer it a moment later, and
// records the step.
func (r *player) say(text string, kind stepKind) error {
	h := r.h
	at := h.clk.Now()
	m, _, err := h.chat.Post(h.ctx, chat.Post{ShopID: h.shop.ID, ConversationID: r.c.ID, Sender: model.SenderBuyer,
		SenderID: r.buyerID, Body: text})
	if err != nil {
		return err
	}
	if kind == stepOpen {
		r.first = m
	}
	h.clk.add(h.botLatency())
	h.pump()
	return r.record(kind, at, -1, false)
}

// pump lets the bot do what the bus brought, in order.
func (h *history) pump() {
	for len(h.events) > 0 {
		e := h.events[0]
		h.events = h.events[1:]
		h.bot.HandleNow(h.ctx, e)
	}
}

// handed reports whether a person owns the conversation now.
func (r *player) handed() bool {
	c, err := r.h.st.GetConversation(r.h.ctx, r.h.shop.ID, r.c.ID)
	if err == nil {
		r.c = c
	}
	return r.c.Owner == model.OwnerQueue || r.c.Owner == model.OwnerAgent
}

// human plays the part people take: a buyer who left a message waits for
// an agent to come online (moving to the fallback group after the router's
// wait), then agent and buyer talk and the agent closes.
func (r *player) human() error {
	h, ctx, shop := r.h, r.h.ctx, r.h.shop.ID
	if r.c.Owner == model.OwnerQueue {
		st, err := h.st.ConversationState(ctx, shop, r.c.ID)
		if err != nil {
			return err
		}
		on := h.nextCovered(st.QueuedAt)
		esc := st.QueuedAt.Add(h.escalateAfter())
		if h.routing.EscalateMinutes > 0 && r.c.GroupID != h.routing.FallbackGroup && esc.Before(on) {
			h.clk.set(esc)
			if err := h.route.SweepShop(ctx, shop); err != nil {
				return err
			}
			h.pump()
			if err := r.record(stepEscalate, esc, -1, false); err != nil {
				return err
			}
			r.handed()
		}
		at := on.Add(h.jitter(500*time.Millisecond, 3*time.Second))
		h.clk.set(at)
		strategy := h.routing.StrategyOf(r.c.GroupID)
		_, _, err = h.chat.Assign(ctx, store.Assignment{Change: store.OwnerChange{ShopID: shop, ConversationID: r.c.ID,
			From: model.OwnerQueue, To: model.OwnerAgent, AgentID: h.pickAgent(r.c.GroupID, at), GroupID: r.c.GroupID,
			Reason: "auto:" + string(strategy)}, Cursor: strategy == route.RoundRobin})
		if err != nil {
			return err
		}
		h.pump()
		if err := r.record(stepAssign, at, -1, false); err != nil {
			return err
		}
		r.handed()
	}
	agentID := r.c.AgentID
	r.t.dialogue = r.p.script.human
	if r.t.dialogue == nil {
		r.t.dialogue = genericZH
		if r.p.script.en {
			r.t.dialogue = genericEN
		}
	}
	afterAgent := false
	for i, l := range r.t.dialogue {
		text, fixed := l.say[h.rng.IntN(len(l.say))], false
		post := chat.Post{ShopID: shop, ConversationID: r.c.ID, Sender: model.SenderBuyer, SenderID: r.buyerID}
		if l.agent {
			h.clk.add(h.agentDelay(i == 0, afterAgent))
			post.Sender, post.SenderID = model.SenderAgent, agentID
			if text == suggestion || l.say[0] == suggestion {
				text, fixed = r.suggestion(l)
			}
		} else {
			h.clk.add(h.replyDelay())
		}
		at := h.clk.Now()
		post.Body = text
		if _, _, err := h.chat.Post(ctx, post); err != nil {
			return err
		}
		h.pump()
		kind := stepReply
		if l.agent {
			kind = stepAgent
		}
		if err := r.record(kind, at, i, fixed); err != nil {
			return err
		}
		afterAgent = l.agent
	}
	at := h.clk.add(h.closeDelay())
	_, _, err := h.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: shop, ConversationID: r.c.ID, From: model.OwnerAgent,
		FromAgentID: agentID, To: model.OwnerClosed, ActorID: agentID, Reason: "closed_by_agent"})
	if err != nil {
		return err
	}
	h.clk.add(h.botLatency())
	h.pump()
	return r.record(stepClose, at, -1, false)
}

// suggestion is what the workbench suggests for the buyer's question, or
// the line's other wording when it suggests nothing.
func (r *player) suggestion(l line) (string, bool) {
	ss, err := r.h.bot.SuggestionsFor(r.h.ctx, r.first)
	if err == nil && len(ss) > 0 && ss[0].Answer != "" {
		return ss[0].Answer, true
	}
	for _, s := range l.say {
		if s != suggestion {
			return s, false
		}
	}
	return "", false
}

// idle lets the router's sweep close what the buyer left with the bot.
func (r *player) idle() error {
	h := r.h
	at := r.c.UpdatedAt.Add(h.idleAfter())
	h.clk.set(at)
	if err := h.route.SweepShop(h.ctx, h.shop.ID); err != nil {
		return err
	}
	h.clk.add(h.botLatency())
	h.pump()
	return r.record(stepIdle, at, -1, false)
}

// finish lets the buyer rate, and fills in the template from the
// conversation as stored.
func (r *player) finish() error {
	h, ctx, shop, t := r.h, r.h.ctx, r.h.shop.ID, r.t
	c, err := h.st.GetConversation(ctx, shop, r.c.ID)
	if err != nil {
		return err
	}
	t.group, t.agent, t.priority = c.GroupID, c.AgentID, c.Priority
	for _, s := range t.steps {
		for _, e := range s.events {
			t.handed = t.handed || e.ToOwner == model.OwnerQueue || e.ToOwner == model.OwnerAgent
		}
		for _, m := range s.msgs {
			ex := explainOf(m.Message)
			t.personal = t.personal || r.p.who.ext != "" && ex.personal()
			t.unsure = t.unsure || ex.Step == "fallback"
		}
	}
	st, err := h.st.ConversationState(ctx, shop, c.ID)
	if err != nil {
		return err
	}
	t.context = st.Context
	t.end = h.clk.Now()
	if stars, comment, ok := h.rating(t, c.CreatedAt, c.ClosedAt); ok {
		t.end = h.clk.add(h.rateDelay())
		return h.chat.Rate(ctx, shop, c.ID, r.buyerID, stars, comment)
	}
	return nil
}

// record keeps what the last action stored as a step: the messages and
// events since the previous step, with the client ids of bot replies and
// rating invitations as formats of the ids they name.
func (r *player) record(kind stepKind, at time.Time, line int, fixed bool) error {
	h, ctx, shop := r.h, r.h.ctx, r.h.shop.ID
	ms, err := h.st.ListMessages(ctx, store.MessageQuery{ShopID: shop, ConversationID: r.c.ID, AfterSeq: r.seq, Limit: 1000})
	if err != nil {
		return err
	}
	evs, err := h.st.ListEvents(ctx, shop, r.c.ID)
	if err != nil {
		return err
	}
	s := step{kind: kind, line: line, fixed: fixed, at: at}
	for _, e := range evs[r.events:] {
		r.events++
		if e.Kind == "opened" {
			continue // the import writes it with the conversation
		}
		r.evAt[e.ID] = r.events - 1
		s.events = append(s.events, e)
	}
	for _, m := range ms {
		r.seq = m.Seq
		r.msgAt[m.ID] = int(m.Seq)
		pm := store.PastMessage{Message: m}
		pm.ClientID, pm.ReplyTo, pm.ForEvent = r.clientID(m.ClientID)
		s.msgs = append(s.msgs, pm)
	}
	r.t.steps = append(r.t.steps, s)
	return nil
}

// clientID turns a stored client id that names a message (bot-<id>[-n])
// or an event (rating-<id>) into a format and the place of what it names.
func (r *player) clientID(id string) (string, int, int) {
	for _, k := range []struct {
		prefix string
		places map[int64]int
	}{{"bot-", r.msgAt}, {"rating-", r.evAt}} {
		prefix, places := k.prefix, k.places
		rest, ok := strings.CutPrefix(id, prefix)
		if !ok {
			continue
		}
		num, suffix, _ := strings.Cut(rest, "-")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || places[n] == 0 {
			continue
		}
		format := prefix + "%d"
		if suffix != "" {
			format += "-" + suffix
		}
		if prefix == "bot-" {
			return format, places[n], 0
		}
		return format, 0, places[n]
	}
	return id, 0, 0
}

// lastBot is the bot's latest message.
func (r *player) lastBot() model.Message {
	for i := len(r.t.steps) - 1; i >= 0; i-- {
		ms := r.t.steps[i].msgs
		for j := len(ms) - 1; j >= 0; j-- {
			if ms[j].Sender == model.SenderBot {
				return ms[j].Message
			}
		}
	}
	return model.Message{}
}

// explanation is what the history reads of a bot reply's explanation.
type explanation struct {
	Step   string `json:"step"`
	Detail string `json:"detail"`
	Order  string `json:"order"`
}

// personal reports whether the reply is about the buyer's own orders.
func (e explanation) personal() bool {
	for _, p := range []string{"order.", "refund.", "task."} {
		if strings.HasPrefix(e.Detail, p) {
			return true
		}
	}
	return e.Order != ""
}

func explainOf(m model.Message) explanation {
	var meta struct {
		Explain explanation `json:"explain"`
	}
	_ = json.Unmarshal([]byte(m.Meta), &meta) // a message without one explains nothing
	return meta.Explain
}
