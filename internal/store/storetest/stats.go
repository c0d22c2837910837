package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testStats covers the statistics' storage: channels, the agents' status
// log, the job's sources and cursors, rollups kept by differences (and
// their idempotence, also under concurrent jobs), reading conversations
// for the job, and the knowledge-gap loop's questions and drafts.
func testStats(t *testing.T, e *env) {
	for _, tt := range []struct {
		name string
		fn   func(t *testing.T, e *env)
	}{
		{"channel", testStatsChannel},
		{"status log", testStatusLog},
		{"rollups", testStatsRollups},
		{"concurrent jobs", testStatsConcurrent},
		{"lease", testStatsLease},
		{"monthly", testStatsMonthly},
		{"prune", testStatsPrune},
		{"sources", testStatsSources},
		{"load", testStatsLoad},
		{"gaps", testStatsGaps},
		{"shops", testStatsShops},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, e.in(t)) })
	}
}

// testStatsShops: a shop starts unbuilt; a rebuild records the zone and
// the computation's version, and a later one replaces both.
func testStatsShops(t *testing.T, e *env) {
	a := e.shop("sv-a")
	find := func() store.StatsShop {
		t.Helper()
		shops, err := e.s.StatsShops(e.ctx)
		checkErr(t, "StatsShops", err, nil)
		for _, s := range shops {
			if s.ShopID == a.ID {
				return s
			}
		}
		t.Fatalf("shop %d not listed", a.ID)
		return store.StatsShop{}
	}
	if s := find(); s.BuiltIn != "" || s.Version != 0 || !s.Rebuilding {
		t.Fatalf("a new shop: %+v, want no zone, version 0, rebuilding", s)
	}
	checkErr(t, "StartStatsRebuild", e.s.StartStatsRebuild(e.ctx, a.ID, "Asia/Shanghai", 3), nil)
	if s := find(); s.BuiltIn != "Asia/Shanghai" || s.Version != 3 || !s.Rebuilding || s.RebuildID != 0 {
		t.Fatalf("after a rebuild started: %+v", s)
	}
	checkErr(t, "again", e.s.StartStatsRebuild(e.ctx, a.ID, "Europe/Berlin", 4), nil)
	if s := find(); s.BuiltIn != "Europe/Berlin" || s.Version != 4 {
		t.Fatalf("after another rebuild started: %+v", s)
	}
}

func testStatsChannel(t *testing.T, e *env) {
	a, b := e.shop("ch-a"), e.shop("ch-b")
	c := e.conversation(a.ID, e.buyer(a.ID, "v").ID)
	checkErr(t, "SetConversationChannel", e.s.SetConversationChannel(e.ctx, a.ID, c.ID, "mobile"), nil)
	checkErr(t, "again", e.s.SetConversationChannel(e.ctx, a.ID, c.ID, "web"), nil)
	checkErr(t, "another shop", e.s.SetConversationChannel(e.ctx, b.ID, c.ID, "web"), nil)
	cs, err := e.s.LoadStatsConversations(e.ctx, []int64{c.ID})
	checkErr(t, "LoadStatsConversations", err, nil)
	diff(t, "channel", "mobile", cs[0].Channel)
}

