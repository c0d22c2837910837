package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testNotify covers notifications and outgoing events: preferences,
// targets, the outbox written in the transaction of each change, the
// fan-out into deliveries, leases, retries and presence.
func testNotify(t *testing.T, e *env) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"prefs", testNotifyPrefs},
		{"targets", testNotifyTargets},
		{"outbox", testOutbox},
		{"outbox rolls back", testOutboxRollback},
		{"fan-out", testFanOut},
		{"once", testFactOnce},
		{"leases", testLeases},
		{"deliveries", testDeliveries},
		{"presence", testPresence},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, e.in(t)) })
	}
}

func testNotifyPrefs(t *testing.T, e *env) {
	a, b := e.shop("np-a"), e.shop("np-b")
	_, err := e.s.NotifyPrefs(e.ctx, a.ID, 0)
	checkErr(t, "NotifyPrefs never saved", err, store.ErrNotFound)
	checkErr(t, "put defaults", e.s.PutNotifyPrefs(e.ctx, a.ID, 0, `{"d":1}`), nil)
	checkErr(t, "put agent", e.s.PutNotifyPrefs(e.ctx, a.ID, 7, `{"a":1}`), nil)
	checkErr(t, "put agent again", e.s.PutNotifyPrefs(e.ctx, a.ID, 7, `{"a":2}`), nil)
	got, err := e.s.NotifyPrefs(e.ctx, a.ID, 7)
	checkErr(t, "NotifyPrefs", err, nil)
	diff(t, "agent prefs", `{"a":2}`, got)
	all, err := e.s.ListNotifyPrefs(e.ctx, a.ID)
	checkErr(t, "ListNotifyPrefs", err, nil)
	diff(t, "all prefs", map[int64]string{0: `{"d":1}`, 7: `{"a":2}`}, all)
	_, err = e.s.NotifyPrefs(e.ctx, b.ID, 7)
	checkErr(t, "another shop", err, store.ErrNotFound)
	checkErr(t, "DeleteNotifyPrefs", e.s.DeleteNotifyPrefs(e.ctx, a.ID, 7), nil)
	checkErr(t, "DeleteNotifyPrefs again", e.s.DeleteNotifyPrefs(e.ctx, a.ID, 7), nil)
	_, err = e.s.NotifyPrefs(e.ctx, a.ID, 7)
	checkErr(t, "deleted", err, store.ErrNotFound)
	checkErr(t, "missing shop", e.s.PutNotifyPrefs(e.ctx, b.ID+100, 0, `{}`), store.ErrNotFound)
}

// target makes an enabled target of shopID.
func (e *env) target(shopID int64, purpose, name string) store.NotifyTarget {
	e.t.Helper()
	t, err := e.s.CreateNotifyTarget(e.ctx, store.NotifyTarget{ShopID: shopID, Purpose: purpose, Kind: "webhook", Name: name,
		Config: `{"url":"https://example.com/` + name + `"}`, Secret: "s-" + name, Enabled: true})
	if err != nil {
		e.t.Fatalf("CreateNotifyTarget(%q): %v", name, err)
	}
	return t
}

