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

// loadTest is the state of one run: the agents with their caps, the
// conversations queued, and the failures of the concurrent calls.
type loadTest struct {
	w        *world
	routers  []*Service
	names    []string
	caps     map[int64]int
	queued   map[int64]model.Conversation
	ctx      context.Context
	kicks    []chan struct{}
	failures sync.Map
}

const loadConversations, loadAgents = 1000, 20

// neverOn stay offline throughout: they must get nothing.
var neverOn = []string{"agent18", "agent19"}

func thousand(t *testing.T, nodes int) {
	lt := newLoadTest(t, nodes)
	ctx, stop := context.WithCancel(lt.w.ctx)
	lt.ctx = ctx
	var wg sync.WaitGroup
	lt.startWorkers(&wg)
	wg.Go(lt.toggleAgents)
	lt.closeUntilServed(t)
	stop()
	wg.Wait()
	lt.failures.Range(func(k, _ any) bool { t.Errorf("concurrent call failed: %v", k); return true })
	checkLog(t, lt.w, lt.queued, lt.caps, neverOn, nodes == 1)
}

// newLoadTest makes 20 agents (even ones online, caps 1-6), two groups
// with different strategies and the general queue (sticky), and queues
// 1,000 conversations in them with priorities 0, 10 and 20.
func newLoadTest(t *testing.T, nodes int) *loadTest {
	w := newWorld(t)
	lt := &loadTest{w: w, routers: []*Service{w.route}, caps: map[int64]int{}, queued: map[int64]model.Conversation{}}
	for range nodes - 1 {
		lt.routers = append(lt.routers, New(Options{Store: w.db, Chat: w.chat, Bus: bus.NewLocal(), Now: w.clk.Now}))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range loadAgents {
		name := fmt.Sprintf("agent%02d", i)
		status := model.StatusOffline
		if i%2 == 0 && !slices.Contains(neverOn, name) {
			status = model.StatusOnline
		}
		maxChats := 1 + rng.IntN(6)
		lt.caps[w.agent(name, status, maxChats)] = maxChats
		lt.names = append(lt.names, name)
	}
	pre := w.group("售前", lt.names[0:9]...)
	post := w.group("售后", slices.Concat(lt.names[7:16], neverOn)...)
	w.config(func(c *Config) {
		c.Groups = []GroupRule{{GroupID: pre, Strategy: RoundRobin}, {GroupID: post, Strategy: LeastBusy}}
		c.Strategy = Sticky
		c.EscalateMinutes, c.AgentSilentMinutes, c.IdleCloseMinutes = 0, 0, 0
	})
	groups := []int64{pre, post, 0}
	for i := range loadConversations {
		c := w.wait(fmt.Sprintf("buyer%d", i%700), groups[rng.IntN(3)], rng.IntN(3)*10)
		lt.queued[c.ID] = c
	}
	return lt
}

func (lt *loadTest) fail(err error) {
	if err != nil && lt.ctx.Err() == nil {
		lt.failures.Store(err.Error(), true)
	}
}

// startWorkers runs four drainers (on one node or two) and the sweep,
// each woken by every change, as bus events wake them in production.
func (lt *loadTest) startWorkers(wg *sync.WaitGroup) {
	nodes := len(lt.routers)
	shop := lt.w.shop.ID
	workers := []func() error{
		func() error { return lt.routers[0].DrainShop(lt.ctx, shop) },
		func() error { return lt.routers[1%nodes].DrainShop(lt.ctx, shop) },
		func() error { return lt.routers[0].DrainShop(lt.ctx, shop) },
		func() error { return lt.routers[1%nodes].DrainShop(lt.ctx, shop) },
		func() error { return lt.w.route.Sweep(lt.ctx) },
	}
	lt.kicks = make([]chan struct{}, len(workers))
	for i := range workers {
		lt.kicks[i] = make(chan struct{}, 1)
	}
	for i, work := range workers {
		wg.Go(func() {
			for {
				select {
				case <-lt.ctx.Done():
					return
				case <-lt.kicks[i]:
					lt.fail(work())
				}
			}
		})
	}
	lt.kickAll()
}

func (lt *loadTest) kickAll() {
	for _, k := range lt.kicks {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// toggleAgents sets random agents (never the two kept offline) online,
// offline or busy until the run ends.
func (lt *loadTest) toggleAgents() {
	r := rand.New(rand.NewPCG(3, 4))
	for lt.ctx.Err() == nil {
		name := lt.names[r.IntN(loadAgents-len(neverOn))]
		status := []model.AgentStatus{model.StatusOnline, model.StatusOffline, model.StatusBusy}[r.IntN(3)]
		lt.fail(lt.w.db.SetAgentStatus(lt.ctx, lt.w.shop.ID, lt.w.agents[name], status))
		lt.kickAll()
		time.Sleep(time.Millisecond) // pacing, so the drainers get turns
	}
}

// closeUntilServed closes random conversations agents hold, freeing room,
// until every queued conversation has been served and closed. When nobody
// holds anything it puts one agent of each group online.
func (lt *loadTest) closeUntilServed(t *testing.T) {
	w, names := lt.w, lt.names
	closed := 0
	r := rand.New(rand.NewPCG(5, 6))
	for round := 0; closed < loadConversations; round++ {
		if round > 100*loadConversations {
			t.Fatalf("only %d of %d conversations served", closed, loadConversations)
		}
		held, err := w.db.ListConversations(w.ctx, store.ConversationFilter{ShopID: w.shop.ID, Owners: []model.Owner{model.OwnerAgent}, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		if len(held) == 0 {
			for _, name := range []string{names[r.IntN(7)], names[7+r.IntN(9)], names[16+r.IntN(2)]} {
				lt.fail(w.db.SetAgentStatus(w.ctx, w.shop.ID, w.agents[name], model.StatusOnline))
			}
			lt.kickAll()
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
		lt.kickAll()
	}
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
