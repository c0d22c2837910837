package route

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestThousandConversations queues 1,000 conversations in two groups and
// the general queue, then drains them with 20 agents (caps 1 to 6) while
// agents go on and off line, agents close conversations, and several
// drainers and the sweep run at once. Afterwards the event log shows that
// no agent ever held more than their cap, no conversation was assigned
// twice or lost, no assignment went to an agent who was offline the whole
// time, and each queue was served in priority order, then waiting time.
//
// With two nodes (two routers on one store, each serialising only its own
// drains) the store alone keeps caps and single assignment; the order of
// two assignments racing on different nodes is not defined, so only one
// node checks it.
func TestThousandConversations(t *testing.T) {
	for _, nodes := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d nodes", nodes), func(t *testing.T) { thousand(t, nodes) })
	}
}

func thousand(t *testing.T, nodes int) {
	const conversations, agents = 1000, 20
	w := newWorld(t)
	routers := []*Service{w.route}
	for range nodes - 1 {
		routers = append(routers, New(Options{Store: w.db, Chat: w.chat, Bus: bus.NewLocal(), Now: w.clk.Now}))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	caps := map[int64]int{}
	var names []string
	for i := range agents {
		name := fmt.Sprintf("agent%02d", i)
		status := model.StatusOffline
		if i%2 == 0 {
			status = model.StatusOnline
		}
		maxChats := 1 + rng.IntN(6)
		caps[w.agent(name, status, maxChats)] = maxChats
		names = append(names, name)
	}
	// agent18 and agent19 stay offline throughout: they must get nothing.
	neverOn := []string{"agent18", "agent19"}
	w.status("agent18", model.StatusOffline)
	pre := w.group("售前", names[0:9]...)
	post := w.group("售后", slices.Concat(names[7:16], neverOn)...)
	w.config(func(c *Config) {
		c.Groups = []GroupRule{{GroupID: pre, Strategy: RoundRobin}, {GroupID: post, Strategy: LeastBusy}}
		c.Strategy = Sticky
		c.EscalateMinutes, c.AgentSilentMinutes, c.IdleCloseMinutes = 0, 0, 0
	})
	groups := []int64{pre, post, 0}
	queued := map[int64]model.Conversation{}
	for i := range conversations {
		c := w.wait(fmt.Sprintf("buyer%d", i%700), groups[rng.IntN(3)], rng.IntN(3)*10)
		queued[c.ID] = c
	}

	ctx, stop := context.WithCancel(w.ctx)
	var wg sync.WaitGroup
	var failures sync.Map
	fail := func(err error) {
		if err != nil && ctx.Err() == nil {
			failures.Store(err.Error(), true)
		}
	}
	// Four drainers and the sweep wake on every change, as bus events
	// wake them in production.
	workers := []func() error{
		func() error { return routers[0].DrainShop(ctx, w.shop.ID) },
		func() error { return routers[(1)%nodes].DrainShop(ctx, w.shop.ID) },
		func() error { return routers[0].DrainShop(ctx, w.shop.ID) },
		func() error { return routers[(1)%nodes].DrainShop(ctx, w.shop.ID) },
		func() error { return w.route.Sweep(ctx) },
	}
	kicks := make([]chan struct{}, len(workers))
	kickAll := func() {
		for _, k := range kicks {
			select {
			case k <- struct{}{}:
			default:
			}
		}
	}
	for i, work := range workers {
		kicks[i] = make(chan struct{}, 1)
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-kicks[i]:
					fail(work())
				}
			}
		})
	}
	kickAll()
	wg.Go(func() { // agents go on and off line
		r := rand.New(rand.NewPCG(3, 4))
		for ctx.Err() == nil {
			name := names[r.IntN(agents-2)]
			status := []model.AgentStatus{model.StatusOnline, model.StatusOffline, model.StatusBusy}[r.IntN(3)]
			fail(w.db.SetAgentStatus(ctx, w.shop.ID, w.agents[name], status))
			kickAll()
			time.Sleep(time.Millisecond)
		}
	})
	closed := 0
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; closed < conversations; round++ {
		if round > 100*conversations {
			t.Fatalf("only %d of %d conversations served", closed, conversations)
		}
		held, err := w.db.ListConversations(w.ctx, store.ConversationFilter{ShopID: w.shop.ID, Owners: []model.Owner{model.OwnerAgent}, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(held) == 0 {
			// Nobody holds anything: make sure someone can take the queue.
			fail(w.db.SetAgentStatus(w.ctx, w.shop.ID, w.agents[names[r.IntN(7)]], model.StatusOnline))
			fail(w.db.SetAgentStatus(w.ctx, w.shop.ID, w.agents[names[7+r.IntN(9)]], model.StatusOnline))
			fail(w.db.SetAgentStatus(w.ctx, w.shop.ID, w.agents[names[16+r.IntN(2)]], model.StatusOnline))
			kickAll()
			time.Sleep(time.Millisecond)
			continue
		}
		for _, c := range held[:1+r.IntN(len(held))] {
			_, _, err := w.chat.ChangeOwner(w.ctx, store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID, From: model.OwnerAgent,
				FromAgentID: c.AgentID, To: model.OwnerClosed, Reason: "done"})
			if err == nil {
				closed++
			}
		}
		kickAll()
	}
	stop()
	wg.Wait()
	failures.Range(func(k, _ any) bool { t.Errorf("concurrent call failed: %v", k); return true })
	checkLog(t, w, queued, caps, neverOn, nodes == 1)
}

