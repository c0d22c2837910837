package notify

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestQuietHours: pushes wait for no one in quiet hours (22:00-08:00 in the
// shop's zone, Shanghai): they are not made at all.
func TestQuietHours(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		local string // Shanghai time of the handoff
		push  bool
	}{{"10:00", true}, {"21:59", true}, {"22:00", false}, {"23:30", false}, {"03:00", false}, {"07:59", false}, {"08:00", true}} {
		t.Run(tt.local, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			rc := newReceiver(t, nil)
			ch := e.channel(KindDingTalk, rc.URL+"/robot/send?access_token=t", "")
			e.prefs(0, func(p *Preferences) {
				pushOnly(EventHandoff, ch.ID)(p)
				p.QuietHours = QuietHours{Enabled: true, From: "22:00", To: "08:00"}
			})
			sh, _ := time.LoadLocation("Asia/Shanghai")
			at, _ := time.ParseInLocation("2006-01-02 15:04", "2025-03-04 "+tt.local, sh)
			e.clk.Set(at)
			e.handoff(e.conversation("小王"))
			e.step()
			if got := len(e.deliveries()); got != map[bool]int{true: 1, false: 0}[tt.push] {
				t.Errorf("%d deliveries at %s, want push=%v", got, tt.local, tt.push)
			}
		})
	}
}

// fakeSocket stands for an agent's open workbench on this node.
type fakeSocket struct{}

func (fakeSocket) Deliver(bus.Event) {}
func (fakeSocket) Close(string)      {}

// TestOnlineSuppression: an agent with the workbench open (on this node,
// or on another one lately) gets no pushes, unless they want them anyway.
func TestOnlineSuppression(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		skip      bool
		setup     func(e *env)
		wantPush  bool
		wantAfter bool // after a minute with no sign of the agent
	}{
		{"offline", true, func(*env) {}, true, true},
		{"open here", true, func(e *env) { e.hub.JoinShop(fakeSocket{}, e.shop.ID, e.ann.ID) }, false, false},
		{"open here, push anyway", false, func(e *env) { e.hub.JoinShop(fakeSocket{}, e.shop.ID, e.ann.ID) }, true, true},
		{"open on another node", true, func(e *env) {
			if err := e.db.TouchPresence(e.ctx, "n2", []store.Presence{{ShopID: e.shop.ID, AccountID: e.ann.ID}}); err != nil {
				t.Fatal(err)
			}
		}, false, true},
		{"open here, seen by the heartbeat", true, func(e *env) {
			e.hub.JoinShop(fakeSocket{}, e.shop.ID, e.ann.ID)
			e.svc.touchPresence(e.ctx)
		}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			rc := newReceiver(t, nil)
			ch := e.channel(KindWeCom, rc.URL+"/send?key=k", "")
			e.prefs(0, func(p *Preferences) {
				pushOnly(EventHandoff, ch.ID)(p)
				p.SkipPushWhenOnline = tt.skip
			})
			tt.setup(e)
			e.handoff(e.conversation("小王"))
			e.step()
			if got := len(e.deliveries()) == 1; got != tt.wantPush {
				t.Errorf("pushed %v, want %v", got, tt.wantPush)
			}
			e.clk.Advance(time.Minute)
			before := len(e.deliveries())
			e.handoff(e.conversation("小李"))
			e.step()
			if got := len(e.deliveries()) > before; got != tt.wantAfter {
				t.Errorf("a minute later: pushed %v, want %v", got, tt.wantAfter)
			}
		})
	}
}

