package stats

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// overview reads the overview's single row.
func overview(t *testing.T, w *world, q string) map[string]any {
	t.Helper()
	f := w.filter(t, q)
	rep, err := w.svc.Overview(context.Background(), w.g.shop.ID, f)
	must(t, err)
	return cell(rep, rep.Rows[0])
}

// TestResolution follows conversations through the day after they close,
// in real-time order: a closed conversation is undecided until the buyer
// comes back or a day passes; a buyer who comes back within the day makes
// the earlier conversation unresolved, even after it counted as resolved.
func TestResolution(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-05-01", 1, 0, 1)
	g := w.g
	buyer, err := g.db.EnsureVisitor(ctx, g.shop.ID, "returning")
	must(t, err)
	start := time.Date(2025, 5, 1, 10, 0, 0, 0, w.loc)
	cv := g.open(buyer, start, "web")
	b := cv.buyerSays("多久发货")
	cv.wait(time.Second)
	cv.botSays(b, 1, "text", reply{FAQID: 101, Explain: explain{Step: "faq", Intent: intent{"shipping.time"}}})
	closedAt := cv.wait(10 * time.Minute)
	cv.move(model.OwnerClosed, 0, 0, "idle")
	q := "from=2025-05-01&to=2025-05-02"
	steps := []struct {
		name              string
		at                time.Time
		act               func()
		decided, resolved int64
	}{
		{"an hour after closing: undecided", closedAt.Add(time.Hour), nil, 0, 0},
		{"a day after closing: resolved", closedAt.Add(24*time.Hour + 2*time.Minute), nil, 1, 1},
		{"the buyer came back within the day: not resolved", closedAt.Add(24*time.Hour + 3*time.Minute), func() {
			// Written late, as another node might: it opened 23 hours after
			// the first closed.
			g.open(buyer, closedAt.Add(23*time.Hour), "web").buyerSays("还没发货")
		}, 1, 0},
		{"again: nothing changes", closedAt.Add(24*time.Hour + 4*time.Minute), nil, 1, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.act != nil {
				st.act()
			}
			g.clk.Set(st.at)
			must(t, w.svc.Refresh(ctx))
			o := overview(t, w, q)
			if o["decided"] != st.decided || o["bot_resolved"] != st.resolved {
				t.Fatalf("decided %v resolved %v, want %d %d", o["decided"], o["bot_resolved"], st.decided, st.resolved)
			}
		})
	}
}

// snapshot reads every report of a world.
func snapshot(t *testing.T, w *world, q string) []Report {
	t.Helper()
	ctx, f, shop := context.Background(), w.filter(t, q), w.g.shop.ID
	var out []Report
	for _, name := range []string{"conversations", "bot", "satisfaction", "times"} {
		rep, err := w.svc.Series(ctx, shop, name, f)
		must(t, err)
		out = append(out, rep)
	}
	for _, fn := range []func(context.Context, int64, Filter) (Report, error){w.svc.Overview, w.svc.Handoffs, w.svc.Agents, w.svc.Intents} {
		rep, err := fn(ctx, shop, f)
		must(t, err)
		out = append(out, rep)
	}
	return out
}

// TestRefreshIdempotent checks that refreshing again changes nothing, and
// that a rebuild (the shop moved to another zone and back) ends with the
// figures the incremental refreshes made.
func TestRefreshIdempotent(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 4, 60, 7)
	w.settle(t)
	q := "from=2025-04-01&to=2025-04-05"
	before := snapshot(t, w, q)
	must(t, w.svc.Refresh(ctx))
	if got := snapshot(t, w, q); !reflect.DeepEqual(got, before) {
		t.Fatal("a second refresh changed the figures")
	}
	shop := w.g.shop
	for _, zone := range []string{"Europe/Berlin", "Asia/Shanghai"} {
		shop.Timezone = zone
		must(t, w.g.db.UpdateShop(ctx, shop))
		must(t, w.svc.Refresh(ctx))
		if zone == "Europe/Berlin" {
			o := snapshot(t, w, q)
			if reflect.DeepEqual(o[0].Rows, before[0].Rows) {
				t.Fatal("moving the shop to another zone did not move its days")
			}
		}
	}
	if got := snapshot(t, w, q); !reflect.DeepEqual(got, before) {
		t.Fatalf("after a rebuild the figures differ:\n got %v\nwant %v", got[4].Rows, before[4].Rows)
	}
}

