package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

func TestBuyerSendAckResumeAndDedupe(t *testing.T) {
	env := newTestEnv(t)
	b := env.dialBuyer(map[string]any{"shop": "alpha"})
	w := b.until("welcome")
	token, _ := w["visitor_token"].(string)
	if token == "" || w["conversation"] != nil {
		t.Fatalf("welcome %v: want a visitor token and no conversation yet", w)
	}
	for i := 1; i <= 3; i++ {
		b.send(map[string]any{"type": "send", "client_id": fmt.Sprintf("c%d", i), "body": fmt.Sprintf("你好 %d", i)})
		ack := b.until("ack")
		msg := ack["message"].(map[string]any)
		if msg["seq"].(float64) != float64(i) || ack["client_id"] != fmt.Sprintf("c%d", i) {
			t.Fatalf("ack %d: %v", i, ack)
		}
	}
	// The same client id again: the same message, marked duplicate.
	b.send(map[string]any{"type": "send", "client_id": "c2", "body": "你好 2"})
	ack := b.until("ack")
	if ack["duplicate"] != true || ack["message"].(map[string]any)["seq"].(float64) != 2 {
		t.Fatalf("resend ack: %v", ack)
	}
	b.conn.CloseNow()

	// Reconnect with the visitor token and last_seq 1: exactly seq 2 and 3.
	b2 := env.dialBuyer(map[string]any{"shop": "alpha", "visitor_token": token, "conversation_id": w2conv(t, env, token), "last_seq": 1})
	w = b2.until("welcome")
	if w["visitor_token"] != token {
		t.Fatalf("visitor token changed: %v", w["visitor_token"])
	}
	var seqs []float64
	for {
		f := b2.next()
		if f["type"] == "synced" {
			break
		}
		if f["type"] == "message" {
			seqs = append(seqs, f["message"].(map[string]any)["seq"].(float64))
		}
	}
	if fmt.Sprint(seqs) != "[2 3]" {
		t.Fatalf("resumed seqs %v, want [2 3]", seqs)
	}
}

// w2conv finds the conversation of the visitor with token through a fresh
// socket's welcome.
func w2conv(t *testing.T, env *testEnv, token string) float64 {
	ws := env.dialBuyer(map[string]any{"shop": "alpha", "visitor_token": token})
	w := ws.until("welcome")
	ws.conn.CloseNow()
	c, ok := w["conversation"].(map[string]any)
	if !ok {
		t.Fatalf("no conversation in %v", w)
	}
	return c["id"].(float64)
}

func TestBuyerErrorFrames(t *testing.T) {
	env := newTestEnv(t)
	b := env.dialBuyer(map[string]any{"shop": "alpha"})
	b.until("welcome")
	tests := []struct {
		name  string
		frame string
		code  string
	}{
		{"malformed json", `{"type":`, "bad_json"},
		{"unknown type", `{"type":"dance"}`, "unknown_type"},
		{"missing client id", `{"type":"send","body":"hi"}`, "missing_client_id"},
		{"empty body", `{"type":"send","client_id":"e1","body":"  "}`, "empty_message"},
		{"too long", `{"type":"send","client_id":"e2","body":"` + strings.Repeat("长", 5001) + `"}`, "too_long"},
		{"card from buyer", `{"type":"send","client_id":"e3","kind":"card","body":"x"}`, "bad_kind"},
		{"second hello", `{"type":"hello","shop":"alpha"}`, "already_hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := b.conn.Write(t.Context(), 1, []byte(tt.frame)); err != nil {
				t.Fatal(err)
			}
			f := b.until("error")
			if f["code"] != tt.code {
				t.Fatalf("code %v, want %s", f["code"], tt.code)
			}
		})
	}
	// Exactly 5,000 characters is allowed.
	b.send(map[string]any{"type": "send", "client_id": "ok", "body": strings.Repeat("长", 5000)})
	if ack := b.until("ack"); ack["client_id"] != "ok" {
		t.Fatalf("ack %v", ack)
	}
}

