package notify

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Alert is a workbench alert: the Data of a bus alert event, sent to the
// agent's sockets as the "alert" frame (docs/protocol.md). The workbench
// plays Sound at Volume, shows a desktop notification when Desktop and it
// is in the background, and flashes its title when FlashTitle.
type Alert struct {
	Type           string `json:"type"` // "alert"
	Event          string `json:"event"`
	ConversationID int64  `json:"conversation_id,omitempty"`
	Sound          string `json:"sound,omitempty"` // one of Sounds; none when empty
	Volume         int    `json:"volume"`          // 0-100
	Desktop        bool   `json:"desktop"`
	FlashTitle     bool   `json:"flash_title"`
	Title          string `json:"title"` // in the shop's language
	Body           string `json:"body"`
}

// Handle takes bus events on the publisher's goroutine, so it only queues:
// this node's conversation, message and notify events become workbench
// alerts (and a message left out of hours a fact for pushes); a member
// change refreshes the shop's view.
func (s *Service) Handle(e bus.Event) {
	switch e.Type {
	case bus.TypeMember:
		s.invalidate(e.ShopID)
		if e.Node == s.node {
			s.alerts.push(e) // subscriptions may change with the members
		}
	case bus.TypeConversation, bus.TypeMessage, bus.TypeNotify:
		if e.Node == s.node {
			s.alerts.push(e)
			s.Kick() // a fact may be in the outbox
		}
	}
}

// runAlerts works through the queued events until ctx ends.
func (s *Service) runAlerts(ctx context.Context) {
	for {
		e, ok := s.alerts.pop(ctx)
		if !ok {
			return
		}
		s.handleEvent(context.WithoutCancel(ctx), e)
	}
}

// handleEvent makes the alerts of one bus event.
func (s *Service) handleEvent(ctx context.Context, e bus.Event) {
	if e.Type == bus.TypeMember {
		if err := s.RefreshSubscriptions(ctx, e.ShopID); err != nil {
			s.log.Warn("notify: subscriptions", "shop", e.ShopID, "err", err)
		}
		return
	}
	h, ok := happeningOfEvent(e)
	if !ok {
		return
	}
	v, err := s.view(ctx, e.ShopID)
	if err != nil {
		s.log.Warn("notify: shop view", "shop", e.ShopID, "err", err)
		return
	}
	if h.kind == store.FactOffline && wantsPush(v, EventOffline) {
		extra, _ := json.Marshal(factExtra{Reason: h.reason, Text: h.text})
		c := h.conv
		_, err := s.st.AddFact(ctx, store.Fact{ShopID: e.ShopID, Kind: store.FactOffline, ConversationID: c.ID,
			Data: store.FactData{Conversation: &c, Extra: extra}}, "")
		if err != nil {
			s.log.Error("notify: record offline message", "conversation", c.ID, "err", err)
		}
		s.Kick()
	}
	s.alert(ctx, v, h)
}

// alert publishes a workbench alert to each member who keeps the event on
// in the workbench.
func (s *Service) alert(ctx context.Context, v *shopView, h happening) {
	for _, n := range s.audience(ctx, v, h) {
		if !n.pref.Workbench {
			continue
		}
		a := Alert{Type: "alert", Event: n.event, ConversationID: h.conv.ID, Sound: n.pref.Sound, Volume: n.prefs.Volume,
			Desktop: n.prefs.Desktop, FlashTitle: n.prefs.FlashTitle}
		m := renderNotice("", s.noticeOf(ctx, v, h, []notice{n}))
		a.Title = m.title
		if len(m.lines) > 0 {
			a.Body = m.lines[0]
		}
		if len(m.lines) > 1 && h.message != nil {
			a.Body += " " + m.lines[1]
		}
		raw, _ := json.Marshal(a)
		err := s.bus.Publish(ctx, bus.Event{Type: bus.TypeAlert, ShopID: v.shop.ID, ConversationID: h.conv.ID,
			AccountID: n.member.id, Node: s.node, Data: raw})
		if err != nil {
			s.log.Warn("notify: publish alert", "err", err)
		}
	}
}

