package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/stats"
)

// TestStatsAPI reads reports over HTTP after the job has run: JSON, CSV
// with its byte-order mark and header, and bad input refused with the
// field at fault.
func TestStatsAPI(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	agent := env.accts["alpha-agent"].ID
	f.conversation(t, "alpha", model.OwnerAgent, agent, 0)
	f.conversation(t, "alpha", model.OwnerQueue, 0, 0)
	f.conversation(t, "alpha", model.OwnerClosed, 0, 0)
	if err := env.srv.stats.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	sup := env.login("alpha-supervisor")

	var ov stats.Report
	if st := sup.do("GET", shopURL(alpha, "/stats/overview"), nil, &ov); st != 200 {
		t.Fatalf("overview: status %d", st)
	}
	got := map[string]any{}
	for i, c := range ov.Columns {
		got[c.Key] = ov.Rows[0][i]
	}
	if got["conversations"] != float64(3) || got["handed_off"] != float64(2) || got["closed"] != float64(1) {
		t.Errorf("overview %v", got)
	}

	status, raw := sup.raw("GET", shopURL(alpha, "/stats/conversations?format=csv"), nil)
	if status != 200 || !bytes.HasPrefix(raw, []byte("\uFEFFbucket,conversations,closed,")) || !bytes.Contains(raw, []byte("\ntotal,3,1,")) {
		t.Errorf("CSV: status %d, %q", status, raw)
	}

	var live stats.Live
	if st := sup.do("GET", shopURL(alpha, "/stats/live"), nil, &live); st != 200 || live.Waiting != 1 || live.WithAgents != 1 {
		t.Errorf("live: status %d, %+v", st, live)
	}

	for _, tt := range []struct{ query, field string }{
		{"/stats/bot?from=2025-02-30", "from"},
		{"/stats/times?granularity=week", "granularity"},
		{"/stats/agents?channel=fax", "channel"},
		{"/stats/faqs?format=pdf", "format"},
		{"/stats/gaps?status=maybe", "status"},
	} {
		status, raw := sup.raw("GET", shopURL(alpha, tt.query), nil)
		if e := decodeError(t, raw); status != 400 || e.Code != "bad_field" || e.Field != tt.field {
			t.Errorf("%s: status %d %s, want 400 bad_field %s", tt.query, status, raw, tt.field)
		}
	}
}

// TestGapAPI approves a draft with an edited answer (the FAQ is live at
// once), refuses to decide it again, and asks for an answer when the
// draft has none.
func TestGapAPI(t *testing.T) {
	env := newTestEnv(t)
	f := newFixtures(env)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	g := f.gap(t, "alpha")
	var out struct {
		Gap stats.Gap `json:"gap"`
		FAQ faqJSON   `json:"faq"`
	}
	url := shopURL(alpha, fmt.Sprintf("/stats/gaps/%d/approve", g.ID))
	if st := admin.do("POST", url, map[string]any{"answer": "我们的答案"}, &out); st != 200 {
		t.Fatalf("approve: status %d", st)
	}
	if out.Gap.Status != "approved" || out.FAQ.Live == nil || out.FAQ.Live.Answers[0].Text != "我们的答案" || out.Gap.FAQID != out.FAQ.ID {
		t.Errorf("approved %+v", out)
	}
	se, err := env.srv.kb.Engines().Get(context.Background(), alpha)
	if err != nil {
		t.Fatal(err)
	}
	if m := se.Match(out.FAQ.Live.Question, nil, env.srv.now(), "zh-CN"); len(m.Candidates) == 0 || m.Candidates[0].FAQID != fmt.Sprint(out.FAQ.ID) {
		t.Errorf("the engine does not match the approved question to the new FAQ: %+v", m.Candidates)
	}
	status, raw := admin.raw("POST", url, nil)
	if e := decodeError(t, raw); status != 409 || e.Code != "already_decided" {
		t.Errorf("approve again: %d %s", status, raw)
	}
	g = f.gap(t, "alpha")
	status, raw = admin.raw("POST", shopURL(alpha, fmt.Sprintf("/stats/gaps/%d/approve", g.ID)), map[string]any{"answer": " "})
	if e := decodeError(t, raw); status != 400 || e.Field != "answer" {
		t.Errorf("approve without an answer: %d %s", status, raw)
	}
	status, raw = admin.raw("POST", shopURL(alpha, fmt.Sprintf("/stats/gaps/%d/approve", g.ID)), map[string]any{"answers": "x"})
	if e := decodeError(t, raw); status != 400 || e.Code != "unknown_field" {
		t.Errorf("approve with an unknown field: %d %s", status, raw)
	}
}

// TestBuyerChannel checks that a conversation a buyer's socket opens
// keeps the channel its User-Agent tells.
func TestBuyerChannel(t *testing.T) {
	for _, tt := range []struct{ ua, want string }{
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0", "web"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148", "mobile"},
		{"Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36", "mobile"},
		{"Mozilla/5.0 (Linux; Android 13) MicroMessenger/8.0", "mobile"},
		{"", "web"},
	} {
		r := httptest.NewRequest("GET", "/ws/buyer", nil)
		r.Header.Set("User-Agent", tt.ua)
		if got := channelOf(r); got != tt.want {
			t.Errorf("channelOf(%q) = %s, want %s", tt.ua, got, tt.want)
		}
	}
	env := newTestEnv(t)
	b := env.dialBuyer(map[string]any{"shop": "alpha"})
	b.until("welcome")
	b.send(map[string]any{"type": "send", "client_id": "c1", "body": "你好"})
	ack := b.until("ack")
	id := int64(ack["message"].(map[string]any)["conversation_id"].(float64))
	cs, err := env.db.LoadStatsConversations(context.Background(), []int64{id})
	if err != nil || len(cs) != 1 || cs[0].Channel != "web" {
		t.Fatalf("conversation %d: %+v, %v; want channel web", id, cs, err)
	}
}

// TestStatsSettingsAPI reads the default retention of unanswered
// questions, saves another, and refuses one out of bounds or a field it
// does not know, naming the field.
func TestStatsSettingsAPI(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"].ID
	admin := env.login("alpha-admin")
	url := shopURL(alpha, "/stats/settings")
	var set stats.Settings
	if st := admin.do("GET", url, nil, &set); st != 200 || set.UnansweredDays != stats.DefaultUnansweredDays {
		t.Fatalf("settings: status %d, %+v", st, set)
	}
	if st := admin.do("PUT", url, map[string]any{"unanswered_days": 60}, &set); st != 200 || set.UnansweredDays != 60 {
		t.Fatalf("put: status %d, %+v", st, set)
	}
	if st := admin.do("GET", url, nil, &set); st != 200 || set.UnansweredDays != 60 {
		t.Fatalf("settings after put: status %d, %+v", st, set)
	}
	for _, tt := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"unanswered_days": 7}, "unanswered_days"},
		{map[string]any{"unanswered_days": 100000}, "unanswered_days"},
		{map[string]any{"unanswered_days": "forever"}, "unanswered_days"},
		{map[string]any{"keep_days": 60}, "keep_days"},
	} {
		status, raw := admin.raw("PUT", url, tt.body)
		if e := decodeError(t, raw); status != 400 || e.Field != tt.field {
			t.Errorf("%v: status %d %s, want 400 naming %s", tt.body, status, raw, tt.field)
		}
	}
	if st := admin.do("GET", url, nil, &set); st != 200 || set.UnansweredDays != 60 {
		t.Errorf("refused puts changed the settings: %+v", set)
	}
}