// TestAlerts checks who gets a workbench alert for what, with the sound
// and switches of their preferences: the group's agents for a handoff to
// its queue, the agent given a conversation (not when they took it
// themselves), the owner of a conversation for its buyer's messages (a new
// buyer's apart), and nobody who turned the event off.
func TestAlerts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.prefs(e.bob.ID, func(p *Preferences) {
		delete(p.Events, EventNewBuyer) // bob hears new buyers as any message
		p.Volume, p.Desktop = 30, false
	})
	e.prefs(e.sue.ID, func(p *Preferences) { p.Events[EventQueue] = EventPref{} })
	type got struct {
		Account int64
		Event   string
		Sound   string
	}
	take := func() []got {
		e.drainAlerts()
		var out []got
		for _, a := range e.alerts.take(t) {
			out = append(out, got{a.account, a.alert.Event, a.alert.Sound})
		}
		slices.SortFunc(out, func(a, b got) int { return int(a.Account - b.Account) })
		return out
	}
	expect := func(what string, want ...got) {
		t.Helper()
		if d := cmp.Diff(want, take()); d != "" {
			t.Errorf("%s: alerts (-want +got):\n%s", what, d)
		}
	}
	c := e.conversation("小王")
	post := func(c model.Conversation, client, body string) {
		t.Helper()
		_, _, err := e.chat.Post(e.ctx, chat.Post{ShopID: e.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: c.BuyerID, ClientID: client, Body: body})
		if err != nil {
			t.Fatal(err)
		}
	}
	post(c, "m0", "在吗")
	expect("a message to the bot")
	q := e.handoff(c)
	expect("handoff to ann's group", got{e.ann.ID, EventHandoff, "ding"})
	a := e.move(q, store.OwnerChange{To: model.OwnerAgent, AgentID: e.bob.ID, ActorID: e.sue.ID, Reason: "assigned"})
	expect("assigned to bob by sue", got{e.bob.ID, EventAssigned, "chime"})
	post(a, "m1", "你好")
	expect("a new buyer's message, heard by bob as any message", got{e.bob.ID, EventMessage, "pop"})
	g0 := e.move(a, store.OwnerChange{To: model.OwnerQueue, ActorID: e.bob.ID, Reason: "release"})
	expect("released by bob to the general queue: everyone else with the workbench but sue",
		got{e.ann.ID, EventQueue, "ding"}, got{e.own.ID, EventQueue, "ding"})
	mine := e.move(g0, store.OwnerChange{To: model.OwnerAgent, AgentID: e.ann.ID, ActorID: e.ann.ID, Reason: "taken"})
	expect("taken by ann herself")
	post(mine, "m2", "还在吗")
	expect("a new buyer's message to ann", got{e.ann.ID, EventNewBuyer, "bell"})
	e.move(mine, store.OwnerChange{To: model.OwnerClosed, ActorID: e.ann.ID})
	again, _, err := e.chat.Open(e.ctx, e.shop.ID, c.BuyerID)
	if err != nil {
		t.Fatal(err)
	}
	again = e.move(again, store.OwnerChange{To: model.OwnerAgent, AgentID: e.ann.ID, ActorID: e.ann.ID, Reason: "taken"})
	post(again, "m3", "又来了")
	expect("a returning buyer's message", got{e.ann.ID, EventMessage, "pop"})

	post(again, "m4", "图片")
	e.drainAlerts()
	one := e.alerts.take(t)
	if len(one) != 1 {
		t.Fatalf("%d alerts", len(one))
	}
	want := Alert{Type: "alert", Event: EventMessage, ConversationID: again.ID, Sound: "pop", Volume: 80, Desktop: true, FlashTitle: true,
		Title: "买家消息", Body: "买家：小王 “图片”"}
	if d := cmp.Diff(want, one[0].alert); d != "" {
		t.Errorf("alert (-want +got):\n%s", d)
	}
}

// TestBadRatingAndOffline: a bad rating reaches the agent who served and
// the supervisors through the outbox; a message left out of hours reaches
// the group, in the workbench and as a push.
func TestBadRatingAndOffline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rc := newReceiver(t, nil)
	ch := e.channel(KindDingTalk, rc.URL+"/robot/send?access_token=t", "")
	e.prefs(0, func(p *Preferences) { p.Channels = []int64{ch.ID}; p.SkipPushWhenOnline = false })
	c := e.conversation("小王")
	a := e.move(c, store.OwnerChange{To: model.OwnerAgent, AgentID: e.ann.ID, ActorID: e.ann.ID, Reason: "taken"})
	e.move(a, store.OwnerChange{To: model.OwnerClosed, ActorID: e.ann.ID})
	if err := e.chat.Rate(e.ctx, e.shop.ID, c.ID, c.BuyerID, 1, "差"); err != nil {
		t.Fatal(err)
	}
	c2 := e.conversation("小李")
	e.move(c2, store.OwnerChange{To: model.OwnerClosed})
	if err := e.chat.Rate(e.ctx, e.shop.ID, c2.ID, c2.BuyerID, 4, ""); err != nil {
		t.Fatal(err)
	}
	e.drainAlerts()
	e.alerts.take(t)
	e.step()
	var rated []int64
	for _, a := range e.alerts.take(t) {
		if a.alert.Event != EventBadRating || a.alert.Title != "差评提醒（1 星）" {
			t.Errorf("alert %+v", a.alert)
		}
		rated = append(rated, a.account)
	}
	slices.Sort(rated)
	if want := []int64{e.ann.ID, e.sue.ID, e.own.ID}; !slices.Equal(rated, want) {
		t.Errorf("bad rating told %v, want the agent and the supervisors %v", rated, want)
	}

	raw, _ := json.Marshal(offlineEvent{Kind: "offline_message", Reason: "human_request", BuyerID: c2.BuyerID, Text: "明天发货吗"})
	e.bus.Publish(e.ctx, bus.Event{Type: bus.TypeNotify, ShopID: e.shop.ID, ConversationID: c2.ID, Node: "n1", Owner: "queue", GroupID: e.group, Data: raw})
	e.bus.Publish(e.ctx, bus.Event{Type: bus.TypeNotify, ShopID: e.shop.ID, ConversationID: c2.ID, Node: "n2", Owner: "queue", GroupID: e.group, Data: raw})
	e.drainAlerts()
	e.step()
	if got := e.alerts.take(t); len(got) != 1 || got[0].account != e.ann.ID || got[0].alert.Event != EventOffline {
		t.Errorf("offline alerts %+v, want one to ann (another node's event is that node's)", got)
	}
	reqs := rc.requests()
	if len(reqs) != 2 || !strings.Contains(string(reqs[0].Body), "差评提醒（1 星）") || !strings.Contains(string(reqs[1].Body), "明天发货吗") {
		t.Errorf("pushes: %d, want the bad rating and the offline message", len(reqs))
	}
}

