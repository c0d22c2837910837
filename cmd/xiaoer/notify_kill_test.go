package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/demo"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// hookReceiver is the merchant's system: it takes each webhook slowly, so
// deliveries are still pending when the server dies, and remembers which
// event ids it got and which message each one was about.
type hookReceiver struct {
	mu      sync.Mutex
	calls   int
	byEvent map[string]int64 // event id → message id
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var p struct {
		ID   string `json:"id"`
		Data struct {
			Message struct {
				ID int64 `json:"id"`
			} `json:"message"`
		} `json:"data"`
	}
	body, _ := io.ReadAll(r.Body)
	if json.Unmarshal(body, &p) != nil || p.ID == "" || p.ID != r.Header.Get("X-Xiaoer-Event-Id") {
		http.Error(w, "bad webhook", http.StatusBadRequest)
		return
	}
	time.Sleep(15 * time.Millisecond)
	h.mu.Lock()
	h.calls++
	h.byEvent[p.ID] = p.Data.Message.ID
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) got() (calls int, events map[string]int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	events = make(map[string]int64, len(h.byEvent))
	for k, v := range h.byEvent {
		events[k] = v
	}
	return h.calls, events
}

// TestNotifyKillAndRestart kills the server without warning while webhook
// deliveries are pending, starts it again on the same data, and checks that
// the receiver ends up with every message exactly once by event id: each
// stored message came with one event id, and no event id is missing.
func TestNotifyKillAndRestart(t *testing.T) {
	bin := xiaoerBinary(t)
	dir, addr := t.TempDir(), mustFreeAddr(t)
	hooks := &hookReceiver{byEvent: map[string]int64{}}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	allow := []string{"--notify-allow-private", "127.0.0.1/32"}
	started := time.Now()
	srv := startServer(t, bin, dir, addr, allow...)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	createWebhook(t, srv.url, receiver.URL+"/xiaoer")
	fleet := newFleet(srv.url, 8, 15)
	fleet.start(ctx)
	if err := fleet.wait(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		if calls, _ := hooks.got(); calls >= 10 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("no webhooks arrived")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := srv.stop(syscall.SIGKILL); err == nil {
		t.Fatal("the server exited cleanly after SIGKILL")
	}
	pending := pendingAtKill(t, dir)
	calls, _ := hooks.got()
	if pending == 0 {
		t.Fatalf("nothing pending at the kill (%d webhooks received): the test proves nothing", calls)
	}
	t.Logf("killed with %d deliveries or facts pending, %d webhooks received", pending, calls)

	srv = startServer(t, bin, dir, addr, allow...)
	want := storedMessages(ctx, t, dir, started)
	for {
		_, events := hooks.got()
		if len(events) >= len(want) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d of %d messages delivered after the restart", len(events), len(want))
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := srv.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("graceful stop: %v\n%s", err, srv.log.String())
	}
	calls, events := hooks.got()
	perMessage := map[int64][]string{}
	for ev, m := range events {
		perMessage[m] = append(perMessage[m], ev)
	}
	for id := range want {
		if evs := perMessage[id]; len(evs) != 1 {
			t.Errorf("message %d arrived under %d event ids %v, want exactly one", id, len(evs), evs)
		}
	}
	for m := range perMessage {
		if !want[m] {
			t.Errorf("a webhook for message %d, which is not stored", m)
		}
	}
	t.Logf("%d messages, %d distinct events, %d calls (%d repeated after the kill)", len(want), len(events), calls, calls-len(events))
}

// createWebhook logs in as the demo owner and subscribes the receiver to
// every message.
func createWebhook(t *testing.T, base, url string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	var session struct {
		CSRFToken string `json:"csrf_token"`
	}
	post(t, c, base+"/api/v1/auth/login", "", map[string]string{"login": "owner", "password": demo.Password}, &session)
	var me struct {
		Shops []struct {
			ID int64 `json:"id"`
		} `json:"shops"`
	}
	resp, err := c.Get(base + "/api/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || len(me.Shops) == 0 {
		t.Fatalf("me: %v %+v", err, me)
	}
	post(t, c, fmt.Sprintf("%s/api/v1/shops/%d/webhooks", base, me.Shops[0].ID), session.CSRFToken,
		map[string]any{"name": "kill test", "url": url, "events": []string{"message.created"}}, nil)
}

func post(t *testing.T, c *http.Client, url, csrf string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// pendingAtKill counts, in the dead server's database, the deliveries not
// yet delivered and the facts not yet turned into deliveries.
func pendingAtKill(t *testing.T, dir string) int {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	facts, err := db.ListFacts(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	n := len(facts)
	shops, err := db.ListShops(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shops {
		ds, err := db.ListDeliveries(t.Context(), store.DeliveryFilter{ShopID: s.ID, Status: store.DeliveryPending, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		n += len(ds)
	}
	return n
}

// storedMessages lists the ids of every message stored since the server
// first started (the demo's past conversations are older, and never
// announced). Nothing makes new ones after the restart: the buyers are
// done and the bot's replies came before the kill or not at all.
func storedMessages(ctx context.Context, t *testing.T, dir string, since time.Time) map[int64]bool {
	t.Helper()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[int64]bool{}
	shops, err := db.ListShops(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range shops {
		cs, err := db.ListConversations(ctx, store.ConversationFilter{ShopID: s.ID, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			ms, err := db.ListMessages(ctx, store.MessageQuery{ShopID: s.ID, ConversationID: c.ID, Limit: 1000})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if !m.CreatedAt.Before(since) {
					out[m.ID] = true
				}
			}
		}
	}
	return out
}