func testNotifyTargets(t *testing.T, e *env) {
	a, b := e.shop("nt-a"), e.shop("nt-b")
	ch := e.target(a.ID, store.PurposeChannel, "ding")
	wh := e.target(a.ID, store.PurposeWebhook, "erp")
	e.target(b.ID, store.PurposeWebhook, "other")
	want := store.NotifyTarget{ID: ch.ID, ShopID: a.ID, Purpose: store.PurposeChannel, Kind: "webhook", Name: "ding",
		Config: `{"url":"https://example.com/ding"}`, Secret: "s-ding", Enabled: true, CreatedAt: e.now(), UpdatedAt: e.now()}
	got, err := e.s.GetNotifyTarget(e.ctx, a.ID, ch.ID)
	checkErr(t, "GetNotifyTarget", err, nil)
	diff(t, "target", want, got)
	_, err = e.s.GetNotifyTarget(e.ctx, b.ID, ch.ID)
	checkErr(t, "GetNotifyTarget in another shop", err, store.ErrNotFound)

	list, err := e.s.ListNotifyTargets(e.ctx, a.ID, store.PurposeWebhook)
	checkErr(t, "ListNotifyTargets", err, nil)
	diff(t, "webhooks", []int64{wh.ID}, mapped(list, func(t store.NotifyTarget) int64 { return t.ID }))
	list, err = e.s.ListNotifyTargets(e.ctx, a.ID, "")
	checkErr(t, "ListNotifyTargets all", err, nil)
	diff(t, "all targets", []int64{ch.ID, wh.ID}, mapped(list, func(t store.NotifyTarget) int64 { return t.ID }))

	e.clk.Advance(time.Minute)
	ch.Name, ch.Secret, ch.Enabled, ch.Events = "钉钉", "s2", false, `["x"]`
	got, err = e.s.UpdateNotifyTarget(e.ctx, ch)
	checkErr(t, "UpdateNotifyTarget", err, nil)
	want.Name, want.Secret, want.Enabled, want.Events, want.UpdatedAt = "钉钉", "s2", false, `["x"]`, e.now()
	diff(t, "updated target", want, got)
	other := ch
	other.ShopID = b.ID
	_, err = e.s.UpdateNotifyTarget(e.ctx, other)
	checkErr(t, "UpdateNotifyTarget in another shop", err, store.ErrNotFound)
	checkErr(t, "DeleteNotifyTarget in another shop", e.s.DeleteNotifyTarget(e.ctx, b.ID, ch.ID), store.ErrNotFound)
	checkErr(t, "DeleteNotifyTarget", e.s.DeleteNotifyTarget(e.ctx, a.ID, ch.ID), nil)
	checkErr(t, "DeleteNotifyTarget again", e.s.DeleteNotifyTarget(e.ctx, a.ID, ch.ID), store.ErrNotFound)
	_, err = e.s.CreateNotifyTarget(e.ctx, store.NotifyTarget{ShopID: b.ID + 100, Purpose: "channel", Kind: "webhook", Name: "x", Config: "{}"})
	checkErr(t, "CreateNotifyTarget in a missing shop", err, store.ErrNotFound)
}

// facts drains the outbox and returns its facts by kind, in order.
func (e *env) facts() []store.Fact {
	e.t.Helper()
	fs, err := e.s.ListFacts(e.ctx, 1000)
	if err != nil {
		e.t.Fatalf("ListFacts: %v", err)
	}
	outs := mapped(fs, func(f store.Fact) store.FanOut { return store.FanOut{FactID: f.ID} })
	if n, err := e.s.CommitFanOut(e.ctx, outs); err != nil || n != len(fs) {
		e.t.Fatalf("CommitFanOut: took %d of %d: %v", n, len(fs), err)
	}
	return fs
}

func kinds(fs []store.Fact) []string { return mapped(fs, func(f store.Fact) string { return f.Kind }) }

