package route

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func TestPriorityThenWaitingTime(t *testing.T) {
	w := newWorld(t)
	w.agent("ann", model.StatusOffline, 1)
	normal1 := w.wait("n1", 0, 0)
	vip := w.wait("vip", 0, 10)
	normal2 := w.wait("n2", 0, 0)
	complaint := w.wait("angry", 0, 20)
	w.drain()
	pos := w.positions()
	want := map[int64]int{complaint.ID: 1, vip.ID: 2, normal1.ID: 3, normal2.ID: 4}
	for id, p := range want {
		if pos[id] != p {
			t.Fatalf("positions %v, want %v", pos, want)
		}
	}
	for _, c := range []model.Conversation{complaint, vip, normal1} {
		if p, err := w.route.Position(w.ctx, w.get(c)); err != nil || p != want[c.ID] {
			t.Fatalf("Position(%d) = %d, %v; want %d", c.ID, p, err, want[c.ID])
		}
	}
	// The agent comes online with room for one: the complaint goes first;
	// each close frees a place for the next, highest priority then oldest.
	w.status("ann", model.StatusOnline)
	order := []model.Conversation{complaint, vip, normal1, normal2}
	for i, c := range order {
		w.drain()
		if got := w.get(c); got.Owner != model.OwnerAgent {
			t.Fatalf("step %d: conversation %d is %s, want assigned", i, c.ID, got.Owner)
		}
		for _, later := range order[i+1:] {
			if got := w.get(later); got.Owner != model.OwnerQueue {
				t.Fatalf("step %d: conversation %d jumped the queue", i, later.ID)
			}
		}
		if i+1 < len(order) && w.positions()[order[i+1].ID] != 1 {
			t.Fatalf("step %d: next in line told position %d, want 1", i, w.positions()[order[i+1].ID])
		}
		w.close(c)
	}
}

func TestGroupsAndCapRaise(t *testing.T) {
	w := newWorld(t)
	w.agent("pre", model.StatusOnline, 1)
	w.agent("post", model.StatusOnline, 1)
	presale := w.group("售前", "pre")
	aftersale := w.group("售后", "post")
	w.config(func(c *Config) {
		c.Groups = []GroupRule{{GroupID: presale, Categories: []string{"presale", "shipping"}},
			{GroupID: aftersale, Categories: []string{"aftersale", "order"}, Intents: []string{"complaint"}}}
	})
	cfg, err := w.route.Config(w.ctx, w.shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		intent, category string
		want             int64
	}{
		{"product.size", "presale", presale}, {"order.logistics", "order", aftersale}, {"complaint", "handoff", aftersale},
		{"human", "handoff", 0}, {"shipping.fee", "shipping", presale},
	} {
		if got := cfg.GroupFor(tt.intent, tt.category); got != tt.want {
			t.Errorf("GroupFor(%s, %s) = %d, want %d", tt.intent, tt.category, got, tt.want)
		}
	}
	a1, a2 := w.wait("a1", aftersale, 0), w.wait("a2", aftersale, 0)
	w.drain()
	if got := names(w, []model.Conversation{a1, a2}); got[0] != "post" || got[1] != "queue" {
		t.Fatalf("after-sales queue: %v; the pre-sales agent must not take it", got)
	}
	m, _ := w.db.GetMember(w.ctx, w.shop.ID, w.agents["post"])
	m.MaxChats = 2
	if err := w.db.UpdateMember(w.ctx, m.Membership); err != nil {
		t.Fatal(err)
	}
	w.drain()
	if got := names(w, []model.Conversation{a2}); got[0] != "post" {
		t.Fatalf("after the cap was raised: %v", got)
	}
	if on, err := w.route.OnDuty(w.ctx, w.shop.ID, presale); err != nil || !on {
		t.Fatalf("OnDuty(presale) = %v, %v", on, err)
	}
	w.status("pre", model.StatusAway)
	if on, _ := w.route.OnDuty(w.ctx, w.shop.ID, presale); on {
		t.Fatal("a group whose only agent is away is on duty")
	}
}