// TestLive checks the supervisor's view against the conversations the
// generator left waiting or with an agent.
func TestLive(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 3, 80, 11)
	now := w.settle(t)
	var waiting int
	var longest time.Duration
	loads := map[int64]int64{}
	for _, tc := range w.g.convs {
		if !tc.waitingSince.IsZero() {
			waiting++
			longest = max(longest, now.Sub(tc.waitingSince))
		}
		if tc.withAgent != 0 {
			loads[tc.withAgent]++
		}
	}
	if waiting == 0 || len(loads) == 0 {
		t.Fatal("the history left nobody waiting or with an agent: the test would prove nothing")
	}
	// The agents are all off work now; one comes back.
	must(t, w.g.db.SetAgentStatus(ctx, w.g.shop.ID, w.g.agents[0], model.StatusOnline))
	l, err := w.svc.Live(ctx, w.g.shop.ID)
	must(t, err)
	if l.Waiting != waiting || l.LongestWaitMS != longest.Milliseconds() {
		t.Errorf("waiting %d longest %d ms, want %d and %d ms", l.Waiting, l.LongestWaitMS, waiting, longest.Milliseconds())
	}
	if l.AgentsOnline != 1 {
		t.Errorf("agents online %d, want 1", l.AgentsOnline)
	}
	got := map[int64]int64{}
	for _, row := range l.Agents.Rows {
		if load := row[3].(int64); load > 0 {
			got[row[0].(int64)] = load
		}
	}
	if !reflect.DeepEqual(got, loads) {
		t.Errorf("loads %v, want %v", got, loads)
	}
}

// crashingStore fails ApplyStats after a number of calls, as a process
// that stops in the middle of a refresh.
type crashingStore struct {
	store.Store
	left int
}

var errCrash = errors.New("crash")

func (c *crashingStore) ApplyStats(ctx context.Context, b store.StatsBatch) error {
	if c.left == 0 {
		return errCrash
	}
	c.left--
	return c.Store.ApplyStats(ctx, b)
}

// TestRestartSafe stops refreshes part-way (during a rebuild, then while
// catching up with new conversations) and checks that the next refresh
// ends with the true figures.
func TestRestartSafe(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 3, 40, 5)
	now := w.settle(t)
	shop := w.g.shop
	shop.Timezone = "Asia/Tokyo"
	must(t, w.g.db.UpdateShop(ctx, shop))
	w.loc = location(shop.Timezone)
	crashing := New(Options{Store: &crashingStore{Store: w.g.db, left: 3}, Now: w.g.clk.Now, Batch: 7})
	if err := crashing.Refresh(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("refresh: %v, want the crash", err)
	}
	// More history while nothing refreshes, then another crash.
	b, err := w.g.db.EnsureVisitor(ctx, shop.ID, "late")
	must(t, err)
	w.g.session(b, now.Add(-2*time.Hour), "web")
	now = w.g.latest.Add(48 * time.Hour)
	w.g.clk.Set(now)
	crashing = New(Options{Store: &crashingStore{Store: w.g.db, left: 2}, Now: w.g.clk.Now, Batch: 7})
	if err := crashing.Refresh(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("refresh: %v, want the crash", err)
	}
	must(t, w.svc.Refresh(ctx))
	f := w.filter(t, "from=2025-03-31&to="+bucketLabel(w.filter(t, "").To, false))
	checkSeries(t, w, now, f)
	checkBreakdowns(t, w, now, f)
}