// testOutbox checks that each change writes its fact, with the state of
// the moment, only for shops that subscribe to its kind.
func testOutbox(t *testing.T, e *env) {
	a, b := e.shop("ob-a"), e.shop("ob-b")
	ann := e.agent(a.ID, "ob-ann")
	c := e.conversation(a.ID, e.buyer(a.ID, "v1").ID)
	e.send(c, model.SenderBuyer, c.BuyerID, "m1", "你好")
	diff(t, "facts without subscriptions", []string{}, kinds(e.facts()))

	all := []string{store.FactOpened, store.FactOwner, store.FactRated, store.FactTagged, store.FactMessage + "buyer"}
	checkErr(t, "SetOutboxSubscriptions", e.s.SetOutboxSubscriptions(e.ctx, a.ID, all), nil)
	checkErr(t, "SetOutboxSubscriptions again", e.s.SetOutboxSubscriptions(e.ctx, a.ID, all), nil)
	subs, err := e.s.OutboxSubscriptions(e.ctx, a.ID)
	checkErr(t, "OutboxSubscriptions", err, nil)
	sorted := append([]string(nil), all...)
	sort.Strings(sorted)
	diff(t, "subscriptions", sorted, subs)

	c2 := e.conversation(a.ID, e.buyer(a.ID, "v2").ID)
	e.conversation(b.ID, e.buyer(b.ID, "v3").ID) // b subscribes to nothing
	m := e.send(c2, model.SenderBuyer, c2.BuyerID, "m2", "在吗")
	e.send(c2, model.SenderBot, 0, "", "在的")              // bot messages: not subscribed
	e.send(c2, model.SenderBuyer, c2.BuyerID, "m2", "在吗") // a resend stores nothing
	q := e.move(c2, model.OwnerQueue, 0, 0)
	ag := e.move(q, model.OwnerAgent, ann.ID, 0)
	e.move(ag, model.OwnerClosed, 0, 0)
	checkErr(t, "RateConversation", e.s.RateConversation(e.ctx, a.ID, c2.ID, 2, "慢"), nil)
	fs := e.facts()
	diff(t, "kinds", []string{store.FactOpened, store.FactMessage + "buyer", store.FactOwner, store.FactOwner, store.FactOwner, store.FactRated}, kinds(fs))
	ids := map[string]bool{}
	for _, f := range fs {
		if f.ShopID != a.ID || f.ConversationID != c2.ID || len(f.EventID) != 36 || ids[f.EventID] {
			t.Errorf("fact %+v: want shop %d, conversation %d and a fresh event id", f, a.ID, c2.ID)
		}
		ids[f.EventID] = true
	}
	if got := fs[1].Data.Message; got == nil || got.ID != m.ID || got.Body != "在吗" {
		t.Errorf("message fact carries %+v, want message %d", got, m.ID)
	}
	assigned := fs[3].Data
	if assigned.Conversation == nil || assigned.Conversation.Owner != model.OwnerAgent || assigned.Conversation.AgentID != ann.ID ||
		assigned.PrevOwner != model.OwnerQueue || assigned.Event == nil || assigned.Event.ToOwner != model.OwnerAgent {
		t.Errorf("assignment fact %+v: want the conversation after, the event and the owner before", assigned)
	}
	if r := fs[5].Data; r.Rating != 2 || r.Comment != "慢" || r.Conversation == nil || r.Conversation.ID != c2.ID {
		t.Errorf("rating fact %+v", r)
	}

	p, err := e.s.EnsureVerifiedBuyer(e.ctx, a.ID, "u-tag", "小王")
	checkErr(t, "EnsureVerifiedBuyer", err, nil)
	checkErr(t, "SetBuyerTags", e.s.SetBuyerTags(e.ctx, a.ID, p.ID, store.BuyerTags{Tags: []string{"new"}}), nil)
	checkErr(t, "SetBuyerTags same", e.s.SetBuyerTags(e.ctx, a.ID, p.ID, store.BuyerTags{Tags: []string{"new"}}), nil)
	checkErr(t, "SetBuyerTags fewer", e.s.SetBuyerTags(e.ctx, a.ID, p.ID, store.BuyerTags{}), nil)
	checkErr(t, "SetBuyerTags more", e.s.SetBuyerTags(e.ctx, a.ID, p.ID, store.BuyerTags{Tags: []string{"returning", "high_value"}}), nil)
	fs = e.facts()
	diff(t, "tag facts", []string{store.FactTagged, store.FactTagged}, kinds(fs))
	if len(fs) == 2 {
		diff(t, "added tags", []string{"returning", "high_value"}, fs[1].Data.TagsAdded)
		diff(t, "tagged buyer", p.ID, fs[1].Data.BuyerID)
	}
}

// testOutboxRollback: a change that fails leaves no fact behind.
func testOutboxRollback(t *testing.T, e *env) {
	a := e.shop("obr-a")
	checkErr(t, "SetOutboxSubscriptions", e.s.SetOutboxSubscriptions(e.ctx, a.ID, []string{store.FactOwner, store.FactRated}), nil)
	c := e.conversation(a.ID, e.buyer(a.ID, "v").ID)
	_, _, err := e.s.ChangeOwner(e.ctx, store.OwnerChange{ShopID: a.ID, ConversationID: c.ID, From: model.OwnerAgent, To: model.OwnerClosed})
	checkErr(t, "stale change", err, store.ErrStale)
	checkErr(t, "rating an open conversation twice", e.s.RateConversation(e.ctx, a.ID, c.ID, 5, ""), nil)
	checkErr(t, "rating again", e.s.RateConversation(e.ctx, a.ID, c.ID, 1, ""), store.ErrConflict)
	diff(t, "facts", []string{store.FactRated}, kinds(e.facts()))
}

