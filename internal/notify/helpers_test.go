package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// epoch is the tests' "now": 10:00 in Shanghai, a Tuesday.
var epoch = time.Date(2025, 3, 4, 2, 0, 0, 0, time.UTC)

// clock is a settable time source, safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(epoch.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }

// loopback lets the tests' receivers, which listen on 127.0.0.1, be
// reached.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// env is one test's store, bus, hub, chat service and notify service over
// a fresh SQLite database, with a shop of four members and a clock.
type env struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	clk    *clock
	bus    *bus.Local
	hub    *hub.Hub
	chat   *chat.Service
	svc    *Service
	shop   model.Shop
	ann    model.Account // agent in group "presale"
	bob    model.Account // agent in no group
	sue    model.Account // supervisor
	own    model.Account // owner
	group  int64
	alerts *alertLog
}

type envOptions struct {
	allow       []netip.Prefix
	maxAttempts int
	timeout     time.Duration
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	ctx := t.Context()
	e := &env{t: t, ctx: ctx, clk: newClock(), bus: bus.NewLocal(), hub: hub.New(), alerts: &alertLog{}}
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "x.db"), Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e.db = db
	if o.allow == nil {
		o.allow = loopback
	}
	if o.timeout == 0 {
		o.timeout = 2 * time.Second
	}
	e.chat = chat.New(chat.Options{Store: db, Bus: e.bus, Node: "n1"})
	e.svc = New(Options{Store: db, Bus: e.bus, Hub: e.hub, Now: e.clk.Now, Node: "n1", BaseURL: "https://cs.example.com",
		AllowPrivate: o.allow, Timeout: o.timeout, MaxAttempts: o.maxAttempts, Backoff: func(n int) time.Duration { return time.Duration(n) * time.Minute }})
	e.bus.Subscribe(e.alerts.handle)
	e.bus.Subscribe(e.svc.Handle)
	if e.shop, err = db.CreateShop(ctx, model.Shop{Slug: "s", Name: "小店", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"}); err != nil {
		t.Fatal(err)
	}
	e.ann = e.member("ann", auth.RoleAgent)
	e.bob = e.member("bob", auth.RoleAgent)
	e.sue = e.member("sue", auth.RoleSupervisor)
	e.own = e.member("own", auth.RoleOwner)
	g, err := db.CreateGroup(ctx, store.Group{ShopID: e.shop.ID, Name: "售前"})
	if err != nil {
		t.Fatal(err)
	}
	e.group = g.ID
	if err := db.SetGroupMembers(ctx, e.shop.ID, g.ID, []int64{e.ann.ID}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) member(name, role string) model.Account {
	e.t.Helper()
	a, err := e.db.CreateAccount(e.ctx, model.Account{Username: name, DisplayName: name, PasswordHash: "x"})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.AddMember(e.ctx, model.Membership{ShopID: e.shop.ID, AccountID: a.ID, Role: role, Status: model.StatusOnline, MaxChats: 5}); err != nil {
		e.t.Fatal(err)
	}
	return a
}

// step runs one round of the worker and fails the test on an error.
func (e *env) step() {
	e.t.Helper()
	if err := e.svc.Step(e.ctx); err != nil {
		e.t.Fatalf("Step: %v", err)
	}
}

// prefs saves preferences (account 0: the shop's defaults).
func (e *env) prefs(account int64, edit func(p *Preferences)) {
	e.t.Helper()
	p := DefaultPreferences()
	edit(&p)
	if _, err := e.svc.SetPreferences(e.ctx, e.shop.ID, account, p); err != nil {
		e.t.Fatalf("SetPreferences: %v", err)
	}
}

// pushOnly makes preferences that push only event, to the channels.
func pushOnly(event string, channels ...int64) func(*Preferences) {
	return func(p *Preferences) {
		p.Events = map[string]EventPref{event: {Push: true}}
		p.Channels = channels
		p.SkipPushWhenOnline = false
	}
}

// channel makes a channel pointing at url.
func (e *env) channel(kind, url, secret string) ChannelView {
	e.t.Helper()
	name := kind + "-test"
	in := ChannelInput{Kind: kind, Name: &name, URL: &url}
	if secret != "" {
		in.Secret = &secret
	}
	ch, err := e.svc.CreateChannel(e.ctx, e.shop.ID, in)
	if err != nil {
		e.t.Fatalf("CreateChannel(%s): %v", kind, err)
	}
	return ch
}

// conversation opens a conversation for a new buyer (nickname given).
func (e *env) conversation(nickname string) model.Conversation {
	e.t.Helper()
	b, err := e.db.EnsureVerifiedBuyer(e.ctx, e.shop.ID, "ext-"+nickname, nickname)
	if err != nil {
		e.t.Fatal(err)
	}
	c, _, err := e.chat.Open(e.ctx, e.shop.ID, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// move changes a conversation's owner through chat, as the product does.
func (e *env) move(c model.Conversation, ch store.OwnerChange) model.Conversation {
	e.t.Helper()
	ch.ShopID, ch.ConversationID = c.ShopID, c.ID
	if ch.From == "" {
		ch.From, ch.FromAgentID = c.Owner, c.AgentID
	}
	got, _, err := e.chat.ChangeOwner(e.ctx, ch)
	if err != nil {
		e.t.Fatalf("ChangeOwner → %s: %v", ch.To, err)
	}
	return got
}

// handoff has the bot hand a conversation to the group's queue.
func (e *env) handoff(c model.Conversation) model.Conversation {
	return e.move(c, store.OwnerChange{To: model.OwnerQueue, GroupID: e.group, Reason: "human_request"})
}

// deliveries lists the shop's deliveries, oldest first.
func (e *env) deliveries() []store.Delivery {
	e.t.Helper()
	ds, err := e.db.ListDeliveries(e.ctx, store.DeliveryFilter{ShopID: e.shop.ID, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	for i, j := 0, len(ds)-1; i < j; i, j = i+1, j-1 {
		ds[i], ds[j] = ds[j], ds[i]
	}
	return ds
}

// request is one request a receiver got.
type request struct {
	Method string
	Path   string
	Raw    string // the raw query
	Query  map[string][]string
	Header http.Header
	Body   []byte
}

// receiver is a local HTTP endpoint that records each request and answers
// as answer says (200 with ok JSON by default).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []request
	answer func(n int, r request) (int, string)
}

func newReceiver(t *testing.T, answer func(n int, r request) (int, string)) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := request{Method: r.Method, Path: r.URL.Path, Raw: r.URL.RawQuery, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		rc.mu.Lock()
		rc.got = append(rc.got, req)
		n := len(rc.got)
		rc.mu.Unlock()
		status, text := 200, `{"errcode":0,"errmsg":"ok"}`
		if rc.answer != nil {
			status, text = rc.answer(n, req)
		}
		w.WriteHeader(status)
		io.WriteString(w, text)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.got...)
}

// alertLog keeps the alert events published on the bus.
type alertLog struct {
	mu  sync.Mutex
	got []bus.Event
}

func (l *alertLog) handle(e bus.Event) {
	if e.Type != bus.TypeAlert {
		return
	}
	l.mu.Lock()
	l.got = append(l.got, e)
	l.mu.Unlock()
}

// take returns the alerts so far, decoded with their account, and forgets
// them.
func (l *alertLog) take(t *testing.T) []sentAlert {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []sentAlert
	for _, e := range l.got {
		var a Alert
		if err := json.Unmarshal(e.Data, &a); err != nil {
			t.Fatal(err)
		}
		out = append(out, sentAlert{account: e.AccountID, alert: a})
	}
	l.got = nil
	return out
}

type sentAlert struct {
	account int64
	alert   Alert
}

// drainAlerts runs the queued bus events through the alert maker, as the
// worker's goroutine would.
func (e *env) drainAlerts() {
	for {
		e.svc.alerts.mu.Lock()
		n := len(e.svc.alerts.items)
		e.svc.alerts.mu.Unlock()
		if n == 0 {
			return
		}
		ev, _ := e.svc.alerts.pop(e.ctx)
		e.svc.handleEvent(e.ctx, ev)
	}
}
