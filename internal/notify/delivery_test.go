package notify

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// webhook makes a webhook to the merchant's systems and returns it with
// its secret.
func (e *env) webhook(url string, events ...string) WebhookView {
	e.t.Helper()
	name := "ERP"
	w, err := e.svc.CreateWebhook(e.ctx, e.shop.ID, WebhookInput{Name: &name, URL: &url, Events: events})
	if err != nil {
		e.t.Fatalf("CreateWebhook: %v", err)
	}
	if !strings.HasPrefix(w.Secret, "whsec_") {
		e.t.Fatalf("new webhook's secret %q", w.Secret)
	}
	return w
}

// TestWebhookRequests checks the exact requests of the merchant's webhook:
// one per subscribed event, in order, each with its version, event id and
// the state of the moment, signed over timestamp "." body.
func TestWebhookRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rc := newReceiver(t, nil)
	w := e.webhook(rc.URL+"/erp", "conversation.handed_off", "conversation.assigned", "message.created", "conversation.closed", "conversation.rated")
	c := e.conversation("小王")
	m, _, err := e.chat.Post(e.ctx, chat.Post{ShopID: e.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: c.BuyerID, ClientID: "c1", Body: "我要退货"})
	if err != nil {
		t.Fatal(err)
	}
	q := e.handoff(c)
	a := e.move(q, store.OwnerChange{To: model.OwnerAgent, AgentID: e.ann.ID, ActorID: e.sue.ID, Reason: "assigned"})
	closed := e.move(a, store.OwnerChange{To: model.OwnerClosed, ActorID: e.ann.ID, Reason: "done"})
	if err := e.chat.Rate(e.ctx, e.shop.ID, c.ID, c.BuyerID, 2, "太慢"); err != nil {
		t.Fatal(err)
	}
	e.step()
	got := rc.requests()
	types := make([]string, len(got))
	for i, r := range got {
		types[i] = r.Header.Get(HeaderEvent)
	}
	want := []string{"message.created", "conversation.handed_off", "conversation.assigned", "conversation.closed", "conversation.rated"}
	if d := cmp.Diff(want, types); d != "" {
		t.Fatalf("events (-want +got):\n%s", d)
	}
	ds := e.deliveries()
	evs, _ := e.db.ListEvents(e.ctx, e.shop.ID, c.ID)
	secretOf := func() string { // the secret is shown once: the store has it
		tg, _ := e.db.GetNotifyTarget(e.ctx, e.shop.ID, w.ID)
		return tg.Secret
	}
	link := "https://cs.example.com/desk?shop=" + strconv.FormatInt(e.shop.ID, 10) + "#conversation=" + strconv.FormatInt(c.ID, 10)
	at := epoch.Format(time.RFC3339)
	jsonOf := func(v any) any {
		b, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(b, &out)
		return out
	}
	wantData := []map[string]any{
		{"message": jsonOf(chat.NewMessageJSON(m)), "link": link},
		{"conversation": jsonOf(chat.NewConversationJSON(q)), "event": jsonOf(chat.NewEventJSON(evs[1])), "link": link},
		{"conversation": jsonOf(chat.NewConversationJSON(a)), "event": jsonOf(chat.NewEventJSON(evs[2])), "link": link},
		{"conversation": jsonOf(chat.NewConversationJSON(closed)), "event": jsonOf(chat.NewEventJSON(evs[3])), "link": link},
		{"conversation": jsonOf(chat.NewConversationJSON(closed)), "rating": map[string]any{"score": 2.0, "comment": "太慢"}, "link": link},
	}
	for i, r := range got {
		ts := r.Header.Get(HeaderTimestamp)
		if ts != strconv.FormatInt(epoch.Unix(), 10) {
			t.Errorf("request %d: timestamp %q", i, ts)
		}
		if sig := "v1=" + hex.EncodeToString(hmacSHA256(secretOf(), ts+"."+string(r.Body))); r.Header.Get(HeaderSignature) != sig {
			t.Errorf("request %d: signature %q, want %q", i, r.Header.Get(HeaderSignature), sig)
		}
		if r.Header.Get(HeaderEventID) != ds[i].EventID || r.Header.Get(HeaderDelivery) != strconv.FormatInt(ds[i].ID, 10) {
			t.Errorf("request %d: event id %q delivery %q, want %q %d", i, r.Header.Get(HeaderEventID), r.Header.Get(HeaderDelivery), ds[i].EventID, ds[i].ID)
		}
		body(t, r, map[string]any{"version": 1.0, "id": ds[i].EventID, "type": want[i], "shop_id": float64(e.shop.ID),
			"created_at": at, "data": wantData[i]})
	}
}