func testFanOut(t *testing.T, e *env) {
	a := e.shop("fo-a")
	t1, t2 := e.target(a.ID, store.PurposeWebhook, "one"), e.target(a.ID, store.PurposeChannel, "two")
	created, err := e.s.AddFact(e.ctx, store.Fact{ShopID: a.ID, Kind: store.FactOffline, ConversationID: 9}, "")
	checkErr(t, "AddFact", err, nil)
	if !created {
		t.Fatal("AddFact without a once key: not created")
	}
	fs, err := e.s.ListFacts(e.ctx, 10)
	checkErr(t, "ListFacts", err, nil)
	if len(fs) != 1 {
		t.Fatalf("%d facts, want 1", len(fs))
	}
	f := fs[0]
	d := func(target int64) store.Delivery {
		return store.Delivery{ShopID: a.ID, TargetID: target, EventID: f.EventID, Kind: "offline", ConversationID: 9, Payload: `{}`}
	}
	out := []store.FanOut{{FactID: f.ID, Deliveries: []store.Delivery{d(t1.ID), d(t2.ID), d(t2.ID)}}}
	n, err := e.s.CommitFanOut(e.ctx, out)
	checkErr(t, "CommitFanOut", err, nil)
	n2, err := e.s.CommitFanOut(e.ctx, out)
	checkErr(t, "CommitFanOut again", err, nil)
	if n != 1 || n2 != 0 {
		t.Errorf("fan-outs took %d then %d facts, want 1 then 0", n, n2)
	}
	list, err := e.s.ListDeliveries(e.ctx, store.DeliveryFilter{ShopID: a.ID})
	checkErr(t, "ListDeliveries", err, nil)
	diff(t, "deliveries by target", []int64{t2.ID, t1.ID}, mapped(list, func(d store.Delivery) int64 { return d.TargetID }))
	for _, got := range list {
		if got.Status != store.DeliveryPending || !got.NextAt.Equal(e.now()) || got.EventID != f.EventID {
			t.Errorf("delivery %+v: want pending, due now, with the fact's event id", got)
		}
	}
}

func testFactOnce(t *testing.T, e *env) {
	a, b := e.shop("once-a"), e.shop("once-b")
	for i, tt := range []struct {
		shop    int64
		key     string
		created bool
	}{{a.ID, "waiting:1", true}, {a.ID, "waiting:1", false}, {b.ID, "waiting:1", true}, {a.ID, "waiting:2", true}} {
		created, err := e.s.AddFact(e.ctx, store.Fact{ShopID: tt.shop, Kind: store.FactWaiting}, tt.key)
		checkErr(t, "AddFact", err, nil)
		if created != tt.created {
			t.Errorf("AddFact #%d (%d, %s): created %v, want %v", i, tt.shop, tt.key, created, tt.created)
		}
		e.facts() // out of the outbox: still once
	}
	e.clk.Advance(time.Hour)
	n, err := e.s.PruneOnce(e.ctx, e.now())
	checkErr(t, "PruneOnce", err, nil)
	if n != 3 {
		t.Errorf("pruned %d once keys, want 3", n)
	}
	created, err := e.s.AddFact(e.ctx, store.Fact{ShopID: a.ID, Kind: store.FactWaiting}, "waiting:1")
	if err != nil || !created {
		t.Errorf("AddFact after pruning: created %v, %v", created, err)
	}
}

func testLeases(t *testing.T, e *env) {
	a := e.shop("lease-a")
	tg := e.target(a.ID, store.PurposeChannel, "ding")
	got, err := e.s.LeaseTarget(e.ctx, tg.ID, "node-1", time.Minute)
	checkErr(t, "LeaseTarget", err, nil)
	diff(t, "leased target", tg.Name, got.Name)
	_, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-2", time.Minute)
	checkErr(t, "LeaseTarget held by another node", err, store.ErrStale)
	_, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-1", time.Minute)
	checkErr(t, "renew", err, nil)
	e.clk.Advance(time.Minute)
	_, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-2", time.Minute)
	checkErr(t, "LeaseTarget after the lease ran out", err, nil)
	w := store.RateWindow{Start: e.now(), Count: 7}
	checkErr(t, "ReleaseTarget by the old holder", e.s.ReleaseTarget(e.ctx, tg.ID, "node-1", store.RateWindow{}), nil)
	_, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-1", time.Minute)
	checkErr(t, "a stale release frees nothing", err, store.ErrStale)
	checkErr(t, "ReleaseTarget", e.s.ReleaseTarget(e.ctx, tg.ID, "node-2", w), nil)
	got, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-1", time.Minute)
	checkErr(t, "LeaseTarget after release", err, nil)
	diff(t, "rate window kept", w, got.Window)
	checkErr(t, "ReleaseLeases", e.s.ReleaseLeases(e.ctx), nil)
	_, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-3", time.Minute)
	checkErr(t, "LeaseTarget after ReleaseLeases", err, nil)

	tg.Enabled = false
	_, err = e.s.UpdateNotifyTarget(e.ctx, tg)
	checkErr(t, "disable", err, nil)
	_, err = e.s.LeaseTarget(e.ctx, tg.ID, "node-3", time.Minute)
	checkErr(t, "LeaseTarget of a disabled target", err, store.ErrStale)
}

