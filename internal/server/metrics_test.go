package server

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetrics: /metrics shows the sockets, messages and ack latency from
// the start, at 0, and counts a buyer's message once even when resent.
func TestMetrics(t *testing.T) {
	env := newTestEnv(t)
	scrape := func() string {
		t.Helper()
		resp, err := http.Get(env.http.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("/metrics: %d %v", resp.StatusCode, err)
		}
		return string(b)
	}
	want := func(text string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !strings.Contains(text, "\n"+l+"\n") {
				t.Errorf("/metrics lacks the line %q", l)
			}
		}
	}
	want(scrape(),
		`xiaoer_sockets_open{kind="agent"} 0`, `xiaoer_sockets_open{kind="buyer"} 0`,
		`xiaoer_messages_total{sender="agent"} 0`, `xiaoer_messages_total{sender="buyer"} 0`,
		`xiaoer_ack_latency_seconds_count 0`)

	b := env.dialBuyer(map[string]any{"shop": "alpha"})
	b.until("welcome")
	for range 2 { // the second is a resend of the same client id
		b.send(map[string]any{"type": "send", "client_id": "m1", "body": "你好"})
		b.until("ack")
	}
	want(scrape(), `xiaoer_sockets_open{kind="buyer"} 1`, `xiaoer_messages_total{sender="buyer"} 1`,
		`xiaoer_ack_latency_seconds_count 2`)
}

// TestBotMetrics: /metrics shows the bot's backlog on this node. The bot
// is not running here, so a buyer's new conversation leaves its jobs (the
// greeting and the message) waiting.
func TestBotMetrics(t *testing.T) {
	env := newTestEnv(t)
	env.srv.opts.Bus.Subscribe(env.srv.bot.Handle)
	buyer := env.dialBuyer(map[string]any{"shop": "alpha"})
	buyer.until("welcome")
	buyer.send(map[string]any{"type": "send", "client_id": "b1", "body": "多久发货"})
	buyer.until("ack")

	resp, err := http.Get(env.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	for _, want := range []string{
		"xiaoer_bot_backlog 2\n",
		"xiaoer_bot_overflow 0\n",
		"xiaoer_bot_coalesced_total 0\n",
		"xiaoer_bot_overload_total 0\n",
		"xiaoer_bot_shed_total 0\n",
		"xiaoer_bot_skipped_total 0\n",
		"xiaoer_bot_messages_total 0\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
}

// TestMetricsToken: with --metrics-token, a scrape without the token or
// with another gets 401 and no figures; with it, the metrics.
func TestMetricsToken(t *testing.T) {
	env := newTestEnv(t, func(o *Options) { o.MetricsToken = "s3cret-scrape-token" })
	scrape := func(auth string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", env.http.URL+"/metrics", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, auth := range []string{"", "Bearer wrong", "s3cret-scrape-token", "Bearer s3cret-scrape-token2"} {
		code, body := scrape(auth)
		if code != http.StatusUnauthorized || strings.Contains(body, "xiaoer_") || !strings.Contains(body, `"unauthenticated"`) {
			t.Errorf("Authorization %q: %d %q, want 401 unauthenticated", auth, code, body)
		}
	}
	if code, body := scrape("Bearer s3cret-scrape-token"); code != 200 || !strings.Contains(body, "xiaoer_sockets_open") {
		t.Errorf("with the token: %d, metrics shown: %v", code, strings.Contains(body, "xiaoer_sockets_open"))
	}
}
