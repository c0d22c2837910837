package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestLoadDropsAndResends is the durability test of the buyer socket: 200
// buyers send 50 messages each with several in flight, their connections
// are cut abruptly at random points (a seeded generator picks them), and each
// reconnects with its visitor token and last sequence number and resends
// what was not acknowledged under the same client ids. Every acknowledged
// message must be stored exactly once, every conversation must be gap-free,
// and every client must have received exactly the stored history, in order.
func TestLoadDropsAndResends(t *testing.T) {
	const (
		buyers   = 200
		messages = 50
		seed     = 20240601
	)
	env := newTestEnv(t)
	url := "ws" + strings.TrimPrefix(env.http.URL, "http") + "/ws/buyer"
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	clients := make([]*loadBuyer, buyers)
	var wg sync.WaitGroup
	for i := range clients {
		c := newLoadBuyer(url, "alpha", i, messages, rand.New(rand.NewPCG(seed, uint64(i))))
		clients[i] = c
		wg.Go(func() { c.err = c.run(ctx) })
	}
	wg.Wait()

	var drops, lost, resends, duplicates int
	for _, c := range clients {
		if c.err != nil {
			t.Fatalf("buyer %d: %v", c.n, c.err)
		}
		drops += c.drops
		lost += c.lost
		resends += c.resends
		duplicates += c.duplicates
	}
	t.Logf("%d buyers × %d messages: %d connections cut, %d lost otherwise, %d messages resent, %d answered as duplicates",
		buyers, messages, drops, lost, resends, duplicates)
	if drops == 0 || resends == 0 {
		t.Fatalf("the run cut %d connections and resent %d messages: the scenario was not exercised", drops, resends)
	}

	shop := env.shops["alpha"]
	all, err := env.db.ListConversations(ctx, store.ConversationFilter{ShopID: shop.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != buyers {
		t.Errorf("shop has %d conversations, want one per buyer (%d)", len(all), buyers)
	}
	for _, c := range clients {
		t.Run(fmt.Sprintf("buyer%03d", c.n), func(t *testing.T) { c.verify(t, env) })
	}
}

// loadBuyer is a widget as it should be written: it keeps its visitor
// token, its conversation, the last sequence number it saw and the messages
// not yet acknowledged, and after a lost connection it resumes from there and
// resends those messages with their original client ids.
type loadBuyer struct {
	url, shop string
	n         int
	total     int
	rng       *rand.Rand
	window    int // messages in flight at most

	token   string
	buyerID int64
	convID  int64
	lastSeq int64
	// history is the client ids of the messages received, in order of
	// arrival; acked maps a client id to the sequence number its ack gave.
	history []string
	acked   map[string]int64
	// unacked holds the client ids sent (or to send again) without an ack,
	// oldest first; sent is how many new messages were started.
	unacked []string
	sent    int
	// cutAt holds the operation counts (frames written or read) at which
	// the connection is cut; ops counts them over the buyer's whole life.
	cutAt []int
	ops   int

	drops, lost, resends, duplicates int
	err                              error
}

func newLoadBuyer(url, shop string, n, total int, rng *rand.Rand) *loadBuyer {
	c := &loadBuyer{url: url, shop: shop, n: n, total: total, rng: rng, window: 1 + rng.IntN(6),
		acked: map[string]int64{}}
	// A buyer's life is about 3 operations per message (send, its echo,
	// its ack); cut 1 to 3 times anywhere in it, also during hello.
	for range 1 + rng.IntN(3) {
		c.cutAt = append(c.cutAt, rng.IntN(3*total))
	}
	slices.Sort(c.cutAt)
	return c
}

func (c *loadBuyer) clientID(i int) string { return fmt.Sprintf("b%d-m%d", c.n, i) }

func (c *loadBuyer) body(id string) string { return "我想问一下 " + id }

// errCut ends a connection that the buyer cut on purpose.
var errCut = errors.New("cut")

// brokenPromise is a frame that contradicts what the server guarantees;
// it fails the test instead of causing a reconnect.
type brokenPromise struct{ error }

// run connects until every message is acknowledged and received. Like a
// widget, it reconnects after any lost connection, not only its own cuts.
func (c *loadBuyer) run(ctx context.Context) error {
	for attempt := 1; ; attempt++ {
		done, err := c.session(ctx)
		switch {
		case done:
			return nil
		case errors.As(err, new(brokenPromise)):
			return fmt.Errorf("connection %d: %w", attempt, err)
		case ctx.Err() != nil || attempt > 50:
			return fmt.Errorf("connection %d: %w (sent %d, acked %d, last seq %d)", attempt, err, c.sent, len(c.acked), c.lastSeq)
		case errors.Is(err, errCut):
			c.drops++
		default:
			c.lost++
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// session is one connection: hello, resend what is unacknowledged, send
// the rest with up to window messages in flight, and read until the whole
// history has arrived. It reports whether the buyer is done.
func (c *loadBuyer) session(ctx context.Context) (done bool, err error) {
	conn, _, err := websocket.Dial(ctx, c.url, nil)
	if err != nil {
		return false, err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	hello := map[string]any{"type": "hello", "shop": c.shop}
	if c.token != "" {
		hello["visitor_token"] = c.token
	}
	if c.convID != 0 {
		hello["conversation_id"], hello["last_seq"] = c.convID, c.lastSeq
	}
	if err := c.write(ctx, conn, hello); err != nil {
		return false, err
	}
	// A widget waits for its welcome before sending: without a visitor
	// token a message could land with a visitor the buyer never learns.
	for {
		f, err := c.read(ctx, conn)
		if err != nil {
			return false, err
		}
		if err := c.handle(f); err != nil {
			return false, brokenPromise{err}
		}
		if f.Type == "welcome" {
			break
		}
	}
	inflight := 0
	for _, id := range c.unacked {
		if err := c.send(ctx, conn, id); err != nil {
			return false, err
		}
		c.resends++
		inflight++
	}
	for {
		if len(c.acked) == c.total && c.lastSeq >= c.maxAcked() {
			_ = conn.Close(websocket.StatusNormalClosure, "")
			return true, nil
		}
		if c.sent < c.total && inflight < c.window {
			id := c.clientID(c.sent)
			c.sent++
			c.unacked = append(c.unacked, id)
			if err := c.send(ctx, conn, id); err != nil {
				return false, err
			}
			inflight++
			continue
		}
		f, err := c.read(ctx, conn)
		if err != nil {
			return false, err
		}
		if err := c.handle(f); err != nil {
			return false, brokenPromise{err}
		}
		if f.Type == "ack" {
			inflight--
		}
	}
}

func (c *loadBuyer) maxAcked() int64 {
	var m int64
	for _, s := range c.acked {
		m = max(m, s)
	}
	return m
}

// tick counts an operation and cuts the connection when its turn comes.
func (c *loadBuyer) tick(conn *websocket.Conn) error {
	c.ops++
	if len(c.cutAt) > 0 && c.ops >= c.cutAt[0] {
		c.cutAt = c.cutAt[1:]
		conn.CloseNow() // no close frame: the TCP connection just ends
		return errCut
	}
	return nil
}

func (c *loadBuyer) send(ctx context.Context, conn *websocket.Conn, id string) error {
	return c.write(ctx, conn, map[string]any{"type": "send", "client_id": id, "body": c.body(id)})
}

func (c *loadBuyer) write(ctx context.Context, conn *websocket.Conn, frame any) error {
	b, err := json.Marshal(frame)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := conn.Write(wctx, websocket.MessageText, b); err != nil {
		return err
	}
	return c.tick(conn)
}

// loadFrame is every server frame the buyer looks at.
type loadFrame struct {
	Type           string `json:"type"`
	Code           string `json:"code"`
	ClientID       string `json:"client_id"`
	Duplicate      bool   `json:"duplicate"`
	VisitorToken   string `json:"visitor_token"`
	ConversationID int64  `json:"conversation_id"`
	Buyer          struct {
		ID int64 `json:"id"`
	} `json:"buyer"`
	Conversation *struct {
		ID int64 `json:"id"`
	} `json:"conversation"`
	Message *struct {
		ConversationID int64  `json:"conversation_id"`
		Seq            int64  `json:"seq"`
		ClientID       string `json:"client_id"`
		Sender         string `json:"sender"`
	} `json:"message"`
}

func (c *loadBuyer) read(ctx context.Context, conn *websocket.Conn) (loadFrame, error) {
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var f loadFrame
	_, b, err := conn.Read(rctx)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("frame %q: %w", b, err)
	}
	return f, c.tick(conn)
}

// handle applies one frame to the buyer's state; an error is a broken
// promise of the server.
func (c *loadBuyer) handle(f loadFrame) error {
	switch f.Type {
	case "welcome":
		if c.token != "" && f.VisitorToken != c.token {
			return fmt.Errorf("visitor token changed")
		}
		c.token, c.buyerID = f.VisitorToken, f.Buyer.ID
		if f.Conversation != nil {
			if err := c.setConversation(f.Conversation.ID); err != nil {
				return err
			}
		}
	case "conversation":
		return c.setConversation(f.ConversationID)
	case "message":
		m := f.Message
		if err := c.setConversation(m.ConversationID); err != nil {
			return err
		}
		if m.Seq != c.lastSeq+1 {
			return fmt.Errorf("received seq %d after %d", m.Seq, c.lastSeq)
		}
		c.lastSeq = m.Seq
		c.history = append(c.history, m.ClientID)
	case "ack":
		i := slices.Index(c.unacked, f.ClientID)
		if i < 0 {
			return fmt.Errorf("ack for %q, which is not waiting", f.ClientID)
		}
		c.unacked = slices.Delete(c.unacked, i, i+1)
		if prev, ok := c.acked[f.ClientID]; ok && prev != f.Message.Seq {
			return fmt.Errorf("%s acked as seq %d and %d", f.ClientID, prev, f.Message.Seq)
		}
		c.acked[f.ClientID] = f.Message.Seq
		if f.Duplicate {
			c.duplicates++
		}
	case "synced":
	case "error":
		return fmt.Errorf("error frame %s for %q", f.Code, f.ClientID)
	default:
		return fmt.Errorf("unexpected frame %q", f.Type)
	}
	return nil
}

func (c *loadBuyer) setConversation(id int64) error {
	if c.convID != 0 && c.convID != id {
		return fmt.Errorf("conversation %d, then %d", c.convID, id)
	}
	c.convID = id
	return nil
}

// verify checks the buyer's conversation in the store against what the
// buyer was told and what it received.
func (c *loadBuyer) verify(t *testing.T, env *testEnv) {
	ctx := t.Context()
	shopID := env.shops["alpha"].ID
	convs, err := env.db.ListConversations(ctx, store.ConversationFilter{ShopID: shopID, BuyerID: c.buyerID, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 1 || convs[0].ID != c.convID {
		t.Fatalf("buyer %d has %d conversations, want exactly its own (%d)", c.buyerID, len(convs), c.convID)
	}
	ms, err := env.db.ListMessages(ctx, store.MessageQuery{ShopID: shopID, ConversationID: c.convID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	stored := make([]string, 0, len(ms))
	count := map[string]int{}
	for i, m := range ms {
		if m.Seq != int64(i+1) {
			t.Fatalf("stored message %d has seq %d: not gap-free", i, m.Seq)
		}
		if want := c.body(m.ClientID); m.Body != want {
			t.Errorf("seq %d: body %q, want %q", m.Seq, m.Body, want)
		}
		count[m.ClientID]++
		stored = append(stored, m.ClientID)
		if acked, ok := c.acked[m.ClientID]; ok && acked != m.Seq {
			t.Errorf("%s acked as seq %d, stored as %d", m.ClientID, acked, m.Seq)
		}
	}
	for i := range c.total {
		if id := c.clientID(i); count[id] != 1 {
			t.Errorf("%s stored %d times, want once", id, count[id])
		}
	}
	if int64(len(ms)) != c.lastSeq || len(ms) != c.total {
		t.Errorf("%d messages stored, %d expected, client saw up to seq %d", len(ms), c.total, c.lastSeq)
	}
	if !slices.Equal(c.history, stored) {
		t.Errorf("received history differs from the stored one:\n got %v\nwant %v", c.history, stored)
	}
}