func testStatusLog(t *testing.T, e *env) {
	a := e.shop("log-a")
	ann, bob := e.agent(a.ID, "log-ann"), e.agent(a.ID, "log-bob")
	t0 := e.now()
	set := func(id int64, s model.AgentStatus) {
		e.clk.Advance(time.Hour)
		checkErr(t, "SetAgentStatus", e.s.SetAgentStatus(e.ctx, a.ID, id, s), nil)
	}
	set(ann.ID, model.StatusOnline)  // t0+1h
	set(ann.ID, model.StatusOnline)  // no change: not logged
	set(bob.ID, model.StatusBusy)    // t0+3h
	set(ann.ID, model.StatusAway)    // t0+4h
	set(bob.ID, model.StatusOffline) // t0+5h
	checkErr(t, "RemoveMember", e.s.RemoveMember(e.ctx, a.ID, ann.ID), nil)
	log, err := e.s.AgentStatusLog(e.ctx, a.ID, t0.Add(150*time.Minute), t0.Add(10*time.Hour))
	checkErr(t, "AgentStatusLog", err, nil)
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	diff(t, "log from 2h30", []store.StatusChange{
		{AccountID: ann.ID, Status: model.StatusOnline, At: h(1)}, // the status when the period began
		{AccountID: bob.ID, Status: model.StatusBusy, At: h(3)},
		{AccountID: ann.ID, Status: model.StatusAway, At: h(4)},
		{AccountID: bob.ID, Status: model.StatusOffline, At: h(5)},
		{AccountID: ann.ID, Status: model.StatusOffline, At: h(5)}, // removed from the shop
	}, log)
}

// entry is a rollup entry in hour bucket b.
func entry(b int64, metric, item, channel string, group, agent, n, total int64) store.StatsEntry {
	return store.StatsEntry{Key: store.StatsKey{Bucket: b, Metric: metric, Item: item, Channel: channel, GroupID: group, AgentID: agent}, N: n, Total: total}
}

// hours and days are one span of the hourly or daily rollup.
func hours(from, to int64) []store.StatsSpan {
	return []store.StatsSpan{{Unit: store.StatsHour, From: from, To: to}}
}

func days(from, to int64) []store.StatsSpan {
	return []store.StatsSpan{{Unit: store.StatsDay, From: from, To: to}}
}

func sums(t *testing.T, e *env, q store.StatsQuery) []store.StatsRow {
	t.Helper()
	rows, err := e.s.StatsSums(e.ctx, q)
	checkErr(t, "StatsSums", err, nil)
	return rows
}

func testStatsRollups(t *testing.T, e *env) {
	a, b := e.shop("roll-a"), e.shop("roll-b")
	c1 := e.conversation(a.ID, e.buyer(a.ID, "1").ID)
	c2 := e.conversation(a.ID, e.buyer(a.ID, "2").ID)
	const day = 20000 // hour buckets 480000-480023
	h := int64(day * 24)
	apply := func(cs ...store.StatsContrib) {
		checkErr(t, "ApplyStats", e.s.ApplyStats(e.ctx, store.StatsBatch{Contribs: cs}), nil)
	}
	first := store.StatsContrib{ConversationID: c1.ID, ShopID: a.ID, Entries: []store.StatsEntry{
		entry(h+1, "conv", "", "web", 0, 0, 1, 0), entry(h+2, "handoff", "vip", "web", 0, 0, 1, 0),
		entry(h+23, "first_bot", "", "web", 0, 0, 1, 1500)}}
	apply(first, store.StatsContrib{ConversationID: c2.ID, ShopID: a.ID, Entries: []store.StatsEntry{
		entry(h+1, "conv", "", "mobile", 5, 9, 1, 0), entry(h+25, "first_bot", "", "mobile", 5, 9, 1, 500)}})
	// c1 recomputed: its handoff reason changed, it moved to group 5; the
	// rollups hold only the new figures, and applying them twice changes
	// nothing.
	second := store.StatsContrib{ConversationID: c1.ID, ShopID: a.ID, Entries: []store.StatsEntry{
		entry(h+1, "conv", "", "web", 5, 9, 1, 0), entry(h+2, "handoff", "keyword", "web", 5, 9, 1, 0),
		entry(h+23, "first_bot", "", "web", 5, 9, 1, 2500)}}
	apply(second)
	apply(second)
	apply(store.StatsContrib{ConversationID: c1.ID + 1000, ShopID: b.ID, Entries: []store.StatsEntry{entry(h+1, "conv", "", "web", 0, 0, 1, 0)}})
	// A daily-only entry is in the daily rollup alone.
	faq := entry(h+3, "faq_volume", "101", "web", 0, 0, 2, 0)
	faq.DailyOnly = true
	apply(store.StatsContrib{ConversationID: c2.ID, ShopID: a.ID, Entries: []store.StatsEntry{
		entry(h+1, "conv", "", "mobile", 5, 9, 1, 0), entry(h+25, "first_bot", "", "mobile", 5, 9, 1, 500), faq}})
	diff(t, "daily-only, hourly", []store.StatsRow(nil), sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: hours(h, h+48), Metrics: []string{"faq_volume"}}))
	diff(t, "daily-only, daily", []store.StatsRow{{Metric: "faq_volume", Item: "101", N: 2}},
		sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: days(day, day+2), Metrics: []string{"faq_volume"}, By: []string{"item"}}))

	daily := sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: days(day, day+2), By: []string{"bucket", "item"}})
	diff(t, "daily by item", []store.StatsRow{
		{Metric: "conv", Bucket: day, N: 2},
		{Metric: "faq_volume", Bucket: day, Item: "101", N: 2},
		{Metric: "first_bot", Bucket: day, N: 1, Total: 2500},
		{Metric: "first_bot", Bucket: day + 1, N: 1, Total: 500},
		{Metric: "handoff", Bucket: day, Item: "keyword", N: 1},
	}, daily)
	nine, five := int64(9), int64(5)
	hourly := sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: hours(h, h+24), Metrics: []string{"conv", "first_bot"},
		Channel: "web", GroupID: &five, AgentID: &nine, By: []string{"channel"}})
	diff(t, "hourly, filtered", []store.StatsRow{{Metric: "conv", Channel: "web", N: 1}, {Metric: "first_bot", Channel: "web", N: 1, Total: 2500}}, hourly)
	zero := int64(0)
	diff(t, "nothing left in group 0", []store.StatsRow(nil), sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: hours(h, h+48), GroupID: &zero}))
	_, err := e.s.StatsSums(e.ctx, store.StatsQuery{ShopID: a.ID, By: []string{"shop_id; DROP TABLE x"}})
	if err == nil {
		t.Fatal("StatsSums took an unknown breakdown column")
	}
}

