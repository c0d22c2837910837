package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/stats"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// historyNow is the tests' today: a Tuesday afternoon.
var historyNow = time.Date(2025, 11, 18, 15, 30, 0, 0, time.UTC)

// seeded is a demo shop with its history, made once for the tests that
// read it.
type seeded struct {
	db    *store.DB
	kb    *kb.Service
	res   Result
	stats *stats.Service
}

var (
	seedOnce sync.Once
	seedDemo seeded
	seedErr  error
)

// withHistory seeds the demo with its month of history in a database kept
// for the package's tests, and brings the statistics up to date through
// the real job.
func withHistory(t *testing.T) seeded {
	t.Helper()
	seedOnce.Do(func() {
		ctx := context.Background()
		db, err := store.Open(ctx, store.Options{DSN: filepath.Join(sharedDir(t), "history.db"), Now: func() time.Time { return historyNow }})
		if err != nil {
			seedErr = err
			return
		}
		if _, err := db.Migrate(ctx); err != nil {
			seedErr = err
			return
		}
		packs, err := kb.BuiltinPacks()
		if err != nil {
			seedErr = err
			return
		}
		knowledge := kb.New(kb.Options{Store: db, Bus: bus.NewLocal(), Packs: packs})
		res, err := Seed(ctx, Options{Store: db, KB: knowledge, BcryptCost: 4, Now: func() time.Time { return historyNow },
			Clocked: func(now func() time.Time) store.Store { return db.WithClock(now) }})
		if err != nil {
			seedErr = err
			return
		}
		st := stats.New(stats.Options{Store: db, KB: knowledge, Now: func() time.Time { return historyNow }})
		if err := st.Refresh(ctx); err != nil {
			seedErr = err
			return
		}
		if _, err := st.Mine(ctx, res.Shop.ID); err != nil {
			seedErr = err
			return
		}
		seedDemo = seeded{db: db, kb: knowledge, res: res, stats: st}
	})
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	return seedDemo
}

var (
	sharedOnce sync.Once
	shared     string
)

// sharedDir is a directory that outlives the first test using it (the
// package's tests share one seeded database); TestMain removes it.
func sharedDir(t *testing.T) string {
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "xiaoer-demo-")
		if err != nil {
			t.Fatal(err)
		}
		shared = dir
	})
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seedDemo.db != nil {
		seedDemo.db.Close()
	}
	if shared != "" {
		os.RemoveAll(shared)
	}
	os.Exit(code)
}

// row reads a one-row report (overview, totals) as a map by column.
func row(rep stats.Report, values []any) map[string]any {
	out := map[string]any{}
	for i, c := range rep.Columns {
		out[c.Key] = values[i]
	}
	return out
}

func num(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case int:
		return float64(x)
	}
	return -1 // null: nothing to compute it from
}