// TestSweepWaiting: a conversation waiting longer than an agent's limit is
// told once per wait, to the agents whose limit it is.
func TestSweepWaiting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	e.prefs(e.ann.ID, func(p *Preferences) { p.WaitMinutes = 10 })
	c := e.move(e.conversation("小王"), store.OwnerChange{To: model.OwnerQueue, Reason: "human_request"}) // general queue
	e.drainAlerts()
	e.alerts.take(t)
	sweep := func() []int64 {
		t.Helper()
		if err := e.svc.SweepWaiting(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.step()
		var out []int64
		for _, a := range e.alerts.take(t) {
			if a.alert.Event != EventWaiting || a.alert.ConversationID != c.ID {
				t.Errorf("alert %+v", a.alert)
			}
			out = append(out, a.account)
		}
		slices.Sort(out)
		return out
	}
	if got := sweep(); len(got) != 0 {
		t.Errorf("at once: %v", got)
	}
	e.clk.Advance(6 * time.Minute)
	if got, want := sweep(), []int64{e.bob.ID, e.sue.ID, e.own.ID}; !slices.Equal(got, want) {
		t.Errorf("after 6 minutes: %v, want those with the 5-minute default %v", got, want)
	}
	if got := sweep(); len(got) != 0 {
		t.Errorf("swept again: %v", got)
	}
	e.clk.Advance(5 * time.Minute)
	if got := sweep(); !slices.Equal(got, []int64{e.ann.ID}) {
		t.Errorf("after 11 minutes: %v, want ann", got)
	}
}

// TestPreferencesAPI: defaults, own preferences, validation with stable
// codes and fields, and reset.
func TestPreferencesAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	v, err := e.svc.Preferences(e.ctx, e.shop.ID, e.ann.ID)
	if err != nil || !v.Inherited || !cmp.Equal(v.Preferences, DefaultPreferences()) {
		t.Fatalf("fresh: %+v %v", v, err)
	}
	e.prefs(0, func(p *Preferences) { p.Volume = 10 })
	if v, _ = e.svc.Preferences(e.ctx, e.shop.ID, e.ann.ID); !v.Inherited || v.Preferences.Volume != 10 {
		t.Errorf("the shop's defaults do not apply: %+v", v)
	}
	e.prefs(e.ann.ID, func(p *Preferences) { p.Volume = 55 })
	if v, _ = e.svc.Preferences(e.ctx, e.shop.ID, e.ann.ID); v.Inherited || v.Preferences.Volume != 55 {
		t.Errorf("own: %+v", v)
	}
	for _, tt := range []struct {
		edit        func(p *Preferences)
		code, field string
	}{
		{func(p *Preferences) { p.Volume = 101 }, "bad_volume", "volume"},
		{func(p *Preferences) { p.Events["loud"] = EventPref{} }, "unknown_event", "events.loud"},
		{func(p *Preferences) { p.Events[EventQueue] = EventPref{Sound: "siren"} }, "bad_sound", "events.queue.sound"},
		{func(p *Preferences) { p.Channels = []int64{999} }, "unknown_channel", "channels[0]"},
		{func(p *Preferences) { p.QuietHours = QuietHours{Enabled: true, From: "25:00", To: "08:00"} }, "bad_time", "quiet_hours.from"},
		{func(p *Preferences) { p.WaitMinutes = 0 }, "bad_wait", "wait_minutes"},
	} {
		p := DefaultPreferences()
		tt.edit(&p)
		_, err := e.svc.SetPreferences(e.ctx, e.shop.ID, e.ann.ID, p)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Code != tt.code || ie.Field != tt.field {
			t.Errorf("%s: error %v, want %s on %s", tt.code, err, tt.code, tt.field)
		}
	}
	if v, err = e.svc.ResetPreferences(e.ctx, e.shop.ID, e.ann.ID); err != nil || !v.Inherited || v.Preferences.Volume != 10 {
		t.Errorf("reset: %+v %v", v, err)
	}
}

// TestTwoNodes: two workers on one database, racing over the same outbox
// and targets, deliver every event once.
func TestTwoNodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rc := newReceiver(t, nil)
	e.webhook(rc.URL, "message.created")
	other := New(Options{Store: e.db, Bus: e.bus, Now: e.clk.Now, Node: "n2", AllowPrivate: loopback})
	c := e.conversation("小王")
	for i := range 40 {
		if _, _, err := e.chat.Post(e.ctx, chat.Post{ShopID: e.shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer,
			SenderID: c.BuyerID, ClientID: "c" + string(rune('A'+i)), Body: "消息"}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for _, s := range []*Service{e.svc, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if err := s.Step(e.ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	seen := map[string]int{}
	for _, r := range rc.requests() {
		seen[r.Header.Get(HeaderEventID)]++
	}
	if len(seen) != 40 {
		t.Errorf("%d events delivered, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}
