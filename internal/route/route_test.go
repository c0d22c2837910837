package route

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// clock is the tests' time: it moves only when a test says so.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// world is a shop with agents and groups, the chat service and the router
// on a fresh SQLite store, and a recorder of bus events.
type world struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clk    *clock
	chat   *chat.Service
	route  *Service
	shop   model.Shop
	agents map[string]int64
	groups map[string]int64
	mu     sync.Mutex
	events []bus.Event
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clk := &clock{}
	clk.ns.Store(time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC).UnixNano())
	ctx := context.Background()
	db, err := store.Open(ctx, store.Options{DSN: t.TempDir() + "/route.db", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, ctx: ctx, db: db, clk: clk, agents: map[string]int64{}, groups: map[string]int64{}}
	broker := bus.NewLocal()
	broker.Subscribe(func(e bus.Event) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.events = append(w.events, e)
	})
	w.chat = chat.New(chat.Options{Store: db, Bus: broker})
	w.route = New(Options{Store: db, Chat: w.chat, Bus: broker, Now: clk.Now})
	if w.shop, err = db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// agent adds an agent with a status and a cap.
func (w *world) agent(name string, status model.AgentStatus, maxChats int) int64 {
	w.t.Helper()
	a, err := w.db.CreateAccount(w.ctx, model.Account{Username: name, DisplayName: name})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.db.AddMember(w.ctx, model.Membership{ShopID: w.shop.ID, AccountID: a.ID, Role: "agent", Status: status, MaxChats: maxChats}); err != nil {
		w.t.Fatal(err)
	}
	w.agents[name] = a.ID
	return a.ID
}

// group makes an agent group of the named agents.
func (w *world) group(name string, members ...string) int64 {
	w.t.Helper()
	g, err := w.db.CreateGroup(w.ctx, store.Group{ShopID: w.shop.ID, Name: name})
	if err != nil {
		w.t.Fatal(err)
	}
	var ids []int64
	for _, m := range members {
		ids = append(ids, w.agents[m])
	}
	if err := w.db.SetGroupMembers(w.ctx, w.shop.ID, g.ID, ids); err != nil {
		w.t.Fatal(err)
	}
	w.groups[name] = g.ID
	return g.ID
}

func (w *world) config(change func(*Config)) {
	w.t.Helper()
	c := DefaultConfig()
	change(&c)
	if err := w.route.PutConfig(w.ctx, w.shop.ID, c, func(string) bool { return true }); err != nil {
		w.t.Fatal(err)
	}
}

// wait opens a conversation for a buyer and hands it to a group's queue
// with a priority; the clock then moves a second, so waits differ.
func (w *world) wait(buyer string, groupID int64, priority int) model.Conversation {
	w.t.Helper()
	b, err := w.db.EnsureVisitor(w.ctx, w.shop.ID, buyer)
	if err != nil {
		w.t.Fatal(err)
	}
	c, err := w.db.CreateConversation(w.ctx, w.shop.ID, b.ID, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	c, _, err = w.chat.ChangeOwner(w.ctx, store.OwnerChange{ShopID: w.shop.ID, ConversationID: c.ID, From: model.OwnerBot,
		To: model.OwnerQueue, GroupID: groupID, Priority: &priority, Reason: "human_request"})
	if err != nil {
		w.t.Fatal(err)
	}
	w.clk.Advance(time.Second)
	return c
}

func (w *world) get(c model.Conversation) model.Conversation {
	w.t.Helper()
	got, err := w.db.GetConversation(w.ctx, w.shop.ID, c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return got
}

func (w *world) drain() {
	w.t.Helper()
	if err := w.route.DrainShop(w.ctx, w.shop.ID); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) status(name string, s model.AgentStatus) {
	w.t.Helper()
	if err := w.db.SetAgentStatus(w.ctx, w.shop.ID, w.agents[name], s); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) close(c model.Conversation) {
	w.t.Helper()
	c = w.get(c)
	if _, _, err := w.chat.ChangeOwner(w.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: c.Owner,
		FromAgentID: c.AgentID, To: model.OwnerClosed, Reason: "closed_by_agent"}); err != nil {
		w.t.Fatal(err)
	}
}

// nameOf is the agent name of an account id ("" for none).
func (w *world) nameOf(id int64) string {
	for n, a := range w.agents {
		if a == id {
			return n
		}
	}
	return ""
}

// lastReason is the reason of the conversation's newest event.
func (w *world) lastReason(c model.Conversation) string {
	w.t.Helper()
	evs, err := w.db.ListEvents(w.ctx, c.ShopID, c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	return evs[len(evs)-1].Reason
}

// positions returns the last queue position published per conversation.
func (w *world) positions() map[int64]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int64]int{}
	for _, e := range w.events {
		if e.Type == bus.TypeQueue {
			var q QueueEvent
			if err := json.Unmarshal(e.Data, &q); err != nil {
				w.t.Fatal(err)
			}
			out[e.ConversationID] = q.Position
		}
	}
	return out
}

