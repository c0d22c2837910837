package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// node is one xiaoer node of a test deployment: its own store handle,
// broker, hub, engines and HTTP server over a shared database.
func newNode(t *testing.T, name, dbPath, natsURL string, mods ...func(*Options)) *testEnv {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{DSN: dbPath})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	broker, err := bus.NewNATS(natsURL, name, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := hub.New()
	broker.Subscribe(h.Handle)
	engines := kb.NewEngines(db, nil, nil)
	broker.Subscribe(engines.Handle)
	opts := Options{Store: db, Chat: chat.New(chat.Options{Store: db, Bus: broker, Node: name}), Bus: broker, Hub: h,
		KB:         kb.New(kb.Options{Store: db, Bus: broker, Engines: engines}),
		Identities: auth.NewIdentities(strings.Repeat("k", 32)), BcryptCost: 4, FrameRate: 1000, BaseURL: "http://xiaoer.test"}
	for _, mod := range mods {
		mod(&opts)
	}
	srv := New(opts)
	env := &testEnv{t: t, db: db, srv: srv, http: httptest.NewServer(srv), shops: map[string]model.Shop{}, accts: map[string]model.Account{}}
	t.Cleanup(func() {
		srv.Drain()
		env.http.Close()
		srv.WaitSockets()
		broker.Close()
		db.Close()
	})
	return env
}

// startNATS runs an in-process NATS server for a test deployment.
func startNATS(t *testing.T) string {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats did not start")
	}
	t.Cleanup(ns.Shutdown)
	return ns.ClientURL()
}

// TestTwoNodes: a buyer on one node and an agent on another talk through
// NATS, and a FAQ published on one node is answered by the other.
func TestTwoNodes(t *testing.T) {
	natsURL := startNATS(t)
	path := t.TempDir() + "/shared.db"
	a := newNode(t, "node-a", path, natsURL)
	b := newNode(t, "node-b", path, natsURL)
	ctx := context.Background()
	shop, err := a.db.CreateShop(ctx, model.Shop{Slug: "alpha", Name: "alpha", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := auth.HashPassword(testPassword, 4)
	sup, err := a.db.CreateAccount(ctx, model.Account{Username: "alpha-supervisor", PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.AddMember(ctx, model.Membership{ShopID: shop.ID, AccountID: sup.ID, Role: auth.RoleSupervisor}); err != nil {
		t.Fatal(err)
	}

	buyer := a.dialBuyer(map[string]any{"shop": "alpha"})
	buyer.until("welcome")
	buyer.send(map[string]any{"type": "send", "client_id": "b1", "body": "你好，在吗"})
	convID := buyer.until("ack")["message"].(map[string]any)["conversation_id"].(float64)

	agent := b.login("alpha-supervisor")
	ws, _, err := agent.dialAgent(shop.ID)
	if err != nil {
		t.Fatal(err)
	}
	ws.until("welcome")
	if st := agent.do("POST", shopURL(shop.ID, fmt.Sprintf("/conversations/%d/take", int64(convID))), nil, nil); st != 200 {
		t.Fatalf("take on node b: %d", st)
	}
	if f := buyer.until("conversation"); f["owner"] != "agent" {
		t.Fatalf("buyer on node a saw %v", f)
	}
	ws.send(map[string]any{"type": "watch", "conversation_id": convID})
	ws.until("synced")
	buyer.send(map[string]any{"type": "send", "client_id": "b2", "body": "我的快递到哪了"})
	if m := ws.until("message")["message"].(map[string]any); m["body"] != "我的快递到哪了" {
		t.Fatalf("agent on node b got %v", m)
	}
	ws.send(map[string]any{"type": "send", "conversation_id": convID, "client_id": "a1", "body": "马上帮您查"})
	for {
		m := buyer.until("message")["message"].(map[string]any)
		if m["sender"] == "agent" {
			if m["body"] != "马上帮您查" {
				t.Fatalf("buyer on node a got %v", m)
			}
			break
		}
	}

	// Knowledge published on node a reaches node b's engine.
	if _, err := b.srv.kb.Engines().Get(ctx, shop.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.srv.kb.Create(ctx, shop.ID, sup.ID, kb.Input{Publish: true, Content: model.FAQContent{
		Question: "支持货到付款吗", Similar: []string{"能货到付款吗", "可以到付吗"}, Answers: []model.Answer{{Type: "text", Text: "暂不支持货到付款"}}}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		m, err := b.srv.kb.Test(ctx, shop.ID, "支持货到付款吗", "zh-CN")
		if err != nil {
			t.Fatal(err)
		}
		if m.Answer != nil && m.Answer.Text == "暂不支持货到付款" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node b never answered the FAQ published on node a: %+v", m.Result)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