// TestWebhookTagged: a buyer's new tags are an event too.
func TestWebhookTagged(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rc := newReceiver(t, nil)
	e.webhook(rc.URL, "buyer.tagged")
	b, err := e.db.EnsureVerifiedBuyer(e.ctx, e.shop.ID, "u-9", "小李")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetBuyerTags(e.ctx, e.shop.ID, b.ID, store.BuyerTags{Tags: []string{"new", "high_value"}}); err != nil {
		t.Fatal(err)
	}
	e.step()
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}
	var p Payload
	if err := json.Unmarshal(got[0].Body, &p); err != nil {
		t.Fatal(err)
	}
	want := &BuyerJSON{ID: b.ID, ExternalID: "u-9", Nickname: "小李", Tags: []string{"new", "high_value"}, Added: []string{"new", "high_value"}}
	if p.Type != "buyer.tagged" || !cmp.Equal(want, p.Data.Buyer) {
		t.Errorf("payload %s %+v, want buyer.tagged %+v", p.Type, p.Data.Buyer, want)
	}
}

// TestRetries: a 500 and a timeout each leave the delivery pending with
// its error, due after the backoff and not before; then it is delivered,
// with the same event id every time.
func TestRetries(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	defer once.Do(func() { close(release) })
	e := newEnv(t, envOptions{timeout: 200 * time.Millisecond, maxAttempts: 5})
	rc := newReceiver(t, func(n int, r request) (int, string) {
		switch n {
		case 1:
			return 500, "boom"
		case 2:
			<-release // longer than the client waits
			return 200, "late"
		}
		return 200, "ok"
	})
	e.webhook(rc.URL, "conversation.handed_off")
	e.handoff(e.conversation("小王"))
	check := func(status string, attempts int, errPart string, next time.Time) {
		t.Helper()
		ds := e.deliveries()
		if len(ds) != 1 {
			t.Fatalf("%d deliveries, want 1", len(ds))
		}
		d := ds[0]
		if d.Status != status || d.Attempts != attempts || !strings.Contains(d.LastError, errPart) || (!next.IsZero() && !d.NextAt.Equal(next)) {
			t.Fatalf("delivery %+v, want %s after %d tries, error with %q, next at %v", d, status, attempts, errPart, next)
		}
	}
	e.step()
	check(store.DeliveryPending, 1, "HTTP 500: boom", e.clk.Now().Add(time.Minute))
	e.step()
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("%d requests before the backoff ran out, want 1", n)
	}
	e.clk.Advance(time.Minute)
	e.step()
	check(store.DeliveryPending, 2, "timed out", e.clk.Now().Add(2*time.Minute))
	once.Do(func() { close(release) })
	e.clk.Advance(2 * time.Minute)
	e.step()
	check(store.DeliveryDelivered, 3, "", time.Time{})
	got := rc.requests()
	if len(got) != 3 || got[0].Header.Get(HeaderEventID) != got[2].Header.Get(HeaderEventID) || string(got[0].Body) != string(got[2].Body) {
		t.Errorf("tries differ: %d requests", len(got))
	}
}

