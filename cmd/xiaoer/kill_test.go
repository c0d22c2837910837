package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/demo"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// These tests run the real binary as a child process: `xiaoer serve --demo`
// on a loopback port with a temporary data directory, and buyers that talk
// to it over WebSockets the way the widget does.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// xiaoerBinary builds the binary once for the package's tests.
func xiaoerBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the xiaoer binary; skipped with -short")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xiaoer-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "xiaoer")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// serverProc is a running `xiaoer serve`.
type serverProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
	err    error // the exit status, once exited is closed
	log    *strings.Builder
}

// startServer runs the binary on addr with the data in dir (and the extra
// flags) and waits until it is ready.
func startServer(t *testing.T, bin, dir, addr string, extra ...string) *serverProc {
	t.Helper()
	var log strings.Builder
	args := []string{"serve", "--demo", "--listen", addr, "--data-dir", dir, "--log-level", "warn",
		"--bcrypt-cost", "4", "--frame-rate", "1000", "--shutdown-wait", "10s"}
	cmd := exec.Command(bin, append(args, extra...)...)
	cmd.Env = append(os.Environ(), "XIAOER_DATABASE_URL=") // always SQLite in dir
	cmd.Stderr = &lockedWriter{w: &log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProc{t: t, cmd: cmd, url: "http://" + addr, exited: make(chan struct{}), log: &log}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	if err := waitReady(t.Context(), p.url, p.exited, 60*time.Second); err != nil {
		t.Fatalf("%v\nserver log:\n%s", err, p.log.String())
	}
	return p
}

// stop signals the server and waits for it to exit.
func (p *serverProc) stop(sig syscall.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	select {
	case <-p.exited:
		return p.err
	case <-time.After(30 * time.Second):
		p.t.Fatalf("server still running 30 s after %v", sig)
		return nil
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *strings.Builder
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// TestKillAndRestart kills the server without warning while buyers send,
// starts it again on the same data, lets the buyers resume, and checks
// that every message acknowledged before the kill is stored once, where
// its ack said.
func TestKillAndRestart(t *testing.T) {
	bin := xiaoerBinary(t)
	dir, addr := t.TempDir(), mustFreeAddr(t)
	srv := startServer(t, bin, dir, addr)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	fleet := newFleet(srv.url, 20, 40)
	fleet.start(ctx)
	fleet.waitAcked(ctx, t, fleet.total()/4)

	if err := srv.stop(syscall.SIGKILL); err == nil {
		t.Fatal("the server exited cleanly after SIGKILL")
	}
	// The process is gone: every ack the buyers hold was sent before.
	before := fleet.ackedSoFar()
	if len(before) == 0 || len(before) == fleet.total() {
		t.Fatalf("%d of %d messages acked at the kill: not mid-stream", len(before), fleet.total())
	}
	t.Logf("killed with %d of %d messages acked", len(before), fleet.total())

	srv = startServer(t, bin, dir, addr)
	if err := fleet.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, srv.log.String())
	}
	stored := fleet.verify(t, dir)
	for id, seq := range before {
		if got, ok := stored[id]; !ok || got != seq {
			t.Errorf("%s acked before the kill as seq %d; stored: %v (seq %d)", id, seq, ok, got)
		}
	}
}

// TestGracefulShutdown stops the server with SIGTERM while buyers send:
// every socket is closed with 1012 "reconnect", what was acked is kept, and
// the buyers finish on the restarted server.
func TestGracefulShutdown(t *testing.T) {
	bin := xiaoerBinary(t)
	dir, addr := t.TempDir(), mustFreeAddr(t)
	srv := startServer(t, bin, dir, addr)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	fleet := newFleet(srv.url, 20, 40)
	fleet.start(ctx)
	fleet.waitAcked(ctx, t, fleet.total()/4)

	var sending []*killBuyer
	for _, b := range fleet.buyers {
		if !b.done.Load() {
			sending = append(sending, b)
		}
	}
	// (/readyz answers 503 from here, but serve closes its listener at
	// the same moment, so from outside it is not seen.)
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, srv.log.String())
	}
	before := fleet.ackedSoFar()
	t.Logf("stopped with %d of %d messages acked", len(before), fleet.total())

	srv = startServer(t, bin, dir, addr)
	if err := fleet.wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	// Every buyer still sending was connected when the server stopped;
	// each must have been told to reconnect.
	if len(sending) == 0 {
		t.Fatal("every buyer was done before the stop: not mid-stream")
	}
	for _, b := range sending {
		if len(b.closes) == 0 || b.closes[0] != "1012 reconnect" {
			t.Errorf("buyer %d: first close %v, want 1012 reconnect", b.n, b.closes)
		}
	}
	stored := fleet.verify(t, dir)
	for id, seq := range before {
		if got, ok := stored[id]; !ok || got != seq {
			t.Errorf("%s acked before the stop as seq %d; stored: %v (seq %d)", id, seq, ok, got)
		}
	}
}