// testStatsConcurrent runs jobs that recompute the same conversations at
// once: each difference must be applied exactly once.
func testStatsConcurrent(t *testing.T, e *env) {
	a := e.shop("conc-a")
	var cs []model.Conversation
	for i := range 5 {
		cs = append(cs, e.conversation(a.ID, e.buyer(a.ID, name("c%d", i)).ID))
	}
	var wg sync.WaitGroup
	for round := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b store.StatsBatch
			for _, c := range cs {
				b.Contribs = append(b.Contribs, store.StatsContrib{ConversationID: c.ID, ShopID: a.ID,
					Entries: []store.StatsEntry{entry(100, "conv", "", "web", 0, 0, 1, int64(round%2))}})
			}
			if err := e.s.ApplyStats(e.ctx, b); err != nil {
				t.Errorf("ApplyStats: %v", err)
			}
		}()
	}
	wg.Wait()
	rows := sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: hours(100, 101)})
	if len(rows) != 1 || rows[0].N != 5 || (rows[0].Total != 0 && rows[0].Total != 5) {
		t.Fatalf("after concurrent jobs: %+v, want 5 conversations counted once", rows)
	}
}

func testStatsSources(t *testing.T, e *env) {
	a := e.shop("src-a")
	ag := e.agent(a.ID, "src-ag")
	checkErr(t, "InitStatsCursors", e.s.InitStatsCursors(e.ctx, e.now()), nil)
	start, err := e.s.StatsCursors(e.ctx)
	checkErr(t, "StatsCursors", err, nil)
	if len(start) != 4 {
		t.Fatalf("cursors %v, want 4 sources", start)
	}
	c := e.conversation(a.ID, e.buyer(a.ID, "s").ID)
	m := e.send(c, model.SenderBuyer, c.BuyerID, "s1", "在吗")
	c = e.move(c, model.OwnerAgent, ag.ID, 0)
	e.clk.Advance(time.Minute)
	c = e.move(c, model.OwnerClosed, 0, 0)
	checkErr(t, "RateConversation", e.s.RateConversation(e.ctx, a.ID, c.ID, 5, ""), nil)
	changes := func(src string, until time.Time) []store.StatsChange {
		out, err := e.s.StatsChanges(e.ctx, src, start[src], until, 10)
		checkErr(t, "StatsChanges "+src, err, nil)
		return out
	}
	got := changes(store.StatsMessages, time.Time{})
	diff(t, "messages", []store.StatsChange{{ConversationID: c.ID, ShopID: a.ID, Cursor: store.StatsCursor{Position: m.ID}, At: m.CreatedAt}}, got)
	if n := len(changes(store.StatsEvents, time.Time{})); n != 3 {
		t.Errorf("%d events, want 3 (opened, assigned, closed)", n)
	}
	if r := changes(store.StatsRatings, time.Time{}); len(r) != 1 || r[0].ConversationID != c.ID {
		t.Errorf("ratings %+v", r)
	}
	if s := changes(store.StatsSettled, c.ClosedAt.Add(-time.Millisecond)); len(s) != 0 {
		t.Errorf("settled before closing: %+v", s)
	}
	if s := changes(store.StatsSettled, c.ClosedAt); len(s) != 1 || s[0].Cursor.Position != c.ClosedAt.UnixMilli() {
		t.Errorf("settled %+v", s)
	}
	// A saved cursor moves the source on; starting them again keeps them.
	checkErr(t, "ApplyStats", e.s.ApplyStats(e.ctx, store.StatsBatch{Cursors: map[string]store.StatsCursor{store.StatsMessages: {Position: m.ID}}}), nil)
	checkErr(t, "InitStatsCursors again", e.s.InitStatsCursors(e.ctx, e.now()), nil)
	now, err := e.s.StatsCursors(e.ctx)
	checkErr(t, "StatsCursors", err, nil)
	diff(t, "messages cursor", store.StatsCursor{Position: m.ID}, now[store.StatsMessages])
	diff(t, "events cursor", start[store.StatsEvents], now[store.StatsEvents])
}

