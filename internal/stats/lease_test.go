package stats

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// jobLog records, in order, the node of every batch the store accepted.
type jobLog struct {
	mu     sync.Mutex
	stored []string
}

func (l *jobLog) add(node string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stored = append(l.stored, node)
}

// take returns the nodes recorded since the last take.
func (l *jobLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.stored
	l.stored = nil
	return out
}

// nodeStore is one node's view of the shared database: it logs the
// batches the database accepted, and when gated holds the node's next
// batch before it reaches the database, as a node that stalls (a long
// pause, a stuck disk) in the middle of a refresh.
type nodeStore struct {
	store.Store
	log *jobLog

	mu   sync.Mutex
	gate chan struct{} // closed to let the held batch go
	held chan struct{} // closed when a batch is held
}

func (n *nodeStore) hold() (held, release chan struct{}) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.gate, n.held = make(chan struct{}), make(chan struct{})
	return n.held, n.gate
}

func (n *nodeStore) ApplyStats(ctx context.Context, b store.StatsBatch) error {
	n.mu.Lock()
	gate, held := n.gate, n.held
	n.gate, n.held = nil, nil
	n.mu.Unlock()
	if gate != nil {
		close(held)
		<-gate
	}
	err := n.Store.ApplyStats(ctx, b)
	if err == nil {
		n.log.add(b.Holder)
	}
	return err
}

// only fails unless every node in got is want (and there is one at least).
func only(t *testing.T, what string, got []string, want string) {
	t.Helper()
	if len(got) == 0 {
		t.Fatalf("%s: no batch stored", what)
	}
	for _, n := range got {
		if n != want {
			t.Fatalf("%s: batches of %v, want only %s's", what, got, want)
		}
	}
}

// TestOneJobAtATime runs the job on two nodes over one database: at any
// time only the holder of the lease stores batches; when it stops renewing,
// the other takes over after the lease expires; and a holder that stalls
// past its lease cannot store what it computed once the other took over.
// The figures are right after each step.
func TestOneJobAtATime(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 3, 30, 21)
	must(t, w.g.db.ReleaseStatsLease(ctx, "")) // the builder's own job
	log := &jobLog{}
	const lease = time.Minute
	stores := map[string]*nodeStore{}
	nodes := map[string]*Service{}
	for _, name := range []string{"node-a", "node-b"} {
		stores[name] = &nodeStore{Store: w.g.db, log: log}
		nodes[name] = New(Options{Store: stores[name], Now: w.g.clk.Now, Batch: 7, Node: name, LeaseFor: lease})
	}
	shop := w.g.shop
	more := func(name string) time.Time {
		b, err := w.g.db.EnsureVisitor(ctx, shop.ID, name)
		must(t, err)
		w.g.session(b, w.g.latest.Add(time.Hour), "web")
		now := w.g.latest.Add(48 * time.Hour)
		w.g.clk.Set(now)
		return now
	}
	check := func(now time.Time) {
		t.Helper()
		f := w.filter(t, "from=2025-03-31&to="+bucketLabel(w.filter(t, "").To, false))
		checkSeries(t, w, now, f)
		checkBreakdowns(t, w, now, f)
	}

	// Both nodes run rounds at once: the first to take the lease does all
	// the work, the other is told another node runs the job.
	var now time.Time
	for i := range 3 {
		now = more(fmt.Sprintf("first-%d", i))
	}
	errs := map[string][]error{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 4 {
		for name, svc := range nodes {
			wg.Go(func() {
				err := svc.Refresh(ctx)
				mu.Lock()
				errs[name] = append(errs[name], err)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	stored := log.take()
	first := stored[0]
	other := map[string]string{"node-a": "node-b", "node-b": "node-a"}[first]
	only(t, "concurrent rounds", stored, first)
	for _, err := range errs[first] {
		must(t, err)
	}
	for _, err := range errs[other] {
		if !errors.Is(err, ErrNotHolder) {
			t.Fatalf("%s: refresh = %v, want ErrNotHolder", other, err)
		}
	}
	check(now)

	// The holder stops (it crashed): until its lease expires the other
	// node waits, then takes over.
	l, err := w.g.db.GetStatsLease(ctx)
	must(t, err)
	now = more("after-crash")
	w.g.clk.Set(l.ExpiresAt.Add(-time.Millisecond))
	if err := nodes[other].Refresh(ctx); !errors.Is(err, ErrNotHolder) {
		t.Fatalf("%s before the lease expired: %v, want ErrNotHolder", other, err)
	}
	if now.Before(l.ExpiresAt) {
		now = l.ExpiresAt
	}
	w.g.clk.Set(now)
	must(t, nodes[other].Refresh(ctx))
	only(t, "after the takeover", log.take(), other)
	check(now)

	// The new holder stalls in the middle of a refresh, past its lease; the
	// first node takes over and brings everything up to date. When the
	// stalled node wakes up, the batch it computed is refused.
	now = more("during-stall")
	held, release := stores[other].hold()
	stalled := make(chan error, 1)
	go func() { stalled <- nodes[other].Refresh(ctx) }()
	<-held
	now = now.Add(lease)
	w.g.clk.Set(now)
	must(t, nodes[first].Refresh(ctx))
	only(t, "after the stall", log.take(), first)
	close(release)
	if err := <-stalled; !errors.Is(err, store.ErrStale) {
		t.Fatalf("the stalled node's refresh: %v, want store.ErrStale", err)
	}
	if got := log.take(); len(got) != 0 {
		t.Fatalf("the stalled node stored %v", got)
	}
	check(now)
}

// TestRunLease checks Run's use of the lease: it mines only as the holder,
// a single node frees its previous life's lease at start-up, and the lease
// is free again when Run returns.
func TestRunLease(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 1, 5, 3)
	must(t, w.g.db.ReleaseStatsLease(ctx, ""))
	db := w.g.db
	holder := func() string {
		l, err := db.GetStatsLease(ctx)
		must(t, err)
		return l.Holder
	}
	a := New(Options{Store: db, Now: w.g.clk.Now, Node: "node-a"})
	b := New(Options{Store: db, Now: w.g.clk.Now, Node: "node-b", SingleNode: true, Interval: time.Millisecond})
	var tidied time.Time
	if !a.round(ctx, &tidied) || tidied.IsZero() {
		t.Fatal("the first node did not run its round")
	}
	var bTidied time.Time
	if b.round(ctx, &bTidied) || !bTidied.IsZero() {
		t.Fatal("a node without the lease ran a round")
	}
	if h := holder(); h != "node-a" {
		t.Fatalf("lease held by %q, want node-a", h)
	}
	// node-a is gone; node-b starts as a single node: it does not wait
	// for the lease to expire.
	ctx2, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.Run(ctx2); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for holder() != "node-b" {
		if time.Now().After(deadline) {
			t.Fatal("node-b never took the lease")
		}
		time.Sleep(time.Millisecond)
	}
	stop()
	<-done
	if h := holder(); h != "" {
		t.Fatalf("after Run returned the lease is held by %q", h)
	}
}