// TestHistoryDashboard checks that after the demo's history every figure
// of the dashboard, computed by the real statistics job and reports, is
// there and plausible: a few hundred conversations a day with a weekly and
// a daily rhythm, the bot resolving most, buyers mostly satisfied, response
// times of seconds for the bot and of minutes for people, every handoff
// reason the pipeline has, the three agents at work, and unanswered
// questions grouped into drafts with the agents' answers.
func TestHistoryDashboard(t *testing.T) {
	d := withHistory(t)
	ctx, shop := t.Context(), d.res.Shop.ID
	if h := d.res.History; h.Conversations < historyDays*150 || h.Played == 0 || h.Copied < h.Played {
		t.Fatalf("history %+v: want a few hundred conversations a day, most made from played ones", h)
	}
	loc, _ := time.LoadLocation("Asia/Shanghai")
	month, err := stats.ParseFilter(nil, historyNow, loc)
	if err != nil {
		t.Fatal(err)
	}
	month.From = month.To - historyDays + 1
	over, err := d.stats.Overview(ctx, shop, month)
	if err != nil {
		t.Fatal(err)
	}
	o := row(over, over.Rows[0])
	within := []struct {
		key    string
		lo, hi float64
	}{
		{"conversations", historyDays * 150, historyDays * 400},
		{"bot_resolution_rate", 0.55, 0.95},
		{"handoff_rate", 0.05, 0.35},
		{"answer_rate", 0.5, 0.9},
		{"suggestion_rate", 0.03, 0.3},
		{"fallback_rate", 0.005, 0.15},
		{"handoff_trigger_rate", 0.03, 0.3},
		{"click_through", 0.2, 0.8},
		{"satisfaction", 0.7, 0.98},
		{"rating_avg", 3.8, 4.9},
		{"response_rate", 0.1, 0.5},
		{"first_response_bot_ms", 200, 2000},
		{"first_response_human_ms", 10_000, 20 * 60_000},
		{"queue_wait_ms", 1, 20 * 60_000},
		{"handle_time_ms", 60_000, 15 * 60_000},
		{"time_to_close_ms", 10 * 60_000, 3 * 3600_000},
	}
	for _, w := range within {
		if v := num(o[w.key]); v < w.lo || v > w.hi {
			t.Errorf("%s = %v over the month, want %v to %v", w.key, o[w.key], w.lo, w.hi)
		}
	}
	if o["closed"] != o["conversations"] {
		t.Errorf("%v of %v conversations closed: the history must leave none open", o["closed"], o["conversations"])
	}

	// Every day has conversations; weekends more than weekdays; nights
	// fewer than evenings.
	days, err := d.stats.Series(ctx, shop, "conversations", month)
	if err != nil {
		t.Fatal(err)
	}
	var weekend, weekday, nWeekend, nWeekday float64
	for _, r := range days.Rows[:len(days.Rows)-1] { // today is not over
		n := num(r[1])
		if n < 100 {
			t.Errorf("day %v has %v conversations", r[0], n)
		}
		date, err := time.Parse(time.DateOnly, r[0].(string))
		if err != nil {
			t.Fatal(err)
		}
		if day := date.Weekday(); day == time.Saturday || day == time.Sunday {
			weekend, nWeekend = weekend+n, nWeekend+1
		} else {
			weekday, nWeekday = weekday+n, nWeekday+1
		}
	}
	if weekend/nWeekend < 1.1*weekday/nWeekday {
		t.Errorf("%.0f a weekend day, %.0f a weekday: want the weekend busier", weekend/nWeekend, weekday/nWeekday)
	}
	hourly := month
	hourly.Hourly, hourly.From = true, month.To-6
	hours, err := d.stats.Series(ctx, shop, "conversations", hourly)
	if err != nil {
		t.Fatal(err)
	}
	byHour := map[int]float64{}
	for i, r := range hours.Rows {
		byHour[i%24] += num(r[1])
	}
	if byHour[3]*4 > byHour[21] || byHour[10] < byHour[5]*4 {
		t.Errorf("conversations by hour %v: want nights quiet, mornings and evenings busy", byHour)
	}

	handoffs, err := d.stats.Handoffs(ctx, shop, month)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]bool{}
	for _, r := range handoffs.Rows {
		reasons[r[0].(string)] = true
	}
	for _, want := range []string{"human_request", "always_human", "misses", "keyword", "vip", "task"} {
		if !reasons[want] {
			t.Errorf("no handoff for %s; reasons %v", want, reasons)
		}
	}

	agents, err := d.stats.Agents(ctx, shop, month)
	if err != nil {
		t.Fatal(err)
	}
	working := 0
	for _, r := range agents.Rows {
		a := row(agents, r)
		if num(a["conversations"]) > 50 && num(a["messages"]) > 100 && num(a["online_ms"]) > 100*3600_000 && num(a["satisfaction"]) > 0.5 {
			working++
		}
	}
	if working != 3 {
		t.Errorf("%d agents served buyers over the month, want xiaomei, xiaoli and the supervisor: %v", working, agents.Rows)
	}
	intents, err := d.stats.Intents(ctx, shop, month)
	if err != nil {
		t.Fatal(err)
	}
	if len(intents.Rows) < 15 {
		t.Errorf("%d intents asked, want most of the engine's", len(intents.Rows))
	}

	gaps, err := d.stats.Gaps(ctx, shop, "open", 100)
	if err != nil {
		t.Fatal(err)
	}
	answered, similar, canada := 0, 0, false
	for _, g := range gaps {
		if g.Draft.Answer != "" && g.Buyers >= 10 {
			answered++
		}
		if g.Kind == "similar" {
			similar++
		}
		canada = canada || strings.Contains(g.Draft.Question, "加拿大")
	}
	if len(gaps) < 8 || answered < 6 || similar == 0 || !canada {
		t.Errorf("%d unanswered-question groups, %d with an agent's answer asked by ten buyers or more, %d close to a FAQ, Canada %v",
			len(gaps), answered, similar, canada)
	}
}

