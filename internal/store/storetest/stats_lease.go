package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testStatsLease runs two statistics jobs ("node-a" and "node-b") on one
// database: only the holder of the lease stores batches, its batches renew
// the lease, a node that stops renewing loses it once it expires, and the
// batches it stores after that are refused.
func testStatsLease(t *testing.T, e *env) {
	a := e.shop("lease-a")
	c := e.conversation(a.ID, e.buyer(a.ID, "l").ID)
	const lease = time.Minute
	take := func(node string, want bool) {
		t.Helper()
		got, err := e.s.TakeStatsLease(e.ctx, node, lease)
		checkErr(t, "TakeStatsLease "+node, err, nil)
		if got != want {
			t.Fatalf("TakeStatsLease(%s) = %v, want %v", node, got, want)
		}
	}
	holder := func(want string, expires time.Time) {
		t.Helper()
		l, err := e.s.GetStatsLease(e.ctx)
		checkErr(t, "GetStatsLease", err, nil)
		if l.Holder != want || (!expires.IsZero() && !l.ExpiresAt.Equal(expires)) {
			t.Fatalf("lease %+v, want held by %q until %v", l, want, expires)
		}
	}
	// apply stores a batch of node that counts n conversations.
	apply := func(node string, n int64) error {
		return e.s.ApplyStats(e.ctx, store.StatsBatch{Holder: node, LeaseFor: lease, Contribs: []store.StatsContrib{{
			ConversationID: c.ID, ShopID: a.ID, Entries: []store.StatsEntry{entry(100, "conv", "", "web", 0, 0, n, 0)}}}})
	}
	counted := func(want int64) {
		t.Helper()
		rows := sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: hours(100, 101)})
		var got int64
		for _, r := range rows {
			got += r.N
		}
		if got != want {
			t.Fatalf("rollup holds %d, want %d", got, want)
		}
	}

	holder("", time.Time{})
	_, err := e.s.TakeStatsLease(e.ctx, "", lease)
	checkErr(t, "TakeStatsLease without a name", err, store.ErrEmptyID)
	take("node-a", true)
	holder("node-a", e.now().Add(lease))
	take("node-b", false)
	checkErr(t, "a's batch", apply("node-a", 1), nil)
	counted(1)
	checkErr(t, "b's batch while a holds the lease", apply("node-b", 5), store.ErrStale)
	counted(1)

	// a keeps working: each batch renews the lease, so b never gets it.
	for range 3 {
		e.clk.Advance(50 * time.Second)
		checkErr(t, "a's batch", apply("node-a", 2), nil)
		holder("node-a", e.now().Add(lease))
		take("node-b", false)
	}
	counted(2)
	e.clk.Advance(50 * time.Second)
	take("node-a", true) // a round without batches renews it too
	holder("node-a", e.now().Add(lease))

	// a stops renewing: b takes over once the lease has expired.
	e.clk.Advance(lease - time.Millisecond)
	take("node-b", false)
	e.clk.Advance(time.Millisecond)
	take("node-b", true)
	l, err := e.s.GetStatsLease(e.ctx)
	checkErr(t, "GetStatsLease", err, nil)
	if l.Holder != "node-b" || !l.TakenAt.Equal(e.now()) {
		t.Fatalf("lease after takeover %+v", l)
	}
	checkErr(t, "b's batch", apply("node-b", 3), nil)
	// a wakes up and stores what it had computed: refused, b's figures stay.
	checkErr(t, "a's late batch", apply("node-a", 7), store.ErrStale)
	counted(3)
	take("node-a", false)

	// Releasing: only the holder's own release frees the lease, or a
	// release without a name (a single node starting up).
	checkErr(t, "ReleaseStatsLease a", e.s.ReleaseStatsLease(e.ctx, "node-a"), nil)
	take("node-a", false)
	checkErr(t, "ReleaseStatsLease b", e.s.ReleaseStatsLease(e.ctx, "node-b"), nil)
	holder("", time.Time{})
	checkErr(t, "b's batch after releasing", apply("node-b", 4), store.ErrStale)
	take("node-a", true)
	checkErr(t, "ReleaseStatsLease any", e.s.ReleaseStatsLease(e.ctx, ""), nil)
	holder("", time.Time{})

	// Nodes that all find the lease expired at once: one gets it.
	take("node-a", true)
	e.clk.Advance(2 * lease)
	var wg sync.WaitGroup
	won := make([]bool, 8)
	for i := range won {
		wg.Go(func() {
			ok, err := e.s.TakeStatsLease(e.ctx, name("node-%d", i), lease)
			if err != nil {
				t.Errorf("TakeStatsLease: %v", err)
			}
			won[i] = ok
		})
	}
	wg.Wait()
	winners := 0
	for _, w := range won {
		if w {
			winners++
		}
	}
	if winners != 1 {
		t.Fatalf("%d nodes took an expired lease at once, want 1", winners)
	}
}
