package stats

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// truthOf reads a report column's expected value from a truth cell: a
// count, or a ratio of two counts (false: nothing to divide by).
type truthOf func(c tally) (float64, bool)

func cnt(key string) truthOf { return func(c tally) (float64, bool) { return c[key], true } }

func rat(num, den string) truthOf {
	return func(c tally) (float64, bool) { return ratio(c[num], c[den]) }
}

// columnTruth says, for every column of the time-series and breakdown
// reports, how the truth gives it. A column without a line here fails the
// test: every measure is checked.
var columnTruth = map[string]truthOf{
	"conversations": cnt("conversations"), "closed": cnt("closed"), "decided": cnt("decided"),
	"bot_resolved": cnt("bot_resolved"), "bot_resolution_rate": rat("bot_resolved", "decided"),
	"handed_off": cnt("handed_off"), "handoff_rate": rat("handed_off", "conversations"),

	"questions": cnt("questions"), "answered": cnt("answered"), "suggested": cnt("suggested"), "fallback": cnt("fallback"),
	"handoff": cnt("handoff"), "chatter": cnt("chatter"), "answer_rate": rat("answered", "questions"),
	"suggestion_rate": rat("suggested", "questions"), "fallback_rate": rat("fallback", "questions"),
	"handoff_trigger_rate": rat("handoff", "questions"), "choices": cnt("choices"), "choices_taken": cnt("choices_taken"),
	"click_through": rat("choices_taken", "choices"),

	"ratings": cnt("ratings"), "rating_avg": rat("stars_sum", "ratings"), "satisfied": cnt("satisfied"),
	"satisfaction": rat("satisfied", "ratings"), "invited": cnt("invited"), "invited_rated": cnt("invited_rated"),
	"response_rate": rat("invited_rated", "invited"),
	"stars_1":       cnt("stars_1"), "stars_2": cnt("stars_2"), "stars_3": cnt("stars_3"), "stars_4": cnt("stars_4"), "stars_5": cnt("stars_5"),

	"first_response_bot_ms": rat("first_bot_sum", "first_bot_n"), "first_response_bot_n": cnt("first_bot_n"),
	"first_response_human_ms": rat("first_human_sum", "first_human_n"), "first_response_human_n": cnt("first_human_n"),
	"queue_wait_ms": rat("queue_wait_sum", "queue_waits"), "queue_waits": cnt("queue_waits"),
	"queue_abandoned_wait_ms": rat("abandoned_sum", "queue_abandoned"), "queue_abandoned": cnt("queue_abandoned"),
	"handle_time_ms": rat("handle_sum", "handled"), "handled": cnt("handled"), "time_to_close_ms": rat("close_sum", "closed"),

	// agents
	"messages": cnt("messages"), "first_response_ms": rat("first_sum", "first_n"),
	"online_ms": cnt("online_ms"), "busy_ms": cnt("busy_ms"), "away_ms": cnt("away_ms"),
	// intents and FAQs
	"volume": cnt("volume"), "offered": cnt("offered"), "taken": cnt("taken"),
	"take_rate": rat("taken", "offered"), "handed_off_after": cnt("handed_off_after"), "resolved": cnt("resolved"),
	"resolution_rate": rat("resolved", "answered"),
}

// compareRow checks every measure column of a report row against a truth
// cell. key names the row in messages; override replaces a column's truth.
func compareRow(t *testing.T, rep Report, row []any, want tally, key string, override map[string]truthOf) {
	t.Helper()
	if want == nil {
		want = tally{}
	}
	for i, col := range rep.Columns {
		if col.Kind == KindLabel || col.Kind == KindID {
			continue
		}
		truth, ok := override[col.Key]
		if !ok {
			truth, ok = columnTruth[col.Key]
		}
		if !ok {
			t.Fatalf("%s: column %s has no truth to compare with", rep.Name, col.Key)
		}
		v, has := truth(want)
		near(t, fmt.Sprintf("%s %s %s", rep.Name, key, col.Key), col.Kind, row[i], v, has)
	}
}

func sumTallies[K comparable](m map[K]tally) tally {
	out := tally{}
	for _, c := range m {
		for k, v := range c {
			out[k] += v
		}
	}
	return out
}