func testStatsLoad(t *testing.T, e *env) {
	a := e.shop("load-a")
	buyer := e.buyer(a.ID, "l")
	first := e.conversation(a.ID, buyer.ID)
	e.send(first, model.SenderBuyer, buyer.ID, "l1", "你好")
	first = e.move(first, model.OwnerClosed, 0, 0)
	checkErr(t, "RateConversation", e.s.RateConversation(e.ctx, a.ID, first.ID, 3, ""), nil)
	e.clk.Advance(time.Hour)
	second := e.conversation(a.ID, buyer.ID)
	checkErr(t, "SetConversationChannel", e.s.SetConversationChannel(e.ctx, a.ID, second.ID, "web"), nil)
	cs, err := e.s.LoadStatsConversations(e.ctx, []int64{second.ID, first.ID, 999999})
	checkErr(t, "LoadStatsConversations", err, nil)
	if len(cs) != 2 {
		t.Fatalf("%d conversations, want 2 (a missing id is left out)", len(cs))
	}
	f, s := cs[0], cs[1]
	if f.Conversation.ID != first.ID || len(f.Messages) != 1 || len(f.Events) != 2 || f.Rating != 3 || f.RatedAt.IsZero() ||
		!f.NextOpenedAt.Equal(second.CreatedAt) || f.PrevID != 0 || f.Channel != "" {
		t.Errorf("first: %+v", f)
	}
	if s.PrevID != first.ID || !s.PrevClosedAt.Equal(first.ClosedAt) || !s.NextOpenedAt.IsZero() || s.Channel != "web" {
		t.Errorf("second: %+v", s)
	}
}

