package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// wantError checks an error answer's status, code and field.
func wantError(t *testing.T, status int, raw []byte, wantStatus int, code, field string) {
	t.Helper()
	e := decodeError(t, raw)
	if status != wantStatus || e.Code != code || e.Field != field {
		t.Fatalf("status %d %+v, want %d %s field %q", status, e, wantStatus, code, field)
	}
}

func TestBotPipelineAPI(t *testing.T) {
	env := newTestEnv(t)
	admin := env.login("alpha-admin")
	path := shopURL(env.shops["alpha"].ID, "/bot/pipeline")
	var got struct {
		Pipeline  map[string]json.RawMessage `json:"pipeline"`
		Catalogue map[string]json.RawMessage `json:"catalogue"`
	}
	if status := admin.do("GET", path, nil, &got); status != 200 || got.Catalogue["handoff.queued"] == nil || got.Pipeline["welcome"] == nil {
		t.Fatalf("GET: %d %v", status, got)
	}
	bad := []struct {
		name        string
		body        string
		code, field string
	}{
		{"bad regexp", `{"rules":[{"name":"x","match":"regexp","patterns":["(a"],"reply":{"zh-CN":"y"}}]}`, "bad_field", "rules[0].patterns[0]"},
		{"unknown field", `{"rulez":[]}`, "unknown_field", "rulez"},
		{"wrong type", `{"small_talk":"yes"}`, "bad_field", "small_talk"},
		{"template field", `{"templates":{"handoff.queued":{"zh-CN":"第{n}位"}}}`, "bad_field", "templates.handoff.queued.zh-CN"},
		{"hours", `{"hours":{"enabled":true,"periods":[{"days":[1],"from":"25:00","to":"18:00"}]}}`, "bad_field", "hours.periods[0].from"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := forT(t, env).login("alpha-admin").raw("PUT", path, tt.body)
			wantError(t, status, raw, http.StatusBadRequest, tt.code, tt.field)
		})
	}
	body := `{"welcome":{},"rules":[{"name":"包邮","match":"exact","patterns":["包邮吗"],"reply":{"zh-CN":"全场包邮"}}],
"handoff":{"keywords":["批发"],"max_misses":3}}`
	if status, raw := admin.raw("PUT", path, body); status != 200 {
		t.Fatalf("PUT: %d %s", status, raw)
	}
	admin.do("GET", path, nil, &got)
	var handoff struct {
		Keywords    []string `json:"keywords"`
		MaxMisses   int      `json:"max_misses"`
		AlwaysHuman []string `json:"always_human"`
	}
	// Fields left out keep their defaults (always_human); a cleared
	// welcome stays cleared.
	_ = json.Unmarshal(got.Pipeline["handoff"], &handoff)
	if string(got.Pipeline["welcome"]) != "{}" || handoff.MaxMisses != 3 || handoff.Keywords[0] != "批发" || len(handoff.AlwaysHuman) != 2 {
		t.Fatalf("stored pipeline %s / %s", got.Pipeline["welcome"], got.Pipeline["handoff"])
	}
}

func TestRoutingAPI(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	g := f.group(t, "alpha")
	foreign := f.group(t, "beta")
	owner := env.login("alpha-owner")
	path := shopURL(env.shops["alpha"].ID, "/routing")
	status, raw := owner.raw("PUT", path, map[string]any{"groups": []map[string]any{{"group_id": foreign, "categories": []string{"order"}}}})
	wantError(t, status, raw, 400, "bad_field", "groups[0].group_id")
	status, raw = owner.raw("PUT", path, map[string]any{"groups": []map[string]any{{"group_id": g, "intents": []string{"nope"}}}})
	wantError(t, status, raw, 400, "bad_field", "groups[0].intents[0]")
	status, raw = owner.raw("PUT", path, map[string]any{"groups": []map[string]any{{"group_id": g, "categories": []string{"aftersale"},
		"intents": []string{"complaint"}, "strategy": "sticky"}}, "fallback_group": g, "agent_silent_minutes": 15})
	if status != 200 {
		t.Fatalf("PUT: %d %s", status, raw)
	}
	var got struct {
		Routing struct {
			Groups             []map[string]any `json:"groups"`
			AgentSilentMinutes int              `json:"agent_silent_minutes"`
			IdleCloseMinutes   int              `json:"idle_close_minutes"`
		} `json:"routing"`
	}
	owner.do("GET", path, nil, &got)
	if len(got.Routing.Groups) != 1 || got.Routing.AgentSilentMinutes != 15 || got.Routing.IdleCloseMinutes != 60 {
		t.Fatalf("stored routing %+v", got)
	}
}