// TestGiveUp: after the last try the delivery is failed with its last
// error, the console lists it, and a retry puts it back in line.
func TestGiveUp(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{maxAttempts: 3})
	fail := true
	var mu sync.Mutex
	rc := newReceiver(t, func(int, request) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return 503, "down"
		}
		return 204, ""
	})
	e.webhook(rc.URL, "conversation.handed_off")
	e.handoff(e.conversation("小王"))
	for i := range 5 {
		e.step()
		e.clk.Advance(time.Duration(i+1) * time.Minute)
	}
	if n := len(rc.requests()); n != 3 {
		t.Errorf("%d tries, want 3", n)
	}
	failed, err := e.svc.Deliveries(e.ctx, store.DeliveryFilter{ShopID: e.shop.ID, Status: store.DeliveryFailed})
	if err != nil {
		t.Fatal(err)
	}
	if len(failed) != 1 || failed[0].Attempts != 3 || failed[0].LastError != "HTTP 503: down" || failed[0].LastStatus != 503 ||
		failed[0].TargetName != "ERP" || failed[0].Event != "conversation.handed_off" || failed[0].NextAt != nil {
		t.Fatalf("failed deliveries %+v", failed)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	if err := e.svc.RetryDelivery(e.ctx, e.shop.ID, failed[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RetryDelivery(e.ctx, e.shop.ID, failed[0].ID); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retrying a pending delivery: %v, want a conflict", err)
	}
	e.step()
	if ds := e.deliveries(); ds[0].Status != store.DeliveryDelivered || ds[0].Attempts != 1 {
		t.Errorf("after retry: %+v", ds[0])
	}
}

// TestBatching: a burst to a DingTalk robot goes as one summary; the robot's
// 20 messages a minute are never exceeded, and what piles up meanwhile
// goes as one summary when the minute turns.
func TestBatching(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rc := newReceiver(t, nil)
	ch := e.channel(KindDingTalk, rc.URL+"/robot/send?access_token=t", "")
	e.prefs(0, pushOnly(EventHandoff, ch.ID))
	title := func(r request) string {
		var b struct{ Markdown struct{ Title, Text string } }
		_ = json.Unmarshal(r.Body, &b)
		return b.Markdown.Title
	}
	for i := range 10 {
		e.handoff(e.conversation("买家" + strconv.Itoa(i)))
	}
	e.step()
	got := rc.requests()
	if len(got) != 1 || title(got[0]) != "10 条新提醒" {
		t.Fatalf("a burst of 10 made %d requests (first %q), want one summary", len(got), title(got[0]))
	}
	if strings.Count(string(got[0].Body), "• ") != 10 {
		t.Errorf("summary lists %d notices, want 10: %s", strings.Count(string(got[0].Body), "• "), got[0].Body)
	}
	for _, d := range e.deliveries() {
		if d.Status != store.DeliveryDelivered {
			t.Fatalf("delivery %d is %s after the summary", d.ID, d.Status)
		}
	}
	// One at a time, each alone, up to the limit (1 summary + 18 = 19).
	for i := range 18 {
		e.handoff(e.conversation("单个" + strconv.Itoa(i)))
		e.step()
	}
	if n := len(rc.requests()); n != 19 {
		t.Fatalf("%d messages, want 19", n)
	}
	// Two due with one message left this minute: one summary, the 20th.
	e.handoff(e.conversation("甲"))
	e.handoff(e.conversation("乙"))
	e.step()
	got = rc.requests()
	if len(got) != 20 || title(got[19]) != "2 条新提醒" {
		t.Fatalf("%d messages (last %q), want 20 ending with a summary of 2", len(got), title(got[len(got)-1]))
	}
	// The minute is spent: nothing goes, however much piles up.
	for i := range 5 {
		e.handoff(e.conversation("丙" + strconv.Itoa(i)))
		e.step()
	}
	if n := len(rc.requests()); n != 20 {
		t.Fatalf("%d messages within the minute, want 20", n)
	}
	e.clk.Advance(time.Minute)
	e.step()
	got = rc.requests()
	if len(got) != 21 || title(got[20]) != "5 条新提醒" {
		t.Fatalf("%d messages after the minute (last %q), want a summary of 5", len(got), title(got[len(got)-1]))
	}
}

// TestPrivateAddresses: without an allowance, pushes to loopback fail at
// once whatever the URL names (an IP, or a name that resolves to it),
// nothing reaches the receiver, and a redirect to another host is not
// followed.
func TestPrivateAddresses(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, nil)
	port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
	for _, url := range []string{rc.URL + "/x", "http://localhost:" + port + "/x"} {
		t.Run(url, func(t *testing.T) {
			e := newEnv(t, envOptions{allow: []netip.Prefix{}})
			e.webhook(url, "conversation.handed_off")
			e.handoff(e.conversation("小王"))
			e.step()
			ds := e.deliveries()
			if len(ds) != 1 || ds[0].Status != store.DeliveryFailed || !strings.Contains(ds[0].LastError, ErrForbiddenAddress.Error()) {
				t.Fatalf("deliveries %+v, want one failed: %v", ds, ErrForbiddenAddress)
			}
			res, err := e.svc.TestWebhook(e.ctx, e.shop.ID, ds[0].TargetID)
			if err != nil || res.OK || !strings.Contains(res.Error, ErrForbiddenAddress.Error()) {
				t.Errorf("test send: %+v %v", res, err)
			}
		})
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("the receiver got %d requests", n)
	}
	t.Run("redirect to another host", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		other := newReceiver(t, nil)
		redirect := httptest.NewServer(http.RedirectHandler(other.URL+"/in", http.StatusTemporaryRedirect))
		defer redirect.Close()
		e.webhook(redirect.URL, "conversation.handed_off")
		e.handoff(e.conversation("小王"))
		e.step()
		ds := e.deliveries()
		if ds[0].Status == store.DeliveryDelivered || !strings.Contains(ds[0].LastError, "redirect to another host") {
			t.Errorf("delivery %+v, want the redirect refused", ds[0])
		}
		if n := len(other.requests()); n != 0 {
			t.Errorf("the other host got %d requests", n)
		}
	})
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	c := newClient(time.Second, []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, nil)
	for _, tt := range []struct {
		ip   string
		want bool
	}{
		{"8.8.8.8", true}, {"2400:3200::1", true}, {"10.1.2.3", true},
		{"10.2.0.1", false}, {"127.0.0.1", false}, {"::1", false}, {"169.254.169.254", false}, {"192.168.1.1", false},
		{"172.16.0.1", false}, {"100.64.0.1", false}, {"0.0.0.0", false}, {"::ffff:127.0.0.1", false}, {"fd00::1", false},
		{"fe80::1", false}, {"64:ff9b::7f00:1", false}, {"224.0.0.1", false}, {"255.255.255.255", false},
	} {
		if got := c.allowed(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("allowed(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}