func TestTransfer(t *testing.T) {
	w := newWorld(t)
	w.agent("ann", model.StatusOnline, 5)
	w.agent("bob", model.StatusBusy, 1)
	w.agent("cat", model.StatusOffline, 5)
	post := w.group("售后", "bob")
	c := w.wait("b", 0, 0)
	w.drain()
	if got := w.get(c); got.AgentID != w.agents["ann"] {
		t.Fatalf("first assignment to %s", w.nameOf(got.AgentID))
	}
	tr := func(toAgent, toGroup int64, note string) (model.Conversation, error) {
		return w.route.Transfer(w.ctx, Transfer{ShopID: w.shop.ID, ConversationID: c.ID, ActorID: w.agents["ann"],
			ToAgent: toAgent, ToGroup: toGroup, Note: note})
	}
	if _, err := tr(w.agents["cat"], 0, ""); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("transfer to an offline agent: %v", err)
	}
	if _, err := tr(0, 0, ""); !errors.Is(err, ErrNoTarget) {
		t.Fatalf("transfer to nobody: %v", err)
	}
	if _, err := tr(w.agents["ann"], 0, ""); !errors.Is(err, ErrSameTarget) {
		t.Fatalf("transfer to oneself: %v", err)
	}
	if _, err := tr(0, 9999, ""); !errors.Is(err, ErrNoGroup) {
		t.Fatalf("transfer to a missing group: %v", err)
	}
	if _, err := tr(w.agents["bob"], 0, strings.Repeat("长", MaxTransferNote+1)); !errors.Is(err, ErrNoteTooLong) {
		t.Fatalf("long note: %v", err)
	}
	got, err := tr(w.agents["bob"], 0, "买家要换货，订单 1234")
	if err != nil || got.AgentID != w.agents["bob"] {
		t.Fatalf("transfer to a busy agent with room: %+v, %v", got, err)
	}
	if r := w.lastReason(c); r != "transferred: 买家要换货，订单 1234" {
		t.Fatalf("reason the receiver sees: %q", r)
	}
	// bob is now full: a second conversation cannot be pushed on him.
	other := w.wait("b2", 0, 0)
	w.drain()
	if _, err := w.route.Transfer(w.ctx, Transfer{ShopID: w.shop.ID, ConversationID: other.ID, ToAgent: w.agents["bob"]}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("transfer to a full agent: %v", err)
	}
	// To a group: it waits in that queue, keeps its priority, and is
	// assigned there when someone has room.
	got, err = w.route.Transfer(w.ctx, Transfer{ShopID: w.shop.ID, ConversationID: other.ID, ToGroup: post, Note: "售后问题"})
	if err != nil || got.Owner != model.OwnerQueue || got.GroupID != post {
		t.Fatalf("transfer to a group: %+v, %v", got, err)
	}
	w.close(c)
	w.drain()
	if got := w.get(other); got.Owner != model.OwnerQueue {
		t.Fatalf("a busy agent got a conversation from the queue: %+v", got)
	}
	w.status("bob", model.StatusOnline)
	w.drain()
	if got := w.get(other); got.AgentID != w.agents["bob"] {
		t.Fatalf("after bob freed up, the transferred conversation went to %q", w.nameOf(got.AgentID))
	}
	w.close(other)
	if _, err := w.route.Transfer(w.ctx, Transfer{ShopID: w.shop.ID, ConversationID: other.ID, ToGroup: post}); !errors.Is(err, chat.ErrClosed) {
		t.Fatalf("transfer of a closed conversation: %v", err)
	}
}

