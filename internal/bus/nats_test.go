package bus

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// startNATS runs a real NATS server in the test process on a free port.
func startNATS(t *testing.T) string {
	t.Helper()
	srv, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(srv.Shutdown)
	return srv.ClientURL()
}

// recorder collects events safely.
type recorder struct {
	mu  sync.Mutex
	got []Event
	n   chan struct{}
}

func newRecorder() *recorder { return &recorder{n: make(chan struct{}, 1000)} }

func (r *recorder) add(e Event) {
	r.mu.Lock()
	r.got = append(r.got, e)
	r.mu.Unlock()
	r.n <- struct{}{}
}

// wait returns once count events arrived, failing after 10 seconds.
func (r *recorder) wait(t *testing.T, count int) []Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		if len(r.got) >= count {
			out := append([]Event(nil), r.got...)
			r.mu.Unlock()
			return out
		}
		r.mu.Unlock()
		select {
		case <-r.n:
		case <-timeout:
			t.Fatalf("%d events arrived, want %d", len(r.got), count)
		}
	}
}

func TestNATSDeliversAcrossNodesOnceAndInOrder(t *testing.T) {
	url := startNATS(t)
	a, err := NewNATS(url, "a", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewNATS(url, "b", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	onA, onB := newRecorder(), newRecorder()
	a.Subscribe(onA.add)
	b.Subscribe(onB.add)

	const n = 200
	for i := 1; i <= n; i++ {
		if err := a.Publish(context.Background(), Event{Type: TypeMessage, ShopID: 1, ConversationID: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Publish(context.Background(), Event{Type: TypeKB, ShopID: 9}); err != nil {
		t.Fatal(err)
	}
	gotB := onB.wait(t, n+1)
	gotA := onA.wait(t, n+1)
	// Node b saw a's events in order (its own may come anywhere among
	// them); node a saw each of its own once.
	next := int64(1)
	for _, e := range gotB {
		if e.Type != TypeMessage {
			continue
		}
		if e.ConversationID != next {
			t.Fatalf("b got event %d where %d was next: order broken", e.ConversationID, next)
		}
		next++
	}
	count := map[string]int{}
	for _, e := range gotA {
		count[fmt.Sprint(e.Type, e.ConversationID)]++
	}
	for k, c := range count {
		if c != 1 {
			t.Fatalf("node a got %s %d times", k, c)
		}
	}
	if len(gotA) != n+1 || gotA[n].Type != TypeKB {
		t.Fatalf("node a got %d events, last %+v", len(gotA), gotA[len(gotA)-1])
	}
}