func mustFreeAddr(t *testing.T) string {
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// fleet is a set of buyers sending to one server address.
type fleet struct {
	buyers []*killBuyer
	acked  atomic.Int64
	done   sync.WaitGroup
}

func newFleet(base string, buyers, messages int) *fleet {
	f := &fleet{}
	for i := range buyers {
		f.buyers = append(f.buyers, &killBuyer{url: "ws" + strings.TrimPrefix(base, "http") + "/ws/buyer", n: i,
			total: messages, acked: map[string]int64{}, fleetAcked: &f.acked})
	}
	return f
}

func (f *fleet) total() int { return len(f.buyers) * f.buyers[0].total }

func (f *fleet) start(ctx context.Context) {
	for _, b := range f.buyers {
		f.done.Go(func() { b.err = b.run(ctx) })
	}
}

// waitAcked waits until n messages are acked in all.
func (f *fleet) waitAcked(ctx context.Context, t *testing.T, n int) {
	for f.acked.Load() < int64(n) {
		if ctx.Err() != nil {
			t.Fatalf("only %d messages acked", f.acked.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ackedSoFar returns every acked client id with its sequence number.
func (f *fleet) ackedSoFar() map[string]int64 {
	out := map[string]int64{}
	for _, b := range f.buyers {
		b.mu.Lock()
		for id, seq := range b.acked {
			out[id] = seq
		}
		b.mu.Unlock()
	}
	return out
}

// wait waits for every buyer to finish.
func (f *fleet) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { f.done.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("buyers not done: %w", ctx.Err())
	}
	var errs []error
	for _, b := range f.buyers {
		if b.err != nil {
			errs = append(errs, fmt.Errorf("buyer %d: %w", b.n, b.err))
		}
	}
	return errors.Join(errs...)
}

// verify opens the stopped server's database and checks each buyer's
// conversation: gap-free, each client id once, acks where they said, and the
// history the buyer received equal to the stored one. It returns every
// stored buyer message by client id.
func (f *fleet) verify(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shop, err := db.GetShopBySlug(ctx, demo.ShopSlug)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int64{}
	for _, b := range f.buyers {
		convs, err := db.ListConversations(ctx, store.ConversationFilter{ShopID: shop.ID, BuyerID: b.buyerID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(convs) != 1 || convs[0].ID != b.convID {
			t.Errorf("buyer %d: %d conversations, want only its own (%d)", b.n, len(convs), b.convID)
			continue
		}
		ms, err := db.ListMessages(ctx, store.MessageQuery{ShopID: shop.ID, ConversationID: b.convID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		count := map[string]int{}
		for i, m := range ms {
			if m.Seq != int64(i+1) {
				t.Fatalf("buyer %d: message %d has seq %d: not gap-free", b.n, i, m.Seq)
			}
			ids = append(ids, m.ID)
			if m.Sender == "buyer" {
				count[m.ClientID]++
				stored[m.ClientID] = m.Seq
				if seq, ok := b.acked[m.ClientID]; ok && seq != m.Seq {
					t.Errorf("buyer %d: %s acked as seq %d, stored as %d", b.n, m.ClientID, seq, m.Seq)
				}
			}
		}
		for i := range b.total {
			if id := b.clientID(i); count[id] != 1 {
				t.Errorf("buyer %d: %s stored %d times, want once", b.n, id, count[id])
			}
		}
		// The bot may answer after the buyer left: compare what it saw.
		if len(b.history) > len(ids) || !slices.Equal(b.history, ids[:len(b.history)]) {
			t.Errorf("buyer %d: received message ids %v, stored %v", b.n, b.history, ids)
		}
	}
	return stored
}

// killBuyer is a widget that survives a server going away: it keeps its
// visitor token, conversation, last sequence number and unacknowledged
// messages, reconnects until the server is back, resumes and resends.
type killBuyer struct {
	url        string
	n, total   int
	fleetAcked *atomic.Int64

	token   string
	buyerID int64
	convID  int64
	lastSeq int64
	history []int64 // message ids received, in order
	unacked []string
	sent    int
	closes  []string // close code and reason of each connection the server ended

	mu    sync.Mutex // guards acked, read by the test while running
	acked map[string]int64
	done  atomic.Bool
	err   error
}

func (b *killBuyer) clientID(i int) string { return fmt.Sprintf("k%d-%d", b.n, i) }

func (b *killBuyer) run(ctx context.Context) error {
	for ctx.Err() == nil {
		done, err := b.session(ctx)
		if done {
			return nil
		}
		var promise brokenPromise
		if errors.As(err, &promise) {
			return err
		}
		time.Sleep(20 * time.Millisecond) // the server may be restarting
	}
	return fmt.Errorf("not done: %w (acked %d of %d)", ctx.Err(), len(b.acked), b.total)
}

// brokenPromise is a frame that contradicts the protocol's guarantees.
type brokenPromise struct{ error }

func (b *killBuyer) session(ctx context.Context) (bool, error) {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, _, err := websocket.Dial(dctx, b.url, nil)
	cancel()
	if err != nil {
		return false, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	hello := map[string]any{"type": "hello", "shop": demo.ShopSlug}
	if b.token != "" {
		hello["visitor_token"] = b.token
	}
	if b.convID != 0 {
		hello["conversation_id"], hello["last_seq"] = b.convID, b.lastSeq
	}
	if err := b.write(ctx, conn, hello); err != nil {
		return false, err
	}
	welcomed := false
	inflight := 0
	for {
		if welcomed {
			if b.finished() {
				_ = conn.Close(websocket.StatusNormalClosure, "")
				b.done.Store(true)
				return true, nil
			}
			if b.sent < b.total && inflight < 3 {
				id := b.clientID(b.sent)
				b.sent++
				b.unacked = append(b.unacked, id)
				if err := b.send(ctx, conn, id); err != nil {
					return false, err
				}
				inflight++
				time.Sleep(10 * time.Millisecond) // a person types slower still
				continue
			}
		}
		var f frame
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, data, err := conn.Read(rctx)
		cancel()
		if err != nil {
			if s := websocket.CloseStatus(err); s != -1 {
				var ce websocket.CloseError
				errors.As(err, &ce)
				b.closes = append(b.closes, fmt.Sprintf("%d %s", int(s), ce.Reason))
			}
			return false, err
		}
		if f, err = decodeFrame(data); err != nil {
			return false, brokenPromise{fmt.Errorf("frame %q: %w", data, err)}
		}
		if err := b.handle(f); err != nil {
			return false, brokenPromise{err}
		}
		switch f.Type {
		case "welcome":
			welcomed = true
			for _, id := range b.unacked {
				if err := b.send(ctx, conn, id); err != nil {
					return false, err
				}
				inflight++
			}
		case "ack", "error":
			inflight--
		}
	}
}

// finished says whether every message is acked and the history up to the
// last of them received.
func (b *killBuyer) finished() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.acked) < b.total {
		return false
	}
	for _, seq := range b.acked {
		if seq > b.lastSeq {
			return false
		}
	}
	return true
}

func (b *killBuyer) send(ctx context.Context, conn *websocket.Conn, id string) error {
	return b.write(ctx, conn, map[string]any{"type": "send", "client_id": id, "body": "请问 " + id + " 什么时候发货？"})
}

func (b *killBuyer) write(ctx context.Context, conn *websocket.Conn, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, data)
}

// frame is every server frame the buyer reads.
type frame struct {
	Type           string `json:"type"`
	Code           string `json:"code"`
	ClientID       string `json:"client_id"`
	VisitorToken   string `json:"visitor_token"`
	ConversationID int64  `json:"conversation_id"`
	Buyer          struct {
		ID int64 `json:"id"`
	} `json:"buyer"`
	Conversation *struct {
		ID int64 `json:"id"`
	} `json:"conversation"`
	Message *struct {
		ID             int64 `json:"id"`
		ConversationID int64 `json:"conversation_id"`
		Seq            int64 `json:"seq"`
	} `json:"message"`
}

// decodeFrame reads a server frame. An error frame's "message" is its text,
// while ack and message frames carry the message object there.
func decodeFrame(data []byte) (frame, error) {
	var f frame
	var head struct {
		Type     string `json:"type"`
		Code     string `json:"code"`
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return f, err
	}
	if head.Type == "error" {
		f.Type, f.Code, f.ClientID = head.Type, head.Code, head.ClientID
		return f, nil
	}
	err := json.Unmarshal(data, &f)
	return f, err
}

func (b *killBuyer) handle(f frame) error {
	switch f.Type {
	case "welcome":
		if b.token != "" && f.VisitorToken != b.token {
			return errors.New("visitor token changed")
		}
		b.token, b.buyerID = f.VisitorToken, f.Buyer.ID
		if f.Conversation != nil {
			return b.setConversation(f.Conversation.ID)
		}
	case "conversation":
		return b.setConversation(f.ConversationID)
	case "message":
		if err := b.setConversation(f.Message.ConversationID); err != nil {
			return err
		}
		if f.Message.Seq != b.lastSeq+1 {
			return fmt.Errorf("received seq %d after %d", f.Message.Seq, b.lastSeq)
		}
		b.lastSeq = f.Message.Seq
		b.history = append(b.history, f.Message.ID)
	case "ack":
		i := slices.Index(b.unacked, f.ClientID)
		if i < 0 {
			return fmt.Errorf("ack for %q, which is not waiting", f.ClientID)
		}
		b.unacked = slices.Delete(b.unacked, i, i+1)
		b.mu.Lock()
		if prev, ok := b.acked[f.ClientID]; ok && prev != f.Message.Seq {
			b.mu.Unlock()
			return fmt.Errorf("%s acked as seq %d and %d", f.ClientID, prev, f.Message.Seq)
		}
		if _, ok := b.acked[f.ClientID]; !ok {
			b.fleetAcked.Add(1)
		}
		b.acked[f.ClientID] = f.Message.Seq
		b.mu.Unlock()
	case "error":
		// While draining the server refuses new messages; they stay
		// unacknowledged and go again after the reconnect.
		if f.Code != "shutting_down" {
			return fmt.Errorf("error frame %s for %q", f.Code, f.ClientID)
		}
	}
	return nil
}

func (b *killBuyer) setConversation(id int64) error {
	if b.convID != 0 && b.convID != id {
		return fmt.Errorf("conversation %d, then %d", b.convID, id)
	}
	b.convID = id
	return nil
}
