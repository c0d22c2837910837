package storetest

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// dayOf is the day number (days since 1970-01-01) of a date.
func dayOf(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// testStatsMonthly rolls conversations up on days at the edges of months
// and years (and 29 February), re-rolls them (a conversation moves to
// another day and month, one is taken back, one gains a late entry), and
// checks that the monthly rollup is the sum of the final contributions by
// month, that it equals the daily rollup over the same days, and that a
// period read as days, whole months and days equals the same period read
// day by day.
func testStatsMonthly(t *testing.T, e *env) {
	a := e.shop("month-a")
	edge := []int64{dayOf(2024, 1, 31), dayOf(2024, 2, 1), dayOf(2024, 2, 29), dayOf(2024, 3, 1),
		dayOf(2024, 3, 31), dayOf(2024, 12, 31), dayOf(2025, 1, 1)}
	rng := rand.New(rand.NewPCG(7, 8))
	var convs []model.Conversation
	for i := range 6 {
		convs = append(convs, e.conversation(a.ID, e.buyer(a.ID, name("m%d", i)).ID))
	}
	// contrib is a conversation's entries on some of the days.
	contrib := func(c model.Conversation, on ...int64) store.StatsContrib {
		sc := store.StatsContrib{ConversationID: c.ID, ShopID: a.ID}
		for _, d := range on {
			for range 1 + rng.IntN(4) {
				x := entry(d*24+int64(rng.IntN(24)), []string{"conv", "turn", "faq_volume"}[rng.IntN(3)],
					[]string{"", "answered", "101"}[rng.IntN(3)], []string{"web", "mobile"}[rng.IntN(2)],
					int64(rng.IntN(2)), int64(rng.IntN(3)), 1+int64(rng.IntN(3)), int64(rng.IntN(5000)))
				x.DailyOnly = x.Key.Metric == "faq_volume"
				sc.Entries = append(sc.Entries, x)
			}
		}
		return sc
	}
	final := map[int64]store.StatsContrib{}
	apply := func(cs ...store.StatsContrib) {
		t.Helper()
		checkErr(t, "ApplyStats", e.s.ApplyStats(e.ctx, store.StatsBatch{Contribs: cs}), nil)
		for _, c := range cs {
			final[c.ConversationID] = c
		}
	}
	apply(contrib(convs[0], edge[0], edge[1]), contrib(convs[1], edge[0]), contrib(convs[2], edge[2], edge[3]),
		contrib(convs[3], edge[4], edge[5], edge[6]), contrib(convs[4], edge[1], edge[2]))
	apply(contrib(convs[5], edge[5]))
	// Re-rolled: conversation 1 moved from 31 January to 1 February, 2 is
	// taken back, 4 gained a late entry on 29 February.
	moved := contrib(convs[1], edge[1])
	late := final[convs[4].ID]
	late.Entries = append(append([]store.StatsEntry(nil), late.Entries...), entry(edge[2]*24+23, "conv", "", "web", 1, 2, 1, 60000))
	apply(moved, store.StatsContrib{ConversationID: convs[2].ID, ShopID: a.ID}, late)
	apply(moved) // again: no change

	// What each month holds, from the final contributions.
	want := map[int64][]store.StatsRow{}
	type key struct {
		month                 int64
		metric, item, channel string
		group, agent          int64
	}
	sum := map[key][2]int64{}
	for _, c := range final {
		for _, x := range c.Entries {
			k := key{store.MonthOfDay(x.Key.Bucket / 24), x.Key.Metric, x.Key.Item, x.Key.Channel, x.Key.GroupID, x.Key.AgentID}
			s := sum[k]
			sum[k] = [2]int64{s[0] + x.N, s[1] + x.Total}
		}
	}
	for k, s := range sum {
		want[k.month] = append(want[k.month], store.StatsRow{Metric: k.metric, Item: k.item, Channel: k.channel, GroupID: k.group, AgentID: k.agent, N: s[0], Total: s[1]})
	}
	by := []string{"item", "channel", "group_id", "agent_id"}
	byOrder := func(rs []store.StatsRow) []store.StatsRow {
		sort.Slice(rs, func(i, j int) bool {
			x, y := rs[i], rs[j]
			switch {
			case x.Metric != y.Metric:
				return x.Metric < y.Metric
			case x.Item != y.Item:
				return x.Item < y.Item
			case x.Channel != y.Channel:
				return x.Channel < y.Channel
			case x.GroupID != y.GroupID:
				return x.GroupID < y.GroupID
			}
			return x.AgentID < y.AgentID
		})
		return rs
	}
	first, last := store.MonthOfDay(edge[0]), store.MonthOfDay(edge[len(edge)-1])
	if feb := want[store.MonthOfDay(edge[1])]; len(feb) == 0 {
		t.Fatal("February holds nothing: the test would prove nothing")
	}
	for m := first - 1; m <= last+1; m++ {
		month := sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: []store.StatsSpan{{Unit: store.StatsMonth, From: m, To: m + 1}}, By: by})
		diff(t, name("month %d", m), byOrder(want[m]), month, cmp.Comparer(func(a, b []store.StatsRow) bool {
			return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b)
		}))
		daily := sums(t, e, store.StatsQuery{ShopID: a.ID, Spans: days(store.MonthFirstDay(m), store.MonthFirstDay(m+1)), By: by})
		diff(t, name("month %d from its days", m), daily, month)
	}

	// 31 January, then February to November whole, then 1 December to 1
	// January: the same sums as every day from 31 January to 1 January.
	mixed := []store.StatsSpan{
		{Unit: store.StatsDay, From: edge[0], To: dayOf(2024, 2, 1)},
		{Unit: store.StatsMonth, From: store.MonthOfDay(edge[1]), To: store.MonthOfDay(dayOf(2024, 12, 1))},
		{Unit: store.StatsDay, From: dayOf(2024, 12, 1), To: edge[6] + 1},
	}
	for _, q := range []store.StatsQuery{
		{ShopID: a.ID, By: by},
		{ShopID: a.ID, Metrics: []string{"conv", "faq_volume"}, Channel: "web", By: []string{"item"}},
		{ShopID: a.ID, GroupID: new(int64(1)), AgentID: new(int64(2))},
	} {
		q.Spans = mixed
		got := sums(t, e, q)
		q.Spans = days(edge[0], edge[6]+1)
		diff(t, "mixed spans", sums(t, e, q), got)
	}
	_, err := e.s.StatsSums(e.ctx, store.StatsQuery{ShopID: a.ID, Spans: mixed, By: []string{"bucket"}})
	if err == nil {
		t.Error("StatsSums broke spans of days and months down by bucket")
	}
}