func TestSweepTimers(t *testing.T) {
	w := newWorld(t)
	w.agent("ann", model.StatusOffline, 5)
	w.agent("bob", model.StatusOnline, 5)
	pre := w.group("售前", "ann")
	fallback := w.group("值班", "bob")
	w.config(func(c *Config) {
		c.FallbackGroup = fallback
		c.EscalateMinutes, c.AgentSilentMinutes, c.IdleCloseMinutes = 5, 30, 60
	})
	waiting := w.wait("w", pre, 3)
	b, _ := w.db.EnsureVisitor(w.ctx, w.shop.ID, "idle")
	idle, _ := w.db.CreateConversation(w.ctx, w.shop.ID, b.ID, 0)
	sweep := func(d time.Duration) {
		t.Helper()
		w.clk.Advance(d)
		if err := w.route.Sweep(w.ctx); err != nil {
			t.Fatal(err)
		}
	}
	sweep(4 * time.Minute)
	if got := w.get(waiting); got.Owner != model.OwnerQueue || got.GroupID != pre {
		t.Fatalf("escalated too early: %+v", got)
	}
	sweep(2 * time.Minute)
	got := w.get(waiting)
	if got.Owner != model.OwnerAgent || got.AgentID != w.agents["bob"] || got.Priority != 3 {
		t.Fatalf("after 6 minutes in an unserved queue: %+v, want the fallback group's agent", got)
	}
	// bob says something, then nothing for 30 minutes: back to the bot.
	if _, _, err := w.chat.Post(w.ctx, chat.Post{ShopID: w.shop.ID, ConversationID: waiting.ID, Sender: model.SenderAgent,
		SenderID: w.agents["bob"], ClientID: "a1", Body: "您好"}); err != nil {
		t.Fatal(err)
	}
	sweep(29 * time.Minute)
	if got := w.get(waiting); got.Owner != model.OwnerAgent {
		t.Fatalf("returned before 30 silent minutes: %+v", got)
	}
	sweep(2 * time.Minute)
	if got := w.get(waiting); got.Owner != model.OwnerBot || w.lastReason(got) != ReasonAgentSilent {
		t.Fatalf("after 31 silent minutes: %+v %q", got, w.lastReason(got))
	}
	if got := w.get(idle); got.Owner != model.OwnerBot {
		t.Fatalf("closed before an idle hour: %+v", got)
	}
	sweep(24 * time.Minute)
	// The untouched conversation closed after an idle hour; the returned
	// one has been idle for 24 minutes only.
	if got := w.get(idle); got.Owner != model.OwnerClosed || w.lastReason(got) != ReasonIdle {
		t.Fatalf("idle conversation: %+v", got)
	}
	if got := w.get(waiting); got.Owner != model.OwnerBot {
		t.Fatalf("returned conversation closed too early: %+v", got)
	}
	sweep(37 * time.Minute)
	if got := w.get(waiting); got.Owner != model.OwnerClosed {
		t.Fatalf("returned conversation did not close when idle: %+v", got)
	}
	// A timer set to 0 is off.
	w.config(func(c *Config) { c.IdleCloseMinutes = 0 })
	b2, _ := w.db.EnsureVisitor(w.ctx, w.shop.ID, "idle2")
	kept, _ := w.db.CreateConversation(w.ctx, w.shop.ID, b2.ID, 0)
	sweep(24 * time.Hour)
	if got := w.get(kept); got.Owner != model.OwnerBot {
		t.Fatalf("idle close turned off, still closed: %+v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	groups := []store.Group{{ID: 3, Name: "售前"}}
	known := func(s string) bool { return s == "complaint" }
	for _, tt := range []struct {
		name  string
		c     func(*Config)
		field string
	}{
		{"defaults", func(*Config) {}, ""},
		{"strategy", func(c *Config) { c.Strategy = "random" }, "strategy"},
		{"missing group", func(c *Config) { c.Groups = []GroupRule{{GroupID: 4}} }, "groups[0].group_id"},
		{"twice", func(c *Config) { c.Groups = []GroupRule{{GroupID: 3}, {GroupID: 3}} }, "groups[1].group_id"},
		{"category", func(c *Config) { c.Groups = []GroupRule{{GroupID: 3, Categories: []string{"vip"}}} }, "groups[0].categories[0]"},
		{"intent", func(c *Config) { c.Groups = []GroupRule{{GroupID: 3, Intents: []string{"nope"}}} }, "groups[0].intents[0]"},
		{"group strategy", func(c *Config) { c.Groups = []GroupRule{{GroupID: 3, Strategy: "x"}} }, "groups[0].strategy"},
		{"fallback", func(c *Config) { c.FallbackGroup = 8 }, "fallback_group"},
		{"default", func(c *Config) { c.DefaultGroup = 8 }, "default_group"},
		{"minutes", func(c *Config) { c.IdleCloseMinutes = -1 }, "idle_close_minutes"},
		{"good", func(c *Config) {
			c.Groups = []GroupRule{{GroupID: 3, Categories: []string{"presale"}, Intents: []string{"complaint"}, Strategy: Sticky}}
			c.FallbackGroup = 3
		}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.c(&c)
			err := c.Validate(groups, known)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("error %v, want field %s", err, tt.field)
			}
		})
	}
}

func TestHandleWakesTheShopsToDrain(t *testing.T) {
	w := newWorld(t)
	event := func(typ string, data any) bus.Event {
		raw, _ := json.Marshal(data)
		return bus.Event{Type: typ, ShopID: w.shop.ID, Data: raw}
	}
	conv := func(from, to string, prev int64) chat.ConversationEvent {
		return chat.ConversationEvent{Event: chat.EventJSON{From: from, To: to}, PrevAgentID: prev}
	}
	for _, tt := range []struct {
		name string
		e    bus.Event
		wake bool
	}{
		{"an agent's status or cap changed", event(bus.TypeMember, nil), true},
		{"a conversation joined a queue", event(bus.TypeConversation, conv("bot", "queue", 0)), true},
		{"an agent closed one", event(bus.TypeConversation, conv("agent", "closed", 7)), true},
		{"an agent handed one back", event(bus.TypeConversation, conv("agent", "bot", 7)), true},
		{"taken from the queue (the others move up)", event(bus.TypeConversation, conv("queue", "agent", 0)), true},
		{"the bot closed an idle one", event(bus.TypeConversation, conv("bot", "closed", 0)), false},
		{"a message", event(bus.TypeMessage, chat.MessageEvent{}), false},
		{"another node's event", func() bus.Event { e := event(bus.TypeMember, nil); e.Node = "elsewhere"; return e }(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.route.Handle(tt.e)
			if woke := slices.Contains(w.route.takeDirty(), w.shop.ID); woke != tt.wake {
				t.Fatalf("woke %v, want %v", woke, tt.wake)
			}
		})
	}
}

func TestTimersSurviveRestart(t *testing.T) {
	w := newWorld(t)
	w.agent("ann", model.StatusOnline, 5)
	c := w.wait("b", 0, 0)
	w.drain()
	// A new process: a router with nothing in memory finds the silence in
	// the store.
	w.clk.Advance(31 * time.Minute)
	fresh := New(Options{Store: w.db, Chat: w.chat, Bus: bus.NewLocal(), Now: w.clk.Now})
	if err := fresh.Sweep(w.ctx); err != nil {
		t.Fatal(err)
	}
	if got := w.get(c); got.Owner != model.OwnerBot || w.lastReason(got) != ReasonAgentSilent {
		t.Fatalf("after a restart: %+v", got)
	}
}
