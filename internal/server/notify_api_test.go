package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestNotifyAPI walks the console's notification settings: a channel whose
// credential is never shown back, a webhook whose secret is shown once,
// bad input answered with a stable code and field, and a failed delivery
// retried.
func TestNotifyAPI(t *testing.T) {
	env := newTestEnv(t)
	admin := env.login("alpha-admin")
	base := fmt.Sprintf("/api/v1/shops/%d", env.shops["alpha"].ID)

	var ch map[string]any
	if st := admin.do("POST", base+"/notifications/channels", map[string]any{"kind": "dingtalk", "name": "售后群",
		"url": "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef", "secret": "SECsecretsecret"}, &ch); st != 201 {
		t.Fatalf("create channel: %d %v", st, ch)
	}
	if ch["url"] != "https://oapi.dingtalk.com/robot/send?access_token=****cdef" || ch["has_secret"] != true || ch["rate_limit"] != 20.0 {
		t.Errorf("channel %v: want the token masked and the secret only flagged", ch)
	}
	var list struct{ Items []map[string]any }
	admin.do("GET", base+"/notifications/channels", nil, &list)
	raw := fmt.Sprint(list)
	if len(list.Items) != 1 || strings.Contains(raw, "0123456789abcdef") || strings.Contains(raw, "SECsecret") {
		t.Errorf("channel list shows a credential: %v", list)
	}
	for _, tt := range []struct {
		body        map[string]any
		code, field string
	}{
		{map[string]any{"kind": "slack", "name": "x", "url": "https://x.example"}, "bad_kind", "kind"},
		{map[string]any{"kind": "wecom", "name": "x", "url": "ftp://x.example"}, "bad_url", "url"},
		{map[string]any{"kind": "wecom", "name": "", "url": "https://x.example"}, "missing_field", "name"},
		{map[string]any{"kind": "email", "name": "x", "email": map[string]any{"host": "smtp.example.com", "from": "a@b.c", "to": []string{"nope"}}},
			"bad_address", "email.to[0]"},
		{map[string]any{"kind": "wecom", "name": "x", "url": "https://x.example", "colour": "red"}, "unknown_field", "colour"},
	} {
		st, body := admin.raw("POST", base+"/notifications/channels", tt.body)
		e := decodeError(t, body)
		if st != 400 || e.Code != tt.code || e.Field != tt.field {
			t.Errorf("%v: %d %+v, want 400 %s on %s", tt.body, st, e, tt.code, tt.field)
		}
	}

	var hook map[string]any
	if st := admin.do("POST", base+"/webhooks", map[string]any{"name": "ERP", "url": "http://127.0.0.1:9/in?token=tok-abcdef",
		"events": []string{"conversation.closed"}}, &hook); st != 201 {
		t.Fatalf("create webhook: %d %v", st, hook)
	}
	if hook["url"] != "http://127.0.0.1:9/in?token=****cdef" {
		t.Errorf("webhook url %v: want the token masked", hook["url"])
	}
	secret, _ := hook["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("webhook secret %q", secret)
	}
	admin.do("GET", base+"/webhooks", nil, &list)
	if raw := fmt.Sprint(list); strings.Contains(raw, secret) || strings.Contains(raw, "tok-abcdef") {
		t.Errorf("the webhook list shows a secret: %s", raw)
	}
	var rotated map[string]any
	admin.do("POST", fmt.Sprintf("%s/webhooks/%v/secret", base, hook["id"]), nil, &rotated)
	if rotated["secret"] == secret || !strings.HasPrefix(rotated["secret"].(string), "whsec_") {
		t.Errorf("rotation gave %v", rotated["secret"])
	}
	var res map[string]any
	admin.do("POST", fmt.Sprintf("%s/webhooks/%v/test", base, hook["id"]), nil, &res)
	if res["ok"] != false || !strings.Contains(res["error"].(string), "not allowed") {
		t.Errorf("test send to loopback: %v", res)
	}
	st, body := admin.raw("POST", base+"/webhooks", map[string]any{"name": "x", "url": "https://x.example", "events": []string{"order.paid"}})
	if e := decodeError(t, body); st != 400 || e.Code != "unknown_event" || e.Field != "events[0]" {
		t.Errorf("unknown event: %d %+v", st, e)
	}

	id := failedDelivery(t, env.db, int64(hook["id"].(float64)), env.shops["alpha"].ID)
	var failed struct{ Items []map[string]any }
	admin.do("GET", base+"/deliveries?status=failed", nil, &failed)
	if len(failed.Items) != 1 || failed.Items[0]["last_error"] != "HTTP 500" || failed.Items[0]["target_name"] != "ERP" {
		t.Fatalf("failed deliveries %v", failed)
	}
	if st := admin.do("POST", fmt.Sprintf("%s/deliveries/%d/retry", base, id), nil, nil); st != 200 {
		t.Fatalf("retry: %d", st)
	}
	st, body = admin.raw("POST", fmt.Sprintf("%s/deliveries/%d/retry", base, id), nil)
	if e := decodeError(t, body); st != 409 || e.Code != "not_failed" {
		t.Errorf("retry again: %d %+v", st, e)
	}
	if st, _ := admin.raw("GET", base+"/deliveries?status=lost", nil); st != 400 {
		t.Errorf("bad status filter: %d", st)
	}

	agent := env.login("alpha-agent")
	var mine map[string]any
	agent.do("GET", base+"/notifications/me", nil, &mine)
	if mine["inherited"] != true || len(mine["channels"].([]any)) != 1 {
		t.Errorf("an agent's preferences: %v", mine)
	}
	st, body = agent.raw("PUT", base+"/notifications/me", map[string]any{"events": map[string]any{"queue": map[string]any{"sound": "siren"}},
		"volume": 50, "wait_minutes": 5})
	if e := decodeError(t, body); st != 400 || e.Code != "bad_sound" || e.Field != "events.queue.sound" {
		t.Errorf("bad sound: %d %+v", st, e)
	}
}