func testStatsGaps(t *testing.T, e *env) {
	a, b := e.shop("gap-a"), e.shop("gap-b")
	c := e.conversation(a.ID, e.buyer(a.ID, "g").ID)
	q1 := e.send(c, model.SenderBuyer, c.BuyerID, "g1", "能开发票吗")
	q2 := e.send(c, model.SenderBuyer, c.BuyerID, "g2", "有赠品吗")
	un := func(m model.Message, replies ...string) store.Unanswered {
		return store.Unanswered{MessageID: m.ID, BuyerID: c.BuyerID, Kind: "fallback", Text: m.Body, Replies: replies, At: m.CreatedAt}
	}
	save := func(us ...store.Unanswered) {
		checkErr(t, "ApplyStats", e.s.ApplyStats(e.ctx, store.StatsBatch{Contribs: []store.StatsContrib{
			{ConversationID: c.ID, ShopID: a.ID, Unanswered: us}}}), nil)
	}
	save(un(q1, "可以开"), un(q2))
	gaps, err := e.s.SaveGaps(e.ctx, a.ID, []store.Gap{{Kind: store.GapNew, Draft: `{"q":1}`, Buyers: 1, Asks: 1, Members: []int64{q1.ID}}})
	checkErr(t, "SaveGaps", err, nil)
	g := gaps[0]
	// Recomputing the conversation keeps the question in its draft.
	save(un(q1, "可以开", "发票随货"), un(q2))
	list, err := e.s.ListUnanswered(e.ctx, a.ID, time.Time{}, 10)
	checkErr(t, "ListUnanswered", err, nil)
	if len(list) != 2 || list[1].MessageID != q1.ID || list[1].GapID != g.ID || len(list[1].Replies) != 2 {
		t.Fatalf("unanswered %+v", list)
	}
	_, err = e.s.DecideGap(e.ctx, store.GapDecision{ShopID: b.ID, ID: g.ID, Status: store.GapApproved})
	checkErr(t, "DecideGap in another shop", err, store.ErrNotFound)
	d, err := e.s.DecideGap(e.ctx, store.GapDecision{ShopID: a.ID, ID: g.ID, Status: store.GapApproved, ActorID: 4, FAQID: 12})
	checkErr(t, "DecideGap", err, nil)
	if d.Status != store.GapApproved || d.FAQID != 12 || d.DecidedBy != 4 || d.Draft != `{"q":1}` {
		t.Errorf("decided %+v", d)
	}
	_, err = e.s.DecideGap(e.ctx, store.GapDecision{ShopID: a.ID, ID: g.ID, Status: store.GapDismissed})
	checkErr(t, "DecideGap twice", err, store.ErrStale)
	// A decided question leaves the miner's input, also when recomputed.
	save(un(q2))
	list, err = e.s.ListUnanswered(e.ctx, a.ID, time.Time{}, 10)
	checkErr(t, "ListUnanswered", err, nil)
	if len(list) != 1 || list[0].MessageID != q2.ID {
		t.Fatalf("unanswered after approval %+v", list)
	}
	// Saving drafts replaces the open ones.
	_, err = e.s.SaveGaps(e.ctx, a.ID, []store.Gap{{Kind: store.GapNew, Draft: `{}`, Buyers: 1, Asks: 1, Members: []int64{q2.ID}}})
	checkErr(t, "SaveGaps", err, nil)
	_, err = e.s.SaveGaps(e.ctx, a.ID, nil)
	checkErr(t, "SaveGaps none", err, nil)
	open, err := e.s.ListGaps(e.ctx, a.ID, store.GapOpen, 10)
	checkErr(t, "ListGaps", err, nil)
	approved, err := e.s.ListGaps(e.ctx, a.ID, store.GapApproved, 10)
	checkErr(t, "ListGaps", err, nil)
	if len(open) != 0 || len(approved) != 1 {
		t.Errorf("open %+v approved %+v", open, approved)
	}
	_, err = e.s.GetGap(e.ctx, b.ID, g.ID)
	checkErr(t, "GetGap in another shop", err, store.ErrNotFound)
}