func names(w *world, cs []model.Conversation) []string {
	var out []string
	for _, c := range cs {
		c = w.get(c)
		switch c.Owner {
		case model.OwnerAgent:
			out = append(out, w.nameOf(c.AgentID))
		default:
			out = append(out, string(c.Owner))
		}
	}
	return out
}

func TestStrategies(t *testing.T) {
	type ag struct {
		name   string
		status model.AgentStatus
		cap    int
		load   int // conversations the agent holds before the queue drains
	}
	tests := []struct {
		name     string
		strategy Strategy
		agents   []ag
		sticky   map[int]string // conversation index → the buyer's last agent
		waiting  int
		want     []string
	}{
		{"round robin skips offline, busy and away agents", RoundRobin,
			[]ag{{"ann", model.StatusOnline, 5, 0}, {"bob", model.StatusOffline, 5, 0}, {"cat", model.StatusOnline, 5, 0},
				{"dan", model.StatusBusy, 5, 0}, {"eve", model.StatusAway, 5, 0}},
			nil, 4, []string{"ann", "cat", "ann", "cat"}},
		{"round robin stops at the caps; the rest wait", RoundRobin,
			[]ag{{"ann", model.StatusOnline, 1, 0}, {"bob", model.StatusOnline, 2, 0}},
			nil, 5, []string{"ann", "bob", "bob", "queue", "queue"}},
		{"least busy fills the emptiest first", LeastBusy,
			[]ag{{"ann", model.StatusOnline, 5, 3}, {"bob", model.StatusOnline, 5, 1}, {"cat", model.StatusOnline, 5, 0}},
			nil, 4, []string{"cat", "bob", "cat", "bob"}},
		{"least busy never passes a cap", LeastBusy,
			[]ag{{"ann", model.StatusOnline, 1, 1}, {"bob", model.StatusOnline, 2, 0}, {"cat", model.StatusOffline, 9, 0}},
			nil, 3, []string{"bob", "bob", "queue"}},
		{"sticky returns buyers to their last agent", Sticky,
			[]ag{{"ann", model.StatusOnline, 5, 0}, {"bob", model.StatusOnline, 5, 2}, {"cat", model.StatusOffline, 5, 0}},
			map[int]string{0: "bob", 1: "cat"}, 3, []string{"bob", "ann", "ann"}},
		{"sticky to a full agent falls back to least busy", Sticky,
			[]ag{{"ann", model.StatusOnline, 1, 1}, {"bob", model.StatusOnline, 5, 0}},
			map[int]string{0: "ann"}, 1, []string{"bob"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for _, a := range tt.agents {
				w.agent(a.name, model.StatusOnline, a.cap)
			}
			var names0 []string
			for _, a := range tt.agents {
				names0 = append(names0, a.name)
			}
			g := w.group("g", names0...)
			w.config(func(c *Config) {
				c.Groups = []GroupRule{{GroupID: g, Categories: []string{"presale"}, Strategy: tt.strategy}}
			})
			// Earlier conversations make the loads and the buyers' histories.
			for _, a := range tt.agents {
				for i := range a.load {
					c := w.wait(fmt.Sprintf("old-%s-%d", a.name, i), 0, 0)
					if _, _, err := w.chat.ChangeOwner(w.ctx, store.OwnerChange{ShopID: w.shop.ID, ConversationID: c.ID,
						From: model.OwnerQueue, To: model.OwnerAgent, AgentID: w.agents[a.name], Reason: "taken"}); err != nil {
						t.Fatal(err)
					}
				}
			}
			for i, agentName := range tt.sticky {
				c := w.wait(fmt.Sprintf("buyer-%d", i), 0, 0)
				if _, _, err := w.chat.ChangeOwner(w.ctx, store.OwnerChange{ShopID: w.shop.ID, ConversationID: c.ID,
					From: model.OwnerQueue, To: model.OwnerAgent, AgentID: w.agents[agentName], Reason: "taken"}); err != nil {
					t.Fatal(err)
				}
				w.close(c)
			}
			for _, a := range tt.agents {
				w.status(a.name, a.status)
			}
			var cs []model.Conversation
			for i := range tt.waiting {
				cs = append(cs, w.wait(fmt.Sprintf("buyer-%d", i), g, 0))
			}
			w.drain()
			if got := names(w, cs); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("assigned %v, want %v", got, tt.want)
			}
			for _, c := range cs {
				if c = w.get(c); c.Owner == model.OwnerAgent && w.lastReason(c) != "auto:"+string(tt.strategy) {
					t.Fatalf("reason %q", w.lastReason(c))
				}
			}
		})
	}
}