// TestHistoryIsWhatTheBotDoes checks the made conversations against the
// demo shop's engine: every FAQ answer in the history is the answer the
// engine gives for the buyer's words, every "did you mean" offers the
// engine's choices, and every reply names the message it answers. The
// history leaves nothing open and the agents offline.
func TestHistoryIsWhatTheBotDoes(t *testing.T) {
	d := withHistory(t)
	ctx, shop := t.Context(), d.res.Shop.ID
	se, err := d.kb.Engines().Get(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	open, err := d.db.ListConversations(ctx, store.ConversationFilter{ShopID: shop,
		Owners: []model.Owner{model.OwnerBot, model.OwnerQueue, model.OwnerAgent}})
	if err != nil || len(open) > 0 {
		t.Fatalf("%d conversations open after the history (%v)", len(open), err)
	}
	members, err := d.db.ListMembers(ctx, shop)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range members {
		if m.Status != model.StatusOffline {
			t.Errorf("%s is %s after the history, want offline", m.Account.Username, m.Status)
		}
	}
	cs, err := d.db.ListConversations(ctx, store.ConversationFilter{ShopID: shop, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	scs, err := d.db.LoadStatsConversations(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	faqs, choices, english := 0, 0, 0
	for _, sc := range scs {
		byID := map[int64]model.Message{}
		for _, m := range sc.Messages {
			byID[m.ID] = m
		}
		for _, m := range sc.Messages {
			if m.Sender != model.SenderBot || !strings.HasPrefix(m.ClientID, "bot-") {
				continue
			}
			var asked int64
			fmt.Sscanf(m.ClientID, "bot-%d", &asked)
			q, ok := byID[asked]
			if !ok || q.Sender != model.SenderBuyer || q.CreatedAt.After(m.CreatedAt) {
				t.Fatalf("conversation %d: %s answers %d, not an earlier buyer message", sc.Conversation.ID, m.ClientID, asked)
			}
			var meta struct {
				FAQID   int64 `json:"faq_id"`
				Choices []struct {
					FAQID int64 `json:"faq_id"`
				} `json:"choices"`
				Explain struct {
					Step string `json:"step"`
				} `json:"explain"`
			}
			if err := json.Unmarshal([]byte(m.Meta), &meta); err != nil {
				t.Fatal(err)
			}
			got := se.Match(q.Body, nil, q.CreatedAt, "zh-CN")
			switch meta.Explain.Step {
			case "faq":
				faqs++
				if got.Decision != nlp.Answer || got.FAQ == nil || got.FAQ.ID != meta.FAQID {
					t.Errorf("conversation %d: %q answered with FAQ %d; the engine decides %s %v", sc.Conversation.ID, q.Body, meta.FAQID, got.Decision, got.FAQKey)
				}
			case "choices":
				choices++
				if len(got.Choices) == 0 || len(meta.Choices) == 0 || got.Choices[0].FAQID != meta.Choices[0].FAQID {
					t.Errorf("conversation %d: %q offered %v; the engine offers %v", sc.Conversation.ID, q.Body, meta.Choices, got.Choices)
				}
			}
			if got.Lang == "en" {
				english++
			}
		}
	}
	if faqs < 100 || choices < 10 || english < 10 {
		t.Errorf("the newest 500 conversations have %d FAQ answers, %d \"did you mean\", %d English replies", faqs, choices, english)
	}
}

// TestHistoryDeterministic: the same day gives the same history, to the
// message. Two copies of one seeded demo shop each play two days.
func TestHistoryDeterministic(t *testing.T) {
	ctx := t.Context()
	now := func() time.Time { return historyNow }
	dir := t.TempDir()
	packs, err := kb.BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	open := func(path string) *store.DB {
		db, err := store.Open(ctx, store.Options{DSN: path, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	base := open(filepath.Join(dir, "base.db"))
	if _, err := base.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := Seed(ctx, Options{Store: base, KB: kb.New(kb.Options{Store: base, Bus: bus.NewLocal(), Packs: packs}), BcryptCost: 4, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	digest := func(name string) string {
		path := filepath.Join(dir, name)
		if err := base.Backup(ctx, path); err != nil {
			t.Fatal(err)
		}
		db := open(path)
		clk := &clock{}
		knowledge := kb.New(kb.Options{Store: db, Bus: bus.NewLocal(), Packs: packs})
		if _, err := seedHistory(ctx, db.WithClock(clk.Now), clk, knowledge, res.Shop, historyNow, 2); err != nil {
			t.Fatal(err)
		}
		cs, err := db.ListConversations(ctx, store.ConversationFilter{ShopID: res.Shop.ID, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, c := range cs {
			fmt.Fprintf(&b, "%d %d %s %d %d %v %v\n", c.ID, c.BuyerID, c.Owner, c.AgentID, c.GroupID, c.CreatedAt.UnixMilli(), c.ClosedAt.UnixMilli())
			ms, err := db.ListMessages(ctx, store.MessageQuery{ShopID: res.Shop.ID, ConversationID: c.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				fmt.Fprintf(&b, "  %d %s %d %s %q %d\n", m.Seq, m.Sender, m.SenderID, m.ClientID, m.Body, m.CreatedAt.UnixMilli())
			}
		}
		if len(cs) < 100 {
			t.Fatalf("%d conversations in two days", len(cs))
		}
		return b.String()
	}
	if a, b := digest("a.db"), digest("b.db"); a != b {
		t.Error("two histories of the same day differ")
	}
}

// BenchmarkHistory measures what the history adds to the demo's start:
// the month played and made into a copy of a seeded demo shop, on SQLite.
func BenchmarkHistory(b *testing.B) {
	ctx := b.Context()
	now := func() time.Time { return historyNow }
	dir := b.TempDir()
	packs, err := kb.BuiltinPacks()
	if err != nil {
		b.Fatal(err)
	}
	base, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "base.db"), Now: now})
	if err != nil {
		b.Fatal(err)
	}
	defer base.Close()
	if _, err := base.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	res, err := Seed(ctx, Options{Store: base, KB: kb.New(kb.Options{Store: base, Bus: bus.NewLocal(), Packs: packs}), BcryptCost: 4, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	var rep HistoryReport
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		path := filepath.Join(dir, fmt.Sprintf("run%d.db", i))
		if err := base.Backup(ctx, path); err != nil {
			b.Fatal(err)
		}
		db, err := store.Open(ctx, store.Options{DSN: path, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		knowledge := kb.New(kb.Options{Store: db, Bus: bus.NewLocal(), Packs: packs})
		if _, err := knowledge.Engines().Get(ctx, res.Shop.ID); err != nil {
			b.Fatal(err)
		}
		clk := &clock{}
		b.StartTimer()
		if rep, err = seedHistory(ctx, db.WithClock(clk.Now), clk, knowledge, res.Shop, historyNow, historyDays); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rep.Conversations), "conversations")
	b.ReportMetric(float64(rep.Played), "played")
}