// checkSeries compares the four time-series reports with the truth, row
// by row and in total.
func checkSeries(t *testing.T, w *world, now time.Time, f Filter) {
	t.Helper()
	e := w.expect(now, f)
	want := e.series(w.g.convs)
	total := sumTallies(want)
	seen := 0
	for _, name := range []string{"conversations", "bot", "satisfaction", "times"} {
		rep, err := w.svc.Series(context.Background(), w.g.shop.ID, name, f)
		must(t, err)
		for _, row := range rep.Rows {
			label := row[0].(string)
			if want[label] != nil {
				seen++
			}
			compareRow(t, rep, row, want[label], label, nil)
		}
		compareRow(t, rep, rep.Totals, total, "total", nil)
	}
	if seen != 4*len(want) {
		t.Errorf("the reports have %d of the %d labels the truth has", seen/4, len(want))
	}
}

// checkBreakdowns compares the handoff, agent, intent and FAQ reports
// with the truth.
func checkBreakdowns(t *testing.T, w *world, now time.Time, f Filter) {
	t.Helper()
	ctx, shop, e := context.Background(), w.g.shop.ID, w.expect(now, f)

	rep, err := w.svc.Handoffs(ctx, shop, f)
	must(t, err)
	wantH := e.handoffs(w.g.convs)
	if len(rep.Rows) != len(wantH) {
		t.Errorf("handoff reasons %v, want %v", rep.Rows, wantH)
	}
	for _, row := range rep.Rows {
		near(t, "handoffs "+row[0].(string), KindCount, row[1], wantH[row[0].(string)], true)
	}

	rep, err = w.svc.Agents(ctx, shop, f)
	must(t, err)
	wantA := e.agents(w.g.convs)
	online := e.online(w.plans)
	for id, st := range online {
		if f.AgentID != nil && *f.AgentID != id {
			continue
		}
		if wantA[id] == nil {
			wantA[id] = tally{}
		}
		for s, v := range st {
			wantA[id][string(s)+"_ms"] = float64(v)
		}
	}
	if len(rep.Rows) != len(wantA) {
		t.Errorf("agents report has %d rows, want %d", len(rep.Rows), len(wantA))
	}
	for _, row := range rep.Rows {
		id := row[0].(int64)
		compareRow(t, rep, row, wantA[id], "agent "+strconv.FormatInt(id, 10), nil)
	}

	items := map[string]truthOf{"answer_rate": rat("answered", "volume")}
	for _, faq := range []bool{false, true} {
		if faq {
			rep, err = w.svc.FAQs(ctx, shop, f, map[int64]string{})
		} else {
			rep, err = w.svc.Intents(ctx, shop, f)
		}
		must(t, err)
		want := e.items(w.g.convs, faq)
		if len(rep.Rows) != len(want) {
			t.Errorf("%s: %d rows, want %d", rep.Name, len(rep.Rows), len(want))
		}
		for _, row := range rep.Rows {
			compareRow(t, rep, row, want[row[0].(string)], row[0].(string), items)
		}
		compareRow(t, rep, rep.Totals, sumTallies(want), "total", items)
	}
}

// TestMeasures computes every measure on generated histories whose values
// are known by construction, in a zone with summer time (the history spans
// the night the clocks move) and in one with a half-hour offset, with
// conversations that open at and just before local midnight and run past
// it. The rollups grow incrementally while the history is written (with a
// refresh every few buyers), and each report is checked by day, by hour,
// and filtered by channel, group and agent.
func TestMeasures(t *testing.T) {
	worlds := []struct {
		zone, first string
		days        int
	}{
		{"America/New_York", "2025-03-05", 8}, // summer time begins 2025-03-09 02:00
		{"Asia/Kolkata", "2025-06-01", 5},     // UTC+05:30
	}
	for i, wd := range worlds {
		t.Run(wd.zone, func(t *testing.T) {
			w := build(t, wd.zone, wd.first, wd.days, 120, uint64(i+1))
			now := w.settle(t)
			last := bucketLabel(w.filter(t, "from="+wd.first).From+int64(wd.days)-1, false)
			group, agent := w.g.groups[0], w.g.agents[1]
			for _, q := range []string{
				"from=" + wd.first + "&to=" + last,
				"from=" + wd.first + "&to=" + last + "&channel=web",
				"from=" + wd.first + "&to=" + last + "&channel=other",
				"from=" + wd.first + "&to=" + last + fmt.Sprintf("&group=%d", group),
				"from=" + wd.first + "&to=" + last + fmt.Sprintf("&agent=%d", agent),
				"from=" + wd.first + "&to=" + last + "&agent=0",
				"from=" + bucketLabel(w.filter(t, "from="+wd.first).From+3, false) + "&to=" + bucketLabel(w.filter(t, "from="+wd.first).From+5, false) + "&granularity=hour",
			} {
				t.Run(q, func(t *testing.T) {
					f := w.filter(t, q)
					checkSeries(t, w, now, f)
					checkBreakdowns(t, w, now, f)
				})
			}
		})
	}
}