func testDeliveries(t *testing.T, e *env) {
	a, b := e.shop("dl-a"), e.shop("dl-b")
	t1, t2 := e.target(a.ID, store.PurposeWebhook, "one"), e.target(a.ID, store.PurposeWebhook, "two")
	var ds []store.Delivery
	for i, target := range []int64{t1.ID, t1.ID, t2.ID} {
		ds = append(ds, store.Delivery{ShopID: a.ID, TargetID: target, EventID: store.NewEventID(), Kind: "k", Payload: "{}",
			NextAt: e.now().Add(time.Duration(i) * time.Minute)})
	}
	_, err := e.s.AddFact(e.ctx, store.Fact{ShopID: a.ID, Kind: store.FactOffline}, "")
	checkErr(t, "AddFact", err, nil)
	fs, _ := e.s.ListFacts(e.ctx, 1)
	_, err = e.s.CommitFanOut(e.ctx, []store.FanOut{{FactID: fs[0].ID, Deliveries: ds}})
	checkErr(t, "CommitFanOut", err, nil)

	// Other subtests share the store: look at this one's targets only.
	ours := func(ids []int64) []int64 {
		var out []int64
		for _, id := range ids {
			if id == t1.ID || id == t2.ID {
				out = append(out, id)
			}
		}
		return out
	}
	due, err := e.s.DueTargets(e.ctx, 100)
	checkErr(t, "DueTargets", err, nil)
	diff(t, "due targets now", []int64{t1.ID}, ours(due))
	e.clk.Advance(2 * time.Minute)
	due, _ = e.s.DueTargets(e.ctx, 100)
	diff(t, "due targets later", []int64{t1.ID, t2.ID}, ours(due))
	got, err := e.s.DueDeliveries(e.ctx, t1.ID, 10)
	checkErr(t, "DueDeliveries", err, nil)
	if len(got) != 2 {
		t.Fatalf("%d due deliveries of target one, want 2", len(got))
	}
	retryAt := e.now().Add(10 * time.Second)
	checkErr(t, "FinishDeliveries", e.s.FinishDeliveries(e.ctx, []store.DeliveryResult{
		{ID: got[0].ID, Status: store.DeliveryDelivered, LastStatus: 200},
		{ID: got[1].ID, Status: store.DeliveryPending, NextAt: retryAt, LastError: "HTTP 500", LastStatus: 500},
	}), nil)
	d0, err := e.s.GetDelivery(e.ctx, a.ID, got[0].ID)
	checkErr(t, "GetDelivery", err, nil)
	if d0.Status != store.DeliveryDelivered || d0.Attempts != 1 || !d0.DeliveredAt.Equal(e.now()) || d0.LastStatus != 200 {
		t.Errorf("delivered: %+v", d0)
	}
	_, err = e.s.GetDelivery(e.ctx, b.ID, got[0].ID)
	checkErr(t, "GetDelivery in another shop", err, store.ErrNotFound)
	d1, _ := e.s.GetDelivery(e.ctx, a.ID, got[1].ID)
	if d1.Status != store.DeliveryPending || d1.Attempts != 1 || !d1.NextAt.Equal(retryAt) || d1.LastError != "HTTP 500" {
		t.Errorf("retry: %+v", d1)
	}
	if again, _ := e.s.DueDeliveries(e.ctx, t1.ID, 10); len(again) != 0 {
		t.Errorf("%d deliveries due before the retry time, want 0", len(again))
	}
	checkErr(t, "retry a pending delivery", e.s.RetryDelivery(e.ctx, a.ID, d1.ID), store.ErrConflict)
	checkErr(t, "give up", e.s.FinishDeliveries(e.ctx, []store.DeliveryResult{{ID: d1.ID, Status: store.DeliveryFailed, LastError: "timeout"}}), nil)
	checkErr(t, "a finished delivery stays", e.s.FinishDeliveries(e.ctx, []store.DeliveryResult{{ID: d1.ID, Status: store.DeliveryDelivered}}), nil)
	failed, err := e.s.ListDeliveries(e.ctx, store.DeliveryFilter{ShopID: a.ID, Status: store.DeliveryFailed})
	checkErr(t, "ListDeliveries failed", err, nil)
	if len(failed) != 1 || failed[0].ID != d1.ID || failed[0].Attempts != 2 || failed[0].LastError != "timeout" {
		t.Fatalf("failed deliveries %+v, want %d after 2 attempts with its error", failed, d1.ID)
	}
	byTarget, _ := e.s.ListDeliveries(e.ctx, store.DeliveryFilter{ShopID: a.ID, TargetID: t2.ID})
	diff(t, "by target", 1, len(byTarget))
	page, _ := e.s.ListDeliveries(e.ctx, store.DeliveryFilter{ShopID: a.ID, Before: d1.ID, Limit: 5})
	diff(t, "before the cursor", []int64{d0.ID}, mapped(page, func(d store.Delivery) int64 { return d.ID }))
	if other, _ := e.s.ListDeliveries(e.ctx, store.DeliveryFilter{ShopID: b.ID}); len(other) != 0 {
		t.Errorf("another shop lists %d deliveries", len(other))
	}
	checkErr(t, "RetryDelivery in another shop", e.s.RetryDelivery(e.ctx, b.ID, d1.ID), store.ErrNotFound)
	checkErr(t, "RetryDelivery", e.s.RetryDelivery(e.ctx, a.ID, d1.ID), nil)
	d1, _ = e.s.GetDelivery(e.ctx, a.ID, d1.ID)
	if d1.Status != store.DeliveryPending || d1.Attempts != 0 || !d1.NextAt.Equal(e.now()) {
		t.Errorf("retried: %+v", d1)
	}

	e.clk.Advance(time.Hour)
	n, err := e.s.PruneDeliveries(e.ctx, e.now())
	checkErr(t, "PruneDeliveries", err, nil)
	if n != 1 {
		t.Errorf("pruned %d deliveries, want the delivered one", n)
	}
	_, err = e.s.GetDelivery(e.ctx, a.ID, d0.ID)
	checkErr(t, "pruned", err, store.ErrNotFound)
	checkErr(t, "DeleteNotifyTarget", e.s.DeleteNotifyTarget(e.ctx, a.ID, t1.ID), nil)
	_, err = e.s.GetDelivery(e.ctx, a.ID, d1.ID)
	checkErr(t, "deliveries go with their target", err, store.ErrNotFound)
}