func TestBuyerRateLimit(t *testing.T) {
	env := newTestEnv(t)
	env.srv.opts.FrameRate = 5
	b := env.dialBuyer(map[string]any{"shop": "alpha"})
	b.until("welcome")
	for i := 0; i < 30; i++ {
		b.send(map[string]any{"type": "send", "client_id": fmt.Sprintf("r%d", i), "body": "spam"})
	}
	limited := false
	for i := 0; i < 30; i++ {
		f := b.next()
		if f["type"] == "error" && f["code"] == "rate_limited" {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("30 frames at once with a rate of 5/s were never limited")
	}
}

func TestVerifiedBuyerIdentity(t *testing.T) {
	env := newTestEnv(t)
	sig := auth.BuyerSignature("alpha-secret", "u1001")
	b := env.dialBuyer(map[string]any{"shop": "alpha", "buyer": map[string]any{"id": "u1001", "nickname": "小明", "signature": sig}})
	w := b.until("welcome")
	buyer := w["buyer"].(map[string]any)
	if buyer["verified"] != true || buyer["nickname"] != "小明" || w["visitor_token"] != nil {
		t.Fatalf("welcome %v", w)
	}
	// A signature made with another shop's secret does not verify.
	bad := env.dialBuyer(map[string]any{"shop": "alpha", "buyer": map[string]any{"id": "u1001", "signature": auth.BuyerSignature("beta-secret", "u1001")}})
	if f := bad.until("error"); f["code"] != "bad_identity" {
		t.Fatalf("bad signature: %v", f)
	}
	// A visitor token of another shop is not accepted: a new visitor is made.
	a := env.dialBuyer(map[string]any{"shop": "alpha"})
	tok := a.until("welcome")["visitor_token"].(string)
	other := env.dialBuyer(map[string]any{"shop": "beta", "visitor_token": tok})
	if w := other.until("welcome"); w["visitor_token"] == tok {
		t.Fatal("beta accepted alpha's visitor token")
	}
}

func TestAgentSeesBuyerAndReplies(t *testing.T) {
	env := newTestEnv(t)
	b := env.dialBuyer(map[string]any{"shop": "alpha"})
	b.until("welcome")
	b.send(map[string]any{"type": "send", "client_id": "b1", "body": "我要转人工"})
	convID := b.until("ack")["message"].(map[string]any)["conversation_id"].(float64)

	sup := env.login("alpha-supervisor")
	ws, _, err := sup.dialAgent(env.shops["alpha"].ID)
	if err != nil {
		t.Fatal(err)
	}
	ws.until("welcome")
	// The supervisor takes the conversation and watches it.
	path := fmt.Sprintf("/api/v1/shops/%d/conversations/%d", env.shops["alpha"].ID, int64(convID))
	if st := sup.do("POST", path+"/take", nil, nil); st != 200 {
		t.Fatalf("take: %d", st)
	}
	if f := b.until("conversation"); f["owner"] != "agent" {
		t.Fatalf("buyer saw %v", f)
	}
	ws.send(map[string]any{"type": "watch", "conversation_id": convID, "last_seq": 0})
	if m := ws.until("message"); m["message"].(map[string]any)["body"] != "我要转人工" {
		t.Fatalf("agent history: %v", m)
	}
	ws.until("synced")
	ws.send(map[string]any{"type": "send", "conversation_id": convID, "client_id": "a1", "body": "您好，我是主管"})
	ws.until("ack")
	if m := b.until("message"); m["message"].(map[string]any)["sender"] != "agent" {
		t.Fatalf("buyer got %v", m)
	}
	// The buyer's next message reaches the watching agent live.
	b.send(map[string]any{"type": "send", "client_id": "b2", "body": "谢谢"})
	if m := ws.until("message"); m["message"].(map[string]any)["body"] != "谢谢" {
		t.Fatalf("agent live: %v", m)
	}
}

func TestRemovedMemberSocketCloses(t *testing.T) {
	env := newTestEnv(t)
	agent := env.login("alpha-agent")
	ws, _, err := agent.dialAgent(env.shops["alpha"].ID)
	if err != nil {
		t.Fatal(err)
	}
	ws.until("welcome")
	admin := env.login("alpha-admin")
	path := fmt.Sprintf("/api/v1/shops/%d/members/%d", env.shops["alpha"].ID, env.accts["alpha-agent"].ID)
	if st := admin.do("DELETE", path, nil, nil); st != 204 {
		t.Fatalf("remove: %d", st)
	}
	for {
		_, _, err := ws.conn.Read(t.Context())
		if err != nil {
			if !strings.Contains(err.Error(), "4003") {
				t.Fatalf("closed with %v, want 4003", err)
			}
			break
		}
	}
	if st := agent.do("GET", fmt.Sprintf("/api/v1/shops/%d/conversations", env.shops["alpha"].ID), nil, nil); st != 404 {
		t.Fatalf("removed member still reads: %d", st)
	}
	if _, resp, err := agent.dialAgent(env.shops["alpha"].ID); err == nil || resp == nil || resp.StatusCode != 404 {
		t.Fatalf("removed member opened a socket: %v", err)
	}
}

// TestCatchUpFromTheStart: a client that saw nothing gets the whole history
// from seq 1, in order, even past one catch-up page.
func TestCatchUpFromTheStart(t *testing.T) {
	env := newTestEnv(t)
	ctx := t.Context()
	shop := env.shops["alpha"]
	b, err := env.db.EnsureVisitor(ctx, shop.ID, "long-history")
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.db.CreateConversation(ctx, shop.ID, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*catchUpPage + 200
	for i := 1; i <= n; i++ {
		if _, _, err := env.db.AppendMessage(ctx, model.Message{ShopID: shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer,
			SenderID: b.ID, Body: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	ws := env.dialBuyer(map[string]any{"shop": "alpha", "visitor_token": env.srv.ids.VisitorToken(shop.ID, "long-history")})
	ws.until("welcome")
	for want := 1; ; want++ {
		f := ws.next()
		if f["type"] == "synced" {
			if want != n+1 || f["last_seq"].(float64) != n {
				t.Fatalf("synced after %d messages at %v, want %d", want-1, f["last_seq"], n)
			}
			return
		}
		if got := f["message"].(map[string]any)["seq"].(float64); got != float64(want) {
			t.Fatalf("message %d has seq %v", want, got)
		}
	}
}