// checkLog replays every conversation's events in commit order (SQLite's
// one writer makes ids that order).
func checkLog(t *testing.T, w *world, queued map[int64]model.Conversation, caps map[int64]int, neverOn []string, ordered bool) {
	t.Helper()
	var log []model.Event
	for id := range queued {
		evs, err := w.db.ListEvents(w.ctx, w.shop.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, evs...)
	}
	slices.SortFunc(log, func(a, b model.Event) int { return cmp.Compare(a.ID, b.ID) })
	load := map[int64]int{}
	holder := map[int64]int64{}
	assigned := map[int64]int{}
	order := map[int64][]int64{} // group → conversations in the order they were assigned
	for _, e := range log {
		if e.FromOwner == model.OwnerAgent {
			load[holder[e.ConversationID]]--
		}
		if e.ToOwner != model.OwnerAgent {
			continue
		}
		holder[e.ConversationID] = e.AgentID
		load[e.AgentID]++
		assigned[e.ConversationID]++
		if load[e.AgentID] > caps[e.AgentID] {
			t.Fatalf("event %d: agent %d holds %d conversations, cap %d", e.ID, e.AgentID, load[e.AgentID], caps[e.AgentID])
		}
		g := queued[e.ConversationID].GroupID
		order[g] = append(order[g], e.ConversationID)
	}
	for id := range queued {
		if assigned[id] != 1 {
			t.Fatalf("conversation %d assigned %d times", id, assigned[id])
		}
		if c := w.get(queued[id]); c.Owner != model.OwnerClosed {
			t.Fatalf("conversation %d lost: %s", id, c.Owner)
		}
	}
	for _, n := range neverOn {
		for _, e := range log {
			if e.ToOwner == model.OwnerAgent && e.AgentID == w.agents[n] {
				t.Fatalf("%s, offline throughout, got conversation %d", n, e.ConversationID)
			}
		}
	}
	for g, ids := range order {
		if !ordered {
			break
		}
		want := slices.Clone(ids)
		slices.SortStableFunc(want, func(a, b int64) int {
			ca, cb := queued[a], queued[b]
			return cmp.Or(cmp.Compare(cb.Priority, ca.Priority), ca.UpdatedAt.Compare(cb.UpdatedAt), cmp.Compare(a, b))
		})
		if !slices.Equal(ids, want) {
			t.Fatalf("group %d was not served in priority order", g)
		}
	}
	t.Logf("%d events replayed; %d conversations each assigned once, caps held", len(log), len(queued))
}
