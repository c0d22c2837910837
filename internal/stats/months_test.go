package stats

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func TestSpans(t *testing.T) {
	day := func(s string) int64 {
		d, _ := time.Parse(time.DateOnly, s)
		return dayNumber(d.Date())
	}
	month := func(y int, m time.Month) int64 { return store.MonthOfDay(dayNumber(y, m, 1)) }
	days := func(from, to string) store.StatsSpan {
		return store.StatsSpan{Unit: store.StatsDay, From: day(from), To: day(to)}
	}
	months := func(y1 int, m1 time.Month, y2 int, m2 time.Month) store.StatsSpan {
		return store.StatsSpan{Unit: store.StatsMonth, From: month(y1, m1), To: month(y2, m2)}
	}
	for _, tt := range []struct {
		name, from, to string
		want           []store.StatsSpan
	}{
		{"a year", "2025-01-01", "2025-12-31", []store.StatsSpan{months(2025, 1, 2026, 1)}},
		{"one month", "2024-02-01", "2024-02-29", []store.StatsSpan{months(2024, 2, 2024, 3)}},
		{"inside a month", "2025-03-02", "2025-03-30", []store.StatsSpan{days("2025-03-02", "2025-03-31")}},
		{"a month but a day", "2025-03-01", "2025-03-30", []store.StatsSpan{days("2025-03-01", "2025-03-31")}},
		{"across two months", "2025-02-20", "2025-03-10", []store.StatsSpan{days("2025-02-20", "2025-03-11")}},
		{"days, months, days", "2024-12-15", "2025-04-05", []store.StatsSpan{
			days("2024-12-15", "2025-01-01"), months(2025, 1, 2025, 4), days("2025-04-01", "2025-04-06")}},
		{"from the first", "2025-01-01", "2025-02-10", []store.StatsSpan{months(2025, 1, 2025, 2), days("2025-02-01", "2025-02-11")}},
		{"to the last", "2025-01-20", "2025-02-28", []store.StatsSpan{days("2025-01-20", "2025-02-01"), months(2025, 2, 2025, 3)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := Filter{From: day(tt.from), To: day(tt.to)}
			if d := cmp.Diff(tt.want, f.spans(true)); d != "" {
				t.Errorf("spans (-want +got):\n%s", d)
			}
			if got := f.spans(false); !reflect.DeepEqual(got, []store.StatsSpan{{Unit: store.StatsDay, From: day(tt.from), To: day(tt.to) + 1}}) {
				t.Errorf("days only: %v", got)
			}
			f.Hourly = true
			if got := f.spans(true); len(got) != 1 || got[0].Unit != store.StatsHour {
				t.Errorf("by hour: %v", got)
			}
		})
	}
}

// reports reads every report of a filter.
func reports(t *testing.T, svc *Service, shop int64, f Filter) map[string]Report {
	t.Helper()
	ctx := context.Background()
	out := map[string]Report{}
	for _, name := range []string{"conversations", "bot", "satisfaction", "times"} {
		rep, err := svc.Series(ctx, shop, name, f)
		must(t, err)
		out[name] = rep
	}
	for name, fn := range map[string]func(context.Context, int64, Filter) (Report, error){
		"overview": svc.Overview, "handoffs": svc.Handoffs, "agents": svc.Agents, "intents": svc.Intents} {
		rep, err := fn(ctx, shop, f)
		must(t, err)
		out[name] = rep
	}
	rep, err := svc.FAQs(ctx, shop, f, map[int64]string{})
	must(t, err)
	out["faqs"] = rep
	return out
}

// TestMonthsAsDays reads every report over periods of whole months and of
// days around them, through the monthly rollup and day by day, on a
// history of six weeks in a zone with summer time: the figures are
// identical, also after late facts re-rolled days of months already
// summed, and they are the truth.
func TestMonthsAsDays(t *testing.T) {
	ctx := context.Background()
	w := build(t, "America/New_York", "2025-02-22", 42, 170, 5)
	now := w.settle(t)
	daysOnly := New(Options{Store: w.g.db, Now: w.g.clk.Now})
	daysOnly.months = false
	shop := w.g.shop.ID
	group, agent := w.g.groups[1], w.g.agents[2]
	periods := []string{
		"from=2025-02-22&to=2025-04-04", // days, March, days
		"from=2025-03-01&to=2025-03-31", // March
		"from=2025-02-01&to=2025-04-30", // February to April, whole
		"from=2025-01-01&to=2025-12-31", // the year
		"from=2025-03-02&to=2025-03-30", // no whole month
	}
	compare := func(t *testing.T) {
		for _, p := range periods {
			for _, q := range []string{p, p + "&channel=web", p + fmt.Sprintf("&group=%d", group),
				p + fmt.Sprintf("&agent=%d", agent), p + "&agent=0"} {
				f := w.filter(t, q)
				got, want := reports(t, w.svc, shop, f), reports(t, daysOnly, shop, f)
				for name := range want {
					if !reflect.DeepEqual(got[name], want[name]) {
						t.Errorf("%s %s through months:\n%v\nday by day:\n%v", q, name, got[name], want[name])
					}
				}
				if got["overview"].Rows[0][0] == int64(0) && q == p {
					t.Errorf("%s: no conversations: the comparison would prove nothing", q)
				}
			}
		}
		f := w.filter(t, periods[2])
		checkSeries(t, w, now, f)
		checkBreakdowns(t, w, now, f)
	}
	t.Run("built", compare)

	// Late facts: conversations of early March written only now (as
	// another node might, committing late), and a rating of a February
	// conversation arriving now. Their days are re-rolled.
	b, err := w.g.db.EnsureVisitor(ctx, w.g.shop.ID, "late")
	must(t, err)
	before := len(w.g.convs)
	w.g.session(b, time.Date(2025, 3, 3, 23, 30, 0, 0, w.loc), "mobile")
	if c := w.g.convs[before]; c.open.In(w.loc).Month() != time.March {
		t.Fatalf("the late conversation opened %v", c.open)
	}
	rated := false
	for _, tc := range w.g.convs {
		if tc.closed && tc.rating == 0 && tc.open.In(w.loc).Month() == time.February {
			w.g.clk.Set(w.g.latest.Add(time.Minute))
			must(t, w.g.db.RateConversation(ctx, w.g.shop.ID, tc.id, 4, "late"))
			tc.rating, rated = 4, true
			break
		}
	}
	if !rated {
		t.Fatal("no February conversation left to rate late")
	}
	now = w.settle(t)
	t.Run("after late facts", compare)
}