// TestAlertFrame: an alert reaches the sockets of the agent it is for, and
// no one else's.
func TestAlertFrame(t *testing.T) {
	env := newTestEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env.srv.opts.Bus.Subscribe(env.srv.notify.Handle)
	done := make(chan struct{})
	go func() { env.srv.notify.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	shop := env.shops["alpha"].ID
	agentWS, _, err := env.login("alpha-agent").dialAgent(shop)
	if err != nil {
		t.Fatal(err)
	}
	agentWS.until("welcome")
	sup := env.login("alpha-supervisor")
	supWS, _, err := sup.dialAgent(shop)
	if err != nil {
		t.Fatal(err)
	}
	supWS.until("welcome")
	c := newFixtures(env).conversation(t, "alpha", model.OwnerQueue, 0, 0)
	path := fmt.Sprintf("/api/v1/shops/%d/conversations/%d/assign", shop, c.ID)
	if st := sup.do("POST", path, map[string]any{"agent_id": env.accts["alpha-agent"].ID}, nil); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	// Making the conversation handed it to the general queue: everyone got
	// that alert first.
	assigned := func(ws *wsClient) map[string]any {
		for {
			if f := ws.until("alert"); f["event"] == "assigned" {
				return f
			}
		}
	}
	f := assigned(agentWS)
	if f["event"] != "assigned" || f["conversation_id"] != float64(c.ID) || f["sound"] != "chime" || f["volume"] != 80.0 ||
		f["title"] != "会话已分配" || f["desktop"] != true {
		t.Errorf("alert frame %v", f)
	}
	// The supervisor assigned it: no alert for them. The next "assigned"
	// alert they get is for the conversation the owner gives them.
	c2 := newFixtures(env).conversation(t, "alpha", model.OwnerQueue, 0, 0)
	owner := env.login("alpha-owner")
	path = fmt.Sprintf("/api/v1/shops/%d/conversations/%d/assign", shop, c2.ID)
	if st := owner.do("POST", path, map[string]any{"agent_id": env.accts["alpha-supervisor"].ID}, nil); st != 200 {
		t.Fatalf("assign: %d", st)
	}
	if f := assigned(supWS); f["conversation_id"] != float64(c2.ID) {
		t.Errorf("the supervisor's first alert is %v, want the one for conversation %d", f, c2.ID)
	}
}