func testPresence(t *testing.T, e *env) {
	a, b := e.shop("pr-a"), e.shop("pr-b")
	checkErr(t, "TouchPresence", e.s.TouchPresence(e.ctx, "n1", []store.Presence{{ShopID: a.ID, AccountID: 2}, {ShopID: a.ID, AccountID: 1}}), nil)
	checkErr(t, "TouchPresence n2", e.s.TouchPresence(e.ctx, "n2", []store.Presence{{ShopID: a.ID, AccountID: 2}, {ShopID: b.ID, AccountID: 3}}), nil)
	online, err := e.s.OnlineAgents(e.ctx, a.ID, e.now())
	checkErr(t, "OnlineAgents", err, nil)
	diff(t, "online", []int64{1, 2}, online)
	e.clk.Advance(time.Minute)
	checkErr(t, "TouchPresence n1 again", e.s.TouchPresence(e.ctx, "n1", []store.Presence{{ShopID: a.ID, AccountID: 2}}), nil)
	online, _ = e.s.OnlineAgents(e.ctx, a.ID, e.now().Add(-time.Second))
	diff(t, "online after agent 1 left n1 (n2 not seen lately)", []int64{2}, online)
	online, _ = e.s.OnlineAgents(e.ctx, a.ID, e.now().Add(-time.Hour))
	diff(t, "online within the hour", []int64{2}, online)

	c := e.conversation(a.ID, e.buyer(a.ID, "v").ID)
	e.conversation(a.ID, c.BuyerID)
	n, err := e.s.CountBuyerConversations(e.ctx, a.ID, c.BuyerID)
	if err != nil || n != 2 {
		t.Errorf("CountBuyerConversations = %d, %v; want 2", n, err)
	}
	if n, _ := e.s.CountBuyerConversations(e.ctx, b.ID, c.BuyerID); n != 0 {
		t.Errorf("CountBuyerConversations in another shop = %d", n)
	}
}
