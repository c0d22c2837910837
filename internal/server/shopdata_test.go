package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// machineCall sends a request as the shop's own systems would: no cookie,
// the given headers.
func (env *testEnv) machineCall(method, path string, body []byte, hdr map[string]string) (int, []byte) {
	env.t.Helper()
	req, err := http.NewRequest(method, env.http.URL+path, bytes.NewReader(body))
	if err != nil {
		env.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

// newKey makes an API key of shop through the admin API.
func (env *testEnv) newKey(shop string) commerce.NewKey {
	env.t.Helper()
	var out struct {
		APIKey        apiKeyJSON `json:"api_key"`
		Key           string     `json:"key"`
		SigningSecret string     `json:"signing_secret"`
	}
	c := env.login(shop + "-admin")
	if st := c.do("POST", shopURL(env.shops[shop].ID, "/api-keys"), map[string]string{"name": "ERP"}, &out); st != 201 || out.Key == "" || out.APIKey.ID == 0 {
		env.t.Fatalf("create key: %d %+v", st, out)
	}
	return commerce.NewKey{APIKey: model.APIKey{ID: out.APIKey.ID, ShopID: env.shops[shop].ID}, Key: out.Key, SigningSecret: out.SigningSecret}
}

// buyerChat pushes a buyer with a phone and an order to alpha, and opens
// a conversation of that buyer waiting in the queue of no group.
func (env *testEnv) buyerChat(t *testing.T, ext string) model.Conversation {
	t.Helper()
	ctx := t.Context()
	shop := env.shops["alpha"]
	for _, b := range []commerce.Batch{
		{Entity: commerce.Buyers, Records: []json.RawMessage{json.RawMessage(fmt.Sprintf(`{"buyer_id":%q,"phone":"13812345678","level":"VIP2","city":"上海"}`, ext))}},
		{Entity: commerce.Orders, Records: []json.RawMessage{json.RawMessage(fmt.Sprintf(`{"order_id":"O-%s","buyer_id":%q,"status":"shipped","total_fen":9900,
"created_at":"2025-05-01T10:00:00+08:00","paid_at":"2025-05-01T10:01:00+08:00","carrier":"顺丰","tracking_no":"SF1",
"logistics":[{"at":"2025-05-02T09:00:00+08:00","text":"已揽收"}],"items":[{"product_id":"P1","title":"T恤","qty":1,"price_fen":9900}]}`, ext, ext))}},
	} {
		if _, err := env.srv.data.Ingest(ctx, shop.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	b, err := env.db.EnsureVerifiedBuyer(ctx, shop.ID, ext, "小王")
	if err != nil {
		t.Fatal(err)
	}
	c, err := env.db.CreateConversation(ctx, shop.ID, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	c, _, err = env.db.ChangeOwner(ctx, store.OwnerChange{ShopID: shop.ID, ConversationID: c.ID, From: model.OwnerBot, To: model.OwnerQueue, Reason: "buyer_asked"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type panelReply struct {
	Buyer     commerce.BuyerView   `json:"buyer"`
	Orders    []commerce.OrderView `json:"orders"`
	CanReveal bool                 `json:"can_reveal_phone"`
	Summary   botSummaryJSON       `json:"summary"`
	Agent     panelAgentJSON       `json:"agent"`
}

func TestPanelMaskingByRole(t *testing.T) {
	env := newTestEnv(t)
	c := env.buyerChat(t, "u1")
	url := shopURL(env.shops["alpha"].ID, fmt.Sprintf("/conversations/%d/panel", c.ID))
	for _, role := range auth.BuiltinRoles() {
		t.Run(role, func(t *testing.T) {
			var p panelReply
			if st := forT(t, env).login("alpha-"+role).do("GET", url, nil, &p); st != 200 {
				t.Fatalf("status %d", st)
			}
			if p.Buyer.Phone != "138****5678" || !p.Buyer.PhoneMasked {
				t.Errorf("phone %q masked %v: the panel always masks", p.Buyer.Phone, p.Buyer.PhoneMasked)
			}
			if want := role != auth.RoleAgent; p.CanReveal != want {
				t.Errorf("can_reveal_phone %v, want %v", p.CanReveal, want)
			}
			if len(p.Orders) != 1 || p.Orders[0].StatusLabel != "已发货" || p.Orders[0].Latest == nil || p.Buyer.LevelLabel != "VIP2" {
				t.Errorf("orders %+v, level %q", p.Orders, p.Buyer.LevelLabel)
			}
			if p.Summary.HandoffReason != "buyer_asked" || p.Agent.Role != role {
				t.Errorf("summary %+v, agent %+v", p.Summary, p.Agent)
			}
		})
	}
	var raw map[string]any
	forT(t, env).login("alpha-agent").do("GET", url, nil, &raw)
	if strings.Contains(fmt.Sprint(raw), "13812345678") {
		t.Error("the full phone number is somewhere in the panel")
	}
}

func TestPhoneRevealAudited(t *testing.T) {
	env := newTestEnv(t)
	c := env.buyerChat(t, "u1")
	url := shopURL(env.shops["alpha"].ID, fmt.Sprintf("/buyers/%d/phone", c.BuyerID))
	var out map[string]any
	if st := env.login("alpha-agent").do("POST", url, nil, &out); st != 403 {
		t.Errorf("agent: %d, want 403", st)
	}
	sup := env.login("alpha-supervisor")
	if st := sup.do("POST", url, nil, &out); st != 200 || out["phone"] != "13812345678" {
		t.Fatalf("supervisor: %d %v", st, out)
	}
	es, err := env.db.ListAudit(t.Context(), env.shops["alpha"].ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("buyer %d", c.BuyerID)
	if len(es) == 0 || es[0].Action != "buyer.phone.reveal" || es[0].ActorID != env.accts["alpha-supervisor"].ID ||
		es[0].Target != want || es[0].CreatedAt.IsZero() {
		t.Errorf("audit %+v: want who (supervisor), when and %q", es, want)
	}
}

// TestPanelOnlyWhileVisible: a role that may reveal phones but sees only
// its own conversations gets 404 for a buyer whose conversation is another
// agent's, and the panel and phone once the conversation is theirs.
func TestPanelOnlyWhileVisible(t *testing.T) {
	env := newTestEnv(t)
	ctx := t.Context()
	shop := env.shops["alpha"]
	if err := env.db.PutRole(ctx, store.Role{ShopID: shop.ID, Name: "seer", Permissions: []string{string(auth.ConversationsReadAssigned),
		string(auth.BuyersRead), string(auth.BuyersPhoneReveal)}}); err != nil {
		t.Fatal(err)
	}
	f := newFixtures(env)
	seer := f.member(t, "alpha", "seer")
	c := env.buyerChat(t, "u1")
	c, _, err := env.db.ChangeOwner(ctx, store.OwnerChange{ShopID: shop.ID, ConversationID: c.ID, From: model.OwnerQueue, To: model.OwnerAgent,
		AgentID: env.accts["alpha-agent"].ID})
	if err != nil {
		t.Fatal(err)
	}
	cl := env.login(seer.Username)
	panel := shopURL(shop.ID, fmt.Sprintf("/conversations/%d/panel", c.ID))
	phone := shopURL(shop.ID, fmt.Sprintf("/buyers/%d/phone", c.BuyerID))
	for path, method := range map[string]string{panel: "GET", phone: "POST"} {
		if st, raw := cl.raw(method, path, nil); st != 404 {
			t.Errorf("%s %s while another agent's: %d %s, want 404", method, path, st, raw)
		}
	}
	if _, _, err := env.db.ChangeOwner(ctx, store.OwnerChange{ShopID: shop.ID, ConversationID: c.ID, From: model.OwnerAgent,
		FromAgentID: c.AgentID, To: model.OwnerAgent, AgentID: seer.ID}); err != nil {
		t.Fatal(err)
	}
	for path, method := range map[string]string{panel: "GET", phone: "POST"} {
		if st, raw := cl.raw(method, path, nil); st != 200 {
			t.Errorf("%s %s once theirs: %d %s, want 200", method, path, st, raw)
		}
	}
}

func TestPanelAnonymousVisitor(t *testing.T) {
	env := newTestEnv(t)
	c := newFixtures(env).conversation(t, "alpha", model.OwnerQueue, 0, 0)
	var p map[string]any
	if st := env.login("alpha-owner").do("GET", shopURL(env.shops["alpha"].ID, fmt.Sprintf("/conversations/%d/panel", c.ID)), nil, &p); st != 200 {
		t.Fatalf("status %d", st)
	}
	if b := p["buyer"].(map[string]any); b["verified"] != false || b["account"] != nil || len(p["orders"].([]any)) != 0 {
		t.Errorf("a visitor's panel: %v", p)
	}
}

func TestAPIKeyShopIsolation(t *testing.T) {
	env := newTestEnv(t)
	alpha, beta := env.newKey("alpha"), env.newKey("beta")
	order := []byte(`{"items":[{"order_id":"A1","buyer_id":"u1","status":"unpaid","total_fen":100,"created_at":"2025-05-01T10:00:00Z",
"items":[{"product_id":"P1","title":"T恤","qty":1,"price_fen":100}]}]}`)
	if st, raw := env.machineCall("POST", "/api/v1/data/orders", order, bearer(alpha.Key)); st != 200 {
		t.Fatalf("alpha writes: %d %s", st, raw)
	}
	if st, _ := env.machineCall("GET", "/api/v1/data/orders/A1", nil, bearer(alpha.Key)); st != 200 {
		t.Errorf("alpha reads its order: %d", st)
	}
	if st, _ := env.machineCall("GET", "/api/v1/data/orders/A1", nil, bearer(beta.Key)); st != 404 {
		t.Errorf("beta reads alpha's order: %d, want 404", st)
	}
	changed := bytes.Replace(order, []byte(`"total_fen":100`), []byte(`"total_fen":1`), 1)
	if st, raw := env.machineCall("POST", "/api/v1/data/orders", changed, bearer(beta.Key)); st != 200 || !strings.Contains(string(raw), `"created":1`) {
		t.Errorf("beta writes: %d %s: want its own new order", st, raw)
	}
	a, err := env.db.GetOrder(t.Context(), env.shops["alpha"].ID, "A1")
	if err != nil || a.TotalFen != 100 {
		t.Errorf("alpha's order after beta's write: %+v, %v", a, err)
	}
	if st := env.login("alpha-admin").do("DELETE", shopURL(env.shops["alpha"].ID, fmt.Sprintf("/api-keys/%d", alpha.APIKey.ID)), nil, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	for name, hdr := range map[string]map[string]string{"revoked": bearer(alpha.Key), "none": nil, "garbage": bearer("xk_garbage")} {
		if st, _ := env.machineCall("POST", "/api/v1/data/orders", order, hdr); st != 401 {
			t.Errorf("%s key: %d, want 401", name, st)
		}
	}
}

func TestIngestHTTPErrors(t *testing.T) {
	env := newTestEnv(t)
	key := env.newKey("alpha")
	var many []string
	for i := range commerce.DefaultMaxBatch + 1 {
		many = append(many, fmt.Sprintf(`{"buyer_id":"u%d"}`, i))
	}
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"bad row", "/api/v1/data/buyers", `{"items":[{"buyer_id":"u1"},{"buyer_id":"u2","level":"gold"}]}`, 422, "invalid_batch"},
		{"unknown entity", "/api/v1/data/parcels", `{"items":[{}]}`, 404, "unknown_entity"},
		{"empty", "/api/v1/data/buyers", `{"items":[]}`, 400, "empty_batch"},
		{"not the envelope", "/api/v1/data/buyers", `[{"buyer_id":"u1"}]`, 400, "bad_json"},
		{"too many records", "/api/v1/data/buyers", `{"items":[` + strings.Join(many, ",") + `]}`, 413, "batch_too_large"},
		{"too many bytes", "/api/v1/data/buyers", `{"items":[{"buyer_id":"` + strings.Repeat("x", maxIngestBody) + `"}]}`, 413, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, raw := env.machineCall("POST", tt.path, []byte(tt.body), bearer(key.Key))
			var e struct {
				Code   string          `json:"code"`
				Report commerce.Report `json:"report"`
			}
			_ = json.Unmarshal(raw, &e)
			if st != tt.status || e.Code != tt.code {
				t.Fatalf("%d %.200s, want %d %s", st, raw, tt.status, tt.code)
			}
			if tt.code == "invalid_batch" && (len(e.Report.Problems) != 1 || e.Report.Problems[0].Item != 1 || e.Report.Problems[0].Field != "level") {
				t.Errorf("report %+v", e.Report)
			}
		})
	}
	if _, err := env.db.GetBuyerProfileByExternal(t.Context(), env.shops["alpha"].ID, "u1"); err == nil {
		t.Error("the refused batch stored u1")
	}
}

func TestWebhookHTTP(t *testing.T) {
	env := newTestEnv(t)
	key := env.newKey("alpha")
	body := []byte(`{"id":"d-1","events":[{"entity":"buyers","data":{"buyer_id":"u7","city":"杭州"}},{"entity":"buyers","data":{"buyer_id":""}}]}`)
	ts := time.Now().Unix()
	hdr := map[string]string{commerce.HeaderKeyID: strconv.FormatInt(key.APIKey.ID, 10), commerce.HeaderTimestamp: strconv.FormatInt(ts, 10),
		commerce.HeaderSignature: commerce.Sign(key.SigningSecret, ts, body)}
	st, raw := env.machineCall("POST", "/api/v1/webhook", body, hdr)
	if st != 200 || !strings.Contains(string(raw), `"outcome":"created"`) || !strings.Contains(string(raw), `"outcome":"rejected"`) {
		t.Fatalf("delivery: %d %s", st, raw)
	}
	if st, raw := env.machineCall("POST", "/api/v1/webhook", body, hdr); st != 409 || !strings.Contains(string(raw), "replayed") {
		t.Errorf("replay: %d %s", st, raw)
	}
	hdr[commerce.HeaderSignature] = commerce.Sign(env.newKey("beta").SigningSecret, ts, body)
	if st, raw := env.machineCall("POST", "/api/v1/webhook", body, hdr); st != 401 || !strings.Contains(string(raw), "bad_signature") {
		t.Errorf("signed with beta's secret: %d %s", st, raw)
	}
}