// offlineEvent is the Data of the bot's notify event (bot.NotifyEvent).
type offlineEvent struct {
	Kind    string `json:"kind"` // offline_message
	Reason  string `json:"reason"`
	BuyerID int64  `json:"buyer_id"`
	Text    string `json:"text"`
}

// happeningOfEvent reads a bus event.
func happeningOfEvent(e bus.Event) (happening, bool) {
	h := happening{shopID: e.ShopID}
	switch e.Type {
	case bus.TypeConversation:
		var ce chat.ConversationEvent
		if json.Unmarshal(e.Data, &ce) != nil || ce.Event.Kind == "opened" {
			return h, false
		}
		cj := ce.Conversation
		h.kind, h.at = store.FactOwner, ce.Event.CreatedAt
		h.conv = model.Conversation{ID: cj.ID, ShopID: cj.ShopID, BuyerID: cj.BuyerID, Owner: model.Owner(cj.Owner),
			AgentID: cj.AgentID, GroupID: cj.GroupID}
		h.from, h.prevAgent, h.actorID, h.reason = model.Owner(ce.Event.From), ce.PrevAgentID, ce.Event.ActorID, ce.Event.Reason
	case bus.TypeMessage:
		var me chat.MessageEvent
		if json.Unmarshal(e.Data, &me) != nil {
			return h, false
		}
		m := me.Message
		h.kind, h.at = store.FactMessage+m.Sender, m.CreatedAt
		h.message = &model.Message{ID: m.ID, ShopID: e.ShopID, ConversationID: m.ConversationID, Seq: m.Seq,
			Sender: model.SenderKind(m.Sender), SenderID: m.SenderID, Kind: model.MessageKind(m.Kind), Body: m.Body}
		h.conv = model.Conversation{ID: m.ConversationID, ShopID: e.ShopID, Owner: model.Owner(me.Owner), AgentID: me.AgentID, GroupID: me.GroupID}
		if m.Sender == string(model.SenderBuyer) {
			h.conv.BuyerID = m.SenderID
		}
		if h.message.Kind == model.KindImage {
			h.message.Body = "[image]"
		}
	case bus.TypeNotify:
		var oe offlineEvent
		if json.Unmarshal(e.Data, &oe) != nil || oe.Kind != "offline_message" {
			return h, false
		}
		h.kind, h.reason, h.text = store.FactOffline, oe.Reason, oe.Text
		h.conv = model.Conversation{ID: e.ConversationID, ShopID: e.ShopID, BuyerID: oe.BuyerID, Owner: model.Owner(e.Owner), GroupID: e.GroupID}
	default:
		return h, false
	}
	return h, true
}

// alertQueue is an unbounded FIFO of bus events: the bus must never wait
// for notifications.
type alertQueue struct {
	mu    sync.Mutex
	items []bus.Event
	ready chan struct{}
}

func newAlertQueue() alertQueue { return alertQueue{ready: make(chan struct{}, 1)} }

func (q *alertQueue) push(e bus.Event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *alertQueue) pop(ctx context.Context) (bus.Event, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			e := q.items[0]
			q.items = q.items[1:]
			q.mu.Unlock()
			return e, true
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-ctx.Done():
			return bus.Event{}, false
		}
	}
}

// alertsOfFacts makes the workbench alerts of facts that reach notify only
// through the outbox (a bad rating, a long wait), once they are taken.
func (s *Service) alertsOfFacts(ctx context.Context, facts []store.Fact) {
	for _, f := range facts {
		if f.Kind != store.FactRated && f.Kind != store.FactWaiting {
			continue
		}
		v, err := s.view(ctx, f.ShopID)
		if err != nil {
			continue
		}
		s.alert(ctx, v, happeningOf(f))
	}
}
