package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testAgentLeases walks leases through their life: held on two nodes, one cut
// to a grace period, expired while the other still holds (the agent stays
// online), then both gone (offline once, logged), and an agent who was
// offline already or left the shop is not reported.
func testAgentLeases(t *testing.T, e *env) {
	a, b := e.shop("pr-a"), e.shop("pr-b")
	ann, bob, cy := e.agent(a.ID, "pr-ann"), e.agent(a.ID, "pr-bob"), e.agent(a.ID, "pr-cy")
	e.member(b.ID, ann.ID, "agent")
	for _, who := range []struct{ shop, id int64 }{{a.ID, ann.ID}, {a.ID, bob.ID}, {b.ID, ann.ID}} {
		checkErr(t, "SetAgentStatus", e.s.SetAgentStatus(e.ctx, who.shop, who.id, model.StatusOnline), nil)
	}
	now := e.now()
	lease, grace := 30*time.Second, 10*time.Second
	annA, annB, bobA, cyA := store.Presence{ShopID: a.ID, AccountID: ann.ID}, store.Presence{ShopID: b.ID, AccountID: ann.ID},
		store.Presence{ShopID: a.ID, AccountID: bob.ID}, store.Presence{ShopID: a.ID, AccountID: cy.ID}
	checkErr(t, "HoldLeases n1", e.s.HoldLeases(e.ctx, "n1", []store.Presence{annA, annB, bobA, cyA}, now.Add(lease)), nil)
	checkErr(t, "HoldLeases n2", e.s.HoldLeases(e.ctx, "n2", []store.Presence{annA}, now.Add(lease)), nil)
	checkErr(t, "HoldLeases none", e.s.HoldLeases(e.ctx, "n2", nil, now), nil)
	leases, err := e.s.ListLeases(e.ctx, a.ID, ann.ID)
	checkErr(t, "ListLeases", err, nil)
	diff(t, "ann's leases in a", []store.Lease{{ShopID: a.ID, AccountID: ann.ID, Node: "n1", ExpiresAt: now.Add(lease)}, {ShopID: a.ID, AccountID: ann.ID, Node: "n2", ExpiresAt: now.Add(lease)}}, leases)

	// Ann's and Bob's sockets on n1 close: their leases there shrink to the
	// grace period (holding again moves the expiry either way).
	checkErr(t, "HoldLeases grace", e.s.HoldLeases(e.ctx, "n1", []store.Presence{annA, bobA}, now.Add(grace)), nil)
	got, err := e.s.ExpireLeases(e.ctx, now.Add(grace))
	checkErr(t, "ExpireLeases at the end of grace", err, nil)
	diff(t, "offline at the very end of grace", []store.Presence(nil), got)

	later := now.Add(grace + time.Second)
	got, err = e.s.ExpireLeases(e.ctx, later)
	checkErr(t, "ExpireLeases after grace", err, nil)
	// Bob has no lease left: offline. Ann still holds one on n2 in shop a
	// (and n1's lease in shop b is live): online.
	diff(t, "offline after grace", []store.Presence{bobA}, got)
	for _, w := range []struct {
		shop, id int64
		want     model.AgentStatus
	}{{a.ID, bob.ID, model.StatusOffline}, {a.ID, ann.ID, model.StatusOnline}, {b.ID, ann.ID, model.StatusOnline}} {
		m, err := e.s.GetMember(e.ctx, w.shop, w.id)
		checkErr(t, "GetMember", err, nil)
		if m.Status != w.want {
			t.Fatalf("member %d of shop %d is %s, want %s", w.id, w.shop, m.Status, w.want)
		}
	}
	leases, _ = e.s.ListLeases(e.ctx, a.ID, ann.ID)
	diff(t, "ann's leases after the sweep", []store.Lease{{ShopID: a.ID, AccountID: ann.ID, Node: "n2", ExpiresAt: now.Add(lease)}}, leases)
	log, err := e.s.AgentStatusLog(e.ctx, a.ID, now.Add(-time.Hour), now.Add(time.Hour))
	checkErr(t, "AgentStatusLog", err, nil)
	if last := log[len(log)-1]; last.AccountID != bob.ID || last.Status != model.StatusOffline {
		t.Fatalf("last status change %+v, want bob offline", last)
	}

	// n2 dies: nothing renews its lease, so Ann goes offline in shop a at
	// its end, and in shop b with n1's. Cy was offline already (never set
	// online), and a member who left is not reported.
	checkErr(t, "RemoveMember", e.s.RemoveMember(e.ctx, b.ID, ann.ID), nil)
	got, err = e.s.ExpireLeases(e.ctx, now.Add(lease+time.Second))
	checkErr(t, "ExpireLeases after the lease", err, nil)
	diff(t, "offline after the lease", []store.Presence{annA}, got)
	got, err = e.s.ExpireLeases(e.ctx, now.Add(lease+time.Second))
	checkErr(t, "ExpireLeases again", err, nil)
	diff(t, "nothing twice", []store.Presence(nil), got)
}

// testAgentLeasesConcurrent lets several nodes sweep the same expired leases
// at once: each agent is set offline by exactly one of them.
func testAgentLeasesConcurrent(t *testing.T, e *env) {
	a := e.shop("prc-a")
	var held []store.Presence
	for i := range 20 {
		ag := e.agent(a.ID, "prc-"+string(rune('a'+i)))
		checkErr(t, "SetAgentStatus", e.s.SetAgentStatus(e.ctx, a.ID, ag.ID, model.StatusBusy), nil)
		held = append(held, store.Presence{ShopID: a.ID, AccountID: ag.ID})
	}
	now := e.now()
	checkErr(t, "HoldLeases", e.s.HoldLeases(e.ctx, "n1", held, now), nil)
	checkErr(t, "HoldLeases", e.s.HoldLeases(e.ctx, "n2", held[:10], now), nil)
	var mu sync.Mutex
	count := map[store.Presence]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, err := e.s.ExpireLeases(e.ctx, now.Add(time.Second))
			if err != nil {
				t.Errorf("ExpireLeases: %v", err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range got {
				count[p]++
			}
		})
	}
	wg.Wait()
	for _, p := range held {
		if count[p] != 1 {
			t.Errorf("agent %d set offline %d times, want once", p.AccountID, count[p])
		}
	}
}
