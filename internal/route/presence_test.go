package route

import (
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const (
	testGrace = 20 * time.Second
	testLease = 30 * time.Second
)

// presenceOn is a node's presence over the world's store and clock.
func (w *world) presenceOn(node string) *Presence {
	return NewPresence(PresenceOptions{Store: w.db, Route: w.route, Chat: w.chat, Now: w.clk.Now, Node: node,
		Grace: testGrace, Lease: testLease})
}

func (w *world) sweep(p *Presence) int {
	w.t.Helper()
	n, err := p.Sweep(w.ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

func (w *world) statusOf(name string) model.AgentStatus {
	w.t.Helper()
	m, err := w.db.GetMember(w.ctx, w.shop.ID, w.agents[name])
	if err != nil {
		w.t.Fatal(err)
	}
	return m.Status
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// memberEvents counts the member events published for an account.
func (w *world) memberEvents(accountID int64) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, e := range w.events {
		if e.Type == bus.TypeMember && e.AccountID == accountID {
			n++
		}
	}
	return n
}

// TestPresence drives two nodes' presence with the clock: an agent stays
// online while a socket is open on either node or within the grace period
// after the last one closed, and goes offline once, when no node holds a
// live lease for them any more (a dead node's lease runs out).
func TestPresence(t *testing.T) {
	type step struct {
		do      func(w *world, n1, n2 *Presence, ann int64)
		advance time.Duration
		want    model.AgentStatus
	}
	connect := func(p func(n1, n2 *Presence) *Presence) func(w *world, n1, n2 *Presence, ann int64) {
		return func(w *world, n1, n2 *Presence, ann int64) { must(w.t, p(n1, n2).Connect(w.ctx, w.shop.ID, ann)) }
	}
	disconnect := func(p func(n1, n2 *Presence) *Presence) func(w *world, n1, n2 *Presence, ann int64) {
		return func(w *world, n1, n2 *Presence, ann int64) { must(w.t, p(n1, n2).Disconnect(w.ctx, w.shop.ID, ann)) }
	}
	heartbeat := func(w *world, n1, n2 *Presence, ann int64) {
		must(w.t, n1.Heartbeat(w.ctx))
		must(w.t, n2.Heartbeat(w.ctx))
	}
	onlyN1 := func(w *world, n1, n2 *Presence, ann int64) { must(w.t, n1.Heartbeat(w.ctx)) } // n2 is dead
	claim := func(w *world, n1, n2 *Presence, ann int64) { must(w.t, n1.Claim(w.ctx, w.shop.ID, ann)) }
	one := func(n1, n2 *Presence) *Presence { return n1 }
	two := func(n1, n2 *Presence) *Presence { return n2 }
	tests := []struct {
		name  string
		steps []step
	}{
		{"the only socket drops: offline after the grace period", []step{
			{connect(one), 0, model.StatusOnline},
			{disconnect(one), testGrace - time.Second, model.StatusOnline},
			{nil, 2 * time.Second, model.StatusOffline},
		}},
		{"a reconnect within the grace period changes nothing", []step{
			{connect(one), 0, model.StatusOnline},
			{disconnect(one), testGrace / 2, model.StatusOnline},
			{connect(one), testGrace, model.StatusOnline},
			{heartbeat, testGrace, model.StatusOnline},
		}},
		{"a reconnect to another node within the grace period changes nothing", []step{
			{connect(one), 0, model.StatusOnline},
			{disconnect(one), testGrace / 2, model.StatusOnline},
			{connect(two), testGrace, model.StatusOnline},
		}},
		{"two sockets, one drops: online as long as the other lives", []step{
			{connect(one), 0, model.StatusOnline},
			{connect(one), 0, model.StatusOnline},
			{disconnect(one), testLease / 2, model.StatusOnline},
			{heartbeat, testLease / 2, model.StatusOnline},
			{heartbeat, testLease / 2, model.StatusOnline},
			{disconnect(one), testGrace + time.Second, model.StatusOffline},
		}},
		{"a socket on each node, one node dies: online on the other", []step{
			{connect(one), 0, model.StatusOnline},
			{connect(two), testLease / 2, model.StatusOnline},
			{onlyN1, testLease / 2, model.StatusOnline},
			{onlyN1, testLease / 2, model.StatusOnline},
		}},
		{"the node holding the only socket dies: offline when its lease runs out", []step{
			{connect(two), testLease - time.Second, model.StatusOnline},
			{onlyN1, 2 * time.Second, model.StatusOffline},
		}},
		{"online through the API without any socket: offline after the grace period", []step{
			{claim, testGrace - time.Second, model.StatusOnline},
			{nil, 2 * time.Second, model.StatusOffline},
		}},
		{"a claim beside a live socket changes nothing", []step{
			{connect(one), 0, model.StatusOnline},
			{claim, testLease / 2, model.StatusOnline},
			{heartbeat, testLease / 2, model.StatusOnline},
			{heartbeat, testLease / 2, model.StatusOnline},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			ann := w.agent("ann", model.StatusOnline, 5)
			n1, n2 := w.presenceOn("n1"), w.presenceOn("n2")
			for i, s := range tt.steps {
				if s.do != nil {
					s.do(w, n1, n2, ann)
				}
				w.clk.Advance(s.advance)
				w.sweep(n1)
				w.sweep(n2)
				if got := w.statusOf("ann"); got != s.want {
					t.Fatalf("step %d: ann is %s, want %s", i, got, s.want)
				}
			}
			offline := w.statusOf("ann") == model.StatusOffline
			if got := w.memberEvents(ann); (got == 1) != offline || got > 1 {
				t.Fatalf("%d member events for ann (offline %v), want one exactly when she went offline", got, offline)
			}
		})
	}
}

// TestDisconnectedAgentsConversations: when an agent's connection is gone
// for good, the conversations they got and never answered go back to the
// queue and on to an agent who is there; the one they were in the middle
// of stays with them.
func TestDisconnectedAgentsConversations(t *testing.T) {
	w := newWorld(t)
	ann := w.agent("ann", model.StatusOnline, 5)
	w.agent("bob", model.StatusOffline, 5)
	p := w.presenceOn("n1")
	must(t, p.Connect(w.ctx, w.shop.ID, ann))
	urgent, plain, talking := w.wait("b1", 0, 20), w.wait("b2", 0, 0), w.wait("b3", 0, 0)
	w.drain()
	for _, c := range []model.Conversation{urgent, plain, talking} {
		if c = w.get(c); c.Owner != model.OwnerAgent || c.AgentID != ann {
			t.Fatalf("conversation %d is %s/%d before the drop, want ann's", c.ID, c.Owner, c.AgentID)
		}
	}
	if _, _, err := w.chat.Post(w.ctx, chatPost(w, talking, ann)); err != nil {
		t.Fatal(err)
	}
	must(t, p.Disconnect(w.ctx, w.shop.ID, ann))
	w.clk.Advance(testGrace + time.Second)
	if n := w.sweep(p); n != 1 {
		t.Fatalf("%d agents went offline, want 1", n)
	}
	for _, c := range []model.Conversation{urgent, plain} {
		if c = w.get(c); c.Owner != model.OwnerQueue || w.lastReason(c) != ReasonAgentDisconnected {
			t.Fatalf("unanswered conversation %d is %s (%s), want back in the queue (%s)", c.ID, c.Owner, w.lastReason(c), ReasonAgentDisconnected)
		}
	}
	if c := w.get(talking); c.Owner != model.OwnerAgent || c.AgentID != ann {
		t.Fatalf("the conversation ann answered is %s/%d, want still hers", c.Owner, c.AgentID)
	}
	if c := w.get(urgent); c.Priority != 20 {
		t.Fatalf("requeued with priority %d, want 20 kept", c.Priority)
	}
	// Bob comes online: the requeued ones go to him, not to offline ann.
	w.status("bob", model.StatusOnline)
	w.drain()
	if got := names(w, []model.Conversation{urgent, plain, talking}); got[0] != "bob" || got[1] != "bob" || got[2] != "ann" {
		t.Fatalf("after bob came online: %v, want bob, bob, ann", got)
	}
	if w.sweep(p) != 0 {
		t.Fatal("a second sweep took someone offline again")
	}
}

// TestManualOfflineRequeues: an agent who sets themselves offline gives
// back the conversations they have not answered, as a dropped one does.
func TestManualOfflineRequeues(t *testing.T) {
	w := newWorld(t)
	ann := w.agent("ann", model.StatusOnline, 5)
	c := w.wait("b1", 0, 0)
	w.drain()
	w.status("ann", model.StatusOffline)
	moved, err := w.route.AgentOffline(w.ctx, w.shop.ID, ann, ann, ReasonAgentOffline)
	if err != nil || moved != 1 {
		t.Fatalf("AgentOffline: %d moved, %v; want 1", moved, err)
	}
	if c = w.get(c); c.Owner != model.OwnerQueue || w.lastReason(c) != ReasonAgentOffline {
		t.Fatalf("conversation is %s (%s), want queue (%s)", c.Owner, w.lastReason(c), ReasonAgentOffline)
	}
	evs, err := w.db.ListEvents(w.ctx, w.shop.ID, c.ID)
	if err != nil || evs[len(evs)-1].ActorID != ann {
		t.Fatalf("events %+v (%v): want the agent as the actor", evs, err)
	}
}

// TestPresenceSweepInterval keeps the sweep frequent enough to notice a
// grace period's end soon after it, and never busy.
func TestPresenceSweepInterval(t *testing.T) {
	tests := []struct {
		grace, lease, want time.Duration
	}{
		{30 * time.Second, 30 * time.Second, 7500 * time.Millisecond},
		{time.Second, 30 * time.Second, 250 * time.Millisecond},
		{10 * time.Millisecond, time.Second, 100 * time.Millisecond},
		{time.Hour, time.Hour, 10 * time.Second},
	}
	for _, tt := range tests {
		p := NewPresence(PresenceOptions{Grace: tt.grace, Lease: tt.lease})
		if got := p.sweepEvery(); got != tt.want {
			t.Errorf("grace %v, lease %v: sweep every %v, want %v", tt.grace, tt.lease, got, tt.want)
		}
	}
}

// chatPost is an agent's reply in a conversation.
func chatPost(w *world, c model.Conversation, agentID int64) chat.Post {
	return chat.Post{ShopID: w.shop.ID, ConversationID: c.ID, Sender: model.SenderAgent, SenderID: agentID, ClientID: "reply", Body: "您好，在的"}
}
