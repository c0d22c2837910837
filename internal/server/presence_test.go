package server

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	router "github.com/xiaoer-cs/xiaoer/internal/route"
)

const (
	presenceGrace = 20 * time.Second
	presenceLease = 30 * time.Second
)

// testClock is a settable clock for the presence leases.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Now().UnixNano())
	return c
}

func (c *testClock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// withPresence gives the server a presence (on node) and router on the
// clock; *p is set to the presence.
func withPresence(clk *testClock, node string, p **router.Presence) func(*Options) {
	return func(o *Options) {
		o.Route = router.New(router.Options{Store: o.Store, Chat: o.Chat, Bus: o.Bus, Now: clk.Now, Node: node})
		*p = router.NewPresence(router.PresenceOptions{Store: o.Store, Route: o.Route, Chat: o.Chat, Now: clk.Now, Node: node,
			Grace: presenceGrace, Lease: presenceLease})
		o.Presence = *p
	}
}

// presenceProbe watches one agent of one shop through the server's
// presence and the store.
type presenceProbe struct {
	t       *testing.T
	env     *testEnv
	p       *router.Presence
	clk     *testClock
	shopID  int64
	agentID int64
}

// waitSockets waits until the server counts n sockets of the agent (a
// socket's close reaches the server a moment after the client's).
func (pp *presenceProbe) waitSockets(n int) {
	pp.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for pp.p.Sockets(pp.shopID, pp.agentID) != n {
		if time.Now().After(deadline) {
			pp.t.Fatalf("the server counts %d sockets, want %d", pp.p.Sockets(pp.shopID, pp.agentID), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// after moves the clock, sweeps and checks the agent's status.
func (pp *presenceProbe) after(d time.Duration, want model.AgentStatus, what string) {
	pp.t.Helper()
	pp.clk.Advance(d)
	if _, err := pp.p.Sweep(context.Background()); err != nil {
		pp.t.Fatal(err)
	}
	m, err := pp.env.db.GetMember(context.Background(), pp.shopID, pp.agentID)
	if err != nil {
		pp.t.Fatal(err)
	}
	if m.Status != want {
		pp.t.Fatalf("%s: the agent is %s, want %s", what, m.Status, want)
	}
}

// dial opens an agent socket and returns it with the status its welcome
// frame gives.
func (pp *presenceProbe) dial(c *client) (*wsClient, string) {
	pp.t.Helper()
	ws, _, err := c.dialAgent(pp.shopID)
	if err != nil {
		pp.t.Fatal(err)
	}
	w := ws.until("welcome")
	status, _ := w["status"].(string)
	return ws, status
}

// untilConversation reads frames until a conversation frame about id with
// the given event reason.
func untilConversation(ws *wsClient, id int64, reason string) map[string]any {
	ws.t.Helper()
	for range 200 {
		f := ws.next()
		if f["type"] != "conversation" {
			continue
		}
		c, _ := f["conversation"].(map[string]any)
		e, _ := f["event"].(map[string]any)
		if c["id"] == float64(id) && e["reason"] == reason {
			return f
		}
	}
	ws.t.Fatalf("no conversation frame for %d with reason %q", id, reason)
	return nil
}

// TestAgentPresenceSockets drives an agent's real workbench sockets: a
// reconnect within the grace period changes nothing; with two sockets, one
// dropping changes nothing; when the last one has been gone for longer than
// the grace period the agent goes offline, their unanswered conversation
// goes back to the queue (a supervisor's socket sees it move, with the
// reason) and the one they answered stays; a later socket hears "offline"
// in its welcome.
func TestAgentPresenceSockets(t *testing.T) {
	clk := newTestClock()
	var p *router.Presence
	env := newTestEnv(t, withPresence(clk, "n1", &p))
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	pp := &presenceProbe{t: t, env: env, p: p, clk: clk, shopID: alpha, agentID: env.accts["alpha-agent"].ID}
	agent := env.login("alpha-agent")
	statusPath := fmt.Sprintf("/api/v1/shops/%d/status", alpha)
	if status := agent.do("PUT", statusPath, statusRequest{Status: model.StatusOnline}, nil); status != 200 {
		t.Fatalf("go online: %d", status)
	}

	ws1, welcome := pp.dial(agent)
	if welcome != "online" {
		t.Fatalf("welcome status %q, want online", welcome)
	}
	pp.waitSockets(1)

	// Drop and reconnect within the grace period.
	ws1.conn.Close(websocket.StatusGoingAway, "")
	pp.waitSockets(0)
	pp.after(presenceGrace/2, model.StatusOnline, "half the grace period after the drop")
	ws2, _ := pp.dial(agent)
	pp.waitSockets(1)
	pp.after(presenceGrace, model.StatusOnline, "past the first drop's grace period, reconnected")

	// Two sockets, one drops: the other keeps the agent online past the
	// grace period (its lease renewed by the node).
	ws3, _ := pp.dial(agent)
	pp.waitSockets(2)
	ws2.conn.Close(websocket.StatusGoingAway, "")
	pp.waitSockets(1)
	if err := p.Heartbeat(t.Context()); err != nil {
		t.Fatal(err)
	}
	pp.after(presenceGrace+time.Second, model.StatusOnline, "one of two sockets gone")

	// The last one drops: offline after the grace period, and what the
	// agent got without answering goes back to the queue.
	unanswered := f.conversation(t, "alpha", model.OwnerAgent, pp.agentID, 0)
	answered := f.conversation(t, "alpha", model.OwnerAgent, pp.agentID, 0)
	if status, raw := agent.raw("POST", fmt.Sprintf("/api/v1/shops/%d/conversations/%d/messages", alpha, answered.ID),
		messageCreateRequest{ClientID: "r1", Body: "您好，我看一下"}); status != 201 {
		t.Fatalf("reply: %d %s", status, raw)
	}
	sup, _ := pp.dial(env.login("alpha-supervisor"))
	if err := p.Heartbeat(t.Context()); err != nil {
		t.Fatal(err)
	}
	ws3.conn.Close(websocket.StatusGoingAway, "")
	pp.waitSockets(0)
	pp.after(presenceGrace-time.Second, model.StatusOnline, "just inside the grace period")
	pp.after(2*time.Second, model.StatusOffline, "just past the grace period")
	frame := untilConversation(sup, unanswered.ID, router.ReasonAgentDisconnected)
	if c := frame["conversation"].(map[string]any); c["owner"] != "queue" {
		t.Fatalf("the supervisor saw %v, want the conversation back in the queue", c)
	}
	for _, w := range []struct {
		c     model.Conversation
		owner model.Owner
		agent int64
	}{{unanswered, model.OwnerQueue, 0}, {answered, model.OwnerAgent, pp.agentID}} {
		got, err := env.db.GetConversation(t.Context(), alpha, w.c.ID)
		if err != nil || got.Owner != w.owner || got.AgentID != w.agent {
			t.Fatalf("conversation %d is %s/%d (%v), want %s/%d", w.c.ID, got.Owner, got.AgentID, err, w.owner, w.agent)
		}
	}

	// Back after the grace period: the socket says the agent is offline,
	// and going online is their choice.
	_, welcome = pp.dial(agent)
	if welcome != "offline" {
		t.Fatalf("welcome status after the grace period %q, want offline", welcome)
	}
}

// TestAgentOfflineByHand: an agent who sets themselves offline gives the
// conversations they have not answered back to the queue (reason
// agent_offline), as a dropped connection does.
func TestAgentOfflineByHand(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agentID := env.accts["alpha-agent"].ID
	agent := env.login("alpha-agent")
	statusPath := fmt.Sprintf("/api/v1/shops/%d/status", alpha)
	agent.do("PUT", statusPath, statusRequest{Status: model.StatusOnline}, nil)
	c := f.conversation(t, "alpha", model.OwnerAgent, agentID, 0)
	if status := agent.do("PUT", statusPath, statusRequest{Status: model.StatusOffline}, nil); status != 200 {
		t.Fatalf("go offline: %d", status)
	}
	evs, err := env.db.ListEvents(t.Context(), alpha, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if last := evs[len(evs)-1]; last.ToOwner != model.OwnerQueue || last.Reason != router.ReasonAgentOffline || last.ActorID != agentID {
		t.Fatalf("last event %+v, want back to the queue by the agent (%s)", last, router.ReasonAgentOffline)
	}
}

// TestPresenceTwoNodes: presence holds across nodes sharing the database
// and NATS. An agent with a socket on each node stays online when one
// closes; when node a hangs (its socket still open, its lease no longer
// renewed), node b takes the agent offline once the lease has run out, and
// the workbench socket on node a hears it through NATS.
func TestPresenceTwoNodes(t *testing.T) {
	natsURL := startNATS(t)
	path := t.TempDir() + "/shared.db"
	clk := newTestClock()
	var pa, pb *router.Presence
	a := newNode(t, "node-a", path, natsURL, withPresence(clk, "node-a", &pa))
	b := newNode(t, "node-b", path, natsURL, withPresence(clk, "node-b", &pb))
	ctx := t.Context()
	shop, err := a.db.CreateShop(ctx, model.Shop{Slug: "alpha", Name: "alpha", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(testPassword, 4)
	acct, err := a.db.CreateAccount(ctx, model.Account{Username: "alpha-agent", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.AddMember(ctx, model.Membership{ShopID: shop.ID, AccountID: acct.ID, Role: auth.RoleAgent}); err != nil {
		t.Fatal(err)
	}
	onA := &presenceProbe{t: t, env: a, p: pa, clk: clk, shopID: shop.ID, agentID: acct.ID}
	onB := &presenceProbe{t: t, env: b, p: pb, clk: clk, shopID: shop.ID, agentID: acct.ID}
	agentA, agentB := a.login("alpha-agent"), b.login("alpha-agent")
	if st := agentA.do("PUT", shopURL(shop.ID, "/status"), statusRequest{Status: model.StatusOnline}, nil); st != 200 {
		t.Fatalf("go online: %d", st)
	}
	wsA, _ := onA.dial(agentA)
	wsB, _ := onB.dial(agentB)
	onA.waitSockets(1)
	onB.waitSockets(1)

	wsB.conn.Close(websocket.StatusGoingAway, "")
	onB.waitSockets(0)
	if err := pa.Heartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	onB.after(presenceGrace+time.Second, model.StatusOnline, "node b's socket gone, node a's open")

	// Node a hangs: nothing renews its lease any more.
	onB.after(presenceLease, model.StatusOffline, "node a's lease run out")
	for range 100 {
		if f := wsA.until("permissions"); f["status"] == "offline" {
			return
		}
	}
	t.Fatal("the workbench on node a never heard it was set offline")
}