func TestCannedRepliesAPI(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agent, other, admin := env.login("alpha-agent"), f.member(t, "alpha", auth.RoleAgent), env.login("alpha-admin")
	path := shopURL(alpha, "/canned-replies")
	var mine cannedJSON
	if status := agent.do("POST", path, map[string]any{"shortcut": "hi", "body": "{buyer_name}您好，我是{agent_name}", "personal": true}, &mine); status != 201 {
		t.Fatalf("personal create: %d", status)
	}
	status, raw := agent.raw("POST", path, map[string]any{"shortcut": "shop", "body": "x"})
	wantError(t, status, raw, 403, "forbidden", "")
	var shop cannedJSON
	if status := admin.do("POST", path, map[string]any{"shortcut": "hi", "title": "问候", "body": "订单{order_no}已收到"}, &shop); status != 201 {
		t.Fatalf("shop create: %d", status)
	}
	status, raw = admin.raw("POST", path, map[string]any{"shortcut": "hi", "body": "again"})
	wantError(t, status, raw, 409, "shortcut_taken", "")
	status, raw = admin.raw("POST", path, map[string]any{"shortcut": "x", "body": "{phone}"})
	wantError(t, status, raw, 400, "bad_field", "body")
	status, raw = admin.raw("POST", path, map[string]any{"shortcut": "带 空格", "body": "x"})
	wantError(t, status, raw, 400, "bad_field", "shortcut")

	otherClient := forT(t, env).login(other.Username)
	var list struct{ Items []cannedJSON }
	otherClient.do("GET", path, nil, &list)
	if len(list.Items) != 1 || list.Items[0].ID != shop.ID {
		t.Fatalf("another agent sees %+v; want only the shop's reply", list.Items)
	}
	agent.do("GET", path, nil, &list)
	if len(list.Items) != 2 || !list.Items[1].Personal {
		t.Fatalf("the agent sees %+v; want the shop's and their own", list.Items)
	}
	status, raw = otherClient.raw("PUT", fmt.Sprintf("%s/%d", path, mine.ID), map[string]any{"shortcut": "x", "body": "y"})
	wantError(t, status, raw, 404, "not_found", "")
	status, raw = agent.raw("DELETE", fmt.Sprintf("%s/%d", path, shop.ID), nil)
	wantError(t, status, raw, 403, "forbidden", "")

	// Filled for a conversation of a verified buyer with an order.
	b, err := env.db.EnsureVerifiedBuyer(context.Background(), alpha, "u9", "小明")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.db.UpsertOrders(context.Background(), alpha, []model.Order{{ExternalID: "2025060100000009", BuyerID: "u9",
		Status: model.OrderPaid, TotalFen: 100, Items: []model.OrderItem{{ProductID: "P", Title: "t", Qty: 1, PriceFen: 100}}}}); err != nil {
		t.Fatal(err)
	}
	c, err := env.db.CreateConversation(context.Background(), alpha, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var filled struct{ Items []cannedJSON }
	supervisor := env.login("alpha-supervisor")
	supervisor.do("GET", shopURL(alpha, fmt.Sprintf("/conversations/%d/canned-replies", c.ID)), nil, &filled)
	if len(filled.Items) != 1 || filled.Items[0].Text != "订单2025060100000009已收到" {
		t.Fatalf("filled replies %+v", filled.Items)
	}
}

func TestTransferAPI(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agentID := env.accts["alpha-agent"].ID
	colleague := f.member(t, "alpha", auth.RoleAgent)
	away := f.member(t, "alpha", auth.RoleAgent)
	if err := env.db.SetAgentStatus(context.Background(), alpha, colleague.ID, model.StatusOnline); err != nil {
		t.Fatal(err)
	}
	c := f.conversation(t, "alpha", model.OwnerAgent, agentID, 0)
	url := shopURL(alpha, fmt.Sprintf("/conversations/%d/transfer", c.ID))
	agent := env.login("alpha-agent")
	status, raw := agent.raw("POST", url, map[string]any{"agent_id": away.ID})
	wantError(t, status, raw, 409, "agent_unavailable", "")
	status, raw = agent.raw("POST", url, map[string]any{"agent_id": colleague.ID, "group_id": 1})
	wantError(t, status, raw, 400, "bad_field", "agent_id")
	status, raw = agent.raw("POST", url, map[string]any{"note": strings.Repeat("长", 201), "agent_id": colleague.ID})
	wantError(t, status, raw, 400, "too_long", "note")
	var moved struct {
		AgentID int64  `json:"agent_id"`
		Owner   string `json:"owner"`
	}
	if status := agent.do("POST", url, map[string]any{"agent_id": colleague.ID, "note": "买家要换货"}, &moved); status != 200 || moved.AgentID != colleague.ID {
		t.Fatalf("transfer: %d %+v", status, moved)
	}
	evs, _ := env.db.ListEvents(context.Background(), alpha, c.ID)
	if r := evs[len(evs)-1].Reason; r != "transferred: 买家要换货" {
		t.Fatalf("reason %q", r)
	}
	// No longer the agent's: they cannot see it, so cannot move it.
	status, raw = agent.raw("POST", url, map[string]any{"agent_id": agentID})
	wantError(t, status, raw, 404, "not_found", "")
	// A supervisor moves anyone's.
	g := f.group(t, "alpha", agentID)
	var queued struct {
		Owner   string `json:"owner"`
		GroupID int64  `json:"group_id"`
	}
	if status := env.login("alpha-supervisor").do("POST", url, map[string]any{"group_id": g}, &queued); status != 200 || queued.Owner != "queue" || queued.GroupID != g {
		t.Fatalf("supervisor transfer: %d %+v", status, queued)
	}
	var svc serviceJSON
	env.login("alpha-supervisor").do("GET", shopURL(alpha, fmt.Sprintf("/conversations/%d/service", c.ID)), nil, &svc)
	if svc.QueuePosition != 1 || svc.QueuedAt == nil {
		t.Fatalf("service %+v", svc)
	}
}

func TestBuyerProductRatingAndQueueFrames(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	b := env.dialBuyer(map[string]any{"shop": "alpha", "context": map[string]any{"product_id": "P100"}})
	b.until("welcome")
	b.send(map[string]any{"type": "send", "client_id": "c1", "body": "这件还有货吗"})
	ack := b.until("ack")
	convID := int64(ack["message"].(map[string]any)["conversation_id"].(float64))
	st, err := env.db.ConversationState(context.Background(), alpha, convID)
	if err != nil || st.ProductID != "P100" {
		t.Fatalf("product context %+v %v", st, err)
	}
	b.send(map[string]any{"type": "context", "product_id": "P200"})
	b.send(map[string]any{"type": "context", "client_id": "x", "product_id": "has space"})
	if e := b.until("error"); e["code"] != "bad_product" {
		t.Fatalf("error %v", e)
	}
	if st, _ := env.db.ConversationState(context.Background(), alpha, convID); st.ProductID != "P200" {
		t.Fatalf("product after context frame %q", st.ProductID)
	}

	// Waiting in the queue: the buyer is told their place.
	c, err := env.db.GetConversation(context.Background(), alpha, convID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := env.srv.chat.ChangeOwner(context.Background(), store.OwnerChange{ShopID: alpha, ConversationID: c.ID,
		From: c.Owner, To: model.OwnerQueue, Reason: "human_request"}); err != nil {
		t.Fatal(err)
	}
	if err := env.srv.route.DrainShop(context.Background(), alpha); err != nil {
		t.Fatal(err)
	}
	if q := b.until("queue"); q["position"].(float64) != 1 {
		t.Fatalf("queue frame %v", q)
	}

	b.send(map[string]any{"type": "rate", "client_id": "r0", "conversation_id": convID, "rating": 5})
	if e := b.until("error"); e["code"] != "not_closed" {
		t.Fatalf("rating an open conversation: %v", e)
	}
	sup := env.login("alpha-supervisor")
	if status, raw := sup.raw("POST", shopURL(alpha, fmt.Sprintf("/conversations/%d/close", convID)), nil); status != 200 {
		t.Fatalf("close: %d %s", status, raw)
	}
	b.send(map[string]any{"type": "rate", "client_id": "r1", "conversation_id": convID, "rating": 9})
	if e := b.until("error"); e["code"] != "bad_rating" {
		t.Fatalf("rating 9: %v", e)
	}
	b.send(map[string]any{"type": "rate", "client_id": "r2", "conversation_id": convID, "rating": 4, "comment": "回复很快"})
	if r := b.until("rated"); r["rating"].(float64) != 4 || r["client_id"] != "r2" {
		t.Fatalf("rated %v", r)
	}
	b.send(map[string]any{"type": "rate", "client_id": "r3", "conversation_id": convID, "rating": 1})
	if e := b.until("error"); e["code"] != "already_rated" {
		t.Fatalf("second rating: %v", e)
	}
	var svc serviceJSON
	sup.do("GET", shopURL(alpha, fmt.Sprintf("/conversations/%d/service", convID)), nil, &svc)
	if svc.Rating != 4 || svc.RatingComment != "回复很快" {
		t.Fatalf("service %+v", svc)
	}
	// Another buyer cannot rate this conversation.
	other := env.dialBuyer(map[string]any{"shop": "alpha"})
	other.until("welcome")
	other.send(map[string]any{"type": "rate", "client_id": "z", "conversation_id": convID, "rating": 1})
	if e := other.until("error"); e["code"] != "not_found" {
		t.Fatalf("a stranger's rating: %v", e)
	}
}
