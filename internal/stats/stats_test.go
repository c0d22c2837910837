package stats

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// world is a generated shop history with its truth and the service under
// test.
type world struct {
	g     *gen
	svc   *Service
	loc   *time.Location
	first time.Time // the first day's local midnight
	days  int
	plans []statusPlan
}

// build writes a shop's history in zone over days days from firstDay:
// buyers' sessions starting on every day (some at local midnight and just
// before it, so that conversations span it), agents changing status, and a
// refresh of the statistics now and then while it is written.
func build(t *testing.T, zone, firstDay string, days, buyers int, seed uint64) *world {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	d0, _ := time.ParseInLocation(time.DateOnly, firstDay, loc)
	clk := newClock(d0.Add(-time.Hour))
	db := openStore(t, clk)
	ctx := context.Background()
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: zone, IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	g := &gen{t: t, ctx: ctx, db: db, clk: clk, rng: rand.New(rand.NewPCG(seed, seed+1)), shop: shop, latest: clk.Now()}
	for i := 0; i < 3; i++ {
		a, err := db.CreateAccount(ctx, model.Account{Username: fmt.Sprintf("agent%d", i), DisplayName: fmt.Sprintf("客服%d", i)})
		g.must(err)
		g.must(db.AddMember(ctx, model.Membership{ShopID: shop.ID, AccountID: a.ID, Role: "agent"}))
		g.agents = append(g.agents, a.ID)
	}
	for _, name := range []string{"售前", "售后"} {
		grp, err := db.CreateGroup(ctx, store.Group{ShopID: shop.ID, Name: name})
		g.must(err)
		g.groups = append(g.groups, grp.ID)
	}
	g.groups = append(g.groups, 0)
	w := &world{g: g, loc: loc, first: d0, days: days,
		svc: New(Options{Store: db, Now: clk.Now, Batch: 7, Lag: time.Minute})}
	must(t, w.svc.Refresh(ctx)) // before any conversation: the rollups grow incrementally
	w.plans = w.statuses()
	channels := []string{"web", "mobile", ""}
	for i := 0; i < buyers; i++ {
		b, err := db.EnsureVisitor(ctx, shop.ID, fmt.Sprintf("v%d", i))
		g.must(err)
		day := time.Date(d0.Year(), d0.Month(), d0.Day()+i%days, 0, 0, 0, 0, loc)
		var start time.Time
		switch i % 10 {
		case 0:
			start = day.Add(23*time.Hour + 50*time.Minute + between(g.rng, 0, 9*time.Minute))
		case 1:
			start = day // exactly local midnight
		case 2:
			start = day.Add(24*time.Hour - time.Millisecond)
		default:
			start = day.Add(between(g.rng, 0, 24*time.Hour-time.Second))
		}
		g.session(b, start, channels[g.rng.IntN(len(channels))])
		if i%17 == 0 {
			clk.Set(g.latest)
			must(t, w.svc.Refresh(ctx))
		}
	}
	return w
}

// statuses writes each agent's status changes: a working day with a break
// and an evening that runs past midnight.
func (w *world) statuses() []statusPlan {
	g := w.g
	var plans []statusPlan
	for i, a := range g.agents {
		p := statusPlan{agent: a}
		for d := 0; d < w.days; d++ {
			day := w.first.AddDate(0, 0, d)
			for _, c := range []statusAt{
				{model.StatusOnline, day.Add(time.Duration(8+i) * time.Hour)},
				{model.StatusBusy, day.Add(12 * time.Hour)},
				{model.StatusAway, day.Add(12*time.Hour + 30*time.Minute)},
				{model.StatusOnline, day.Add(13 * time.Hour)},
				{model.StatusOffline, day.Add(time.Duration(22+i) * time.Hour)},
			} {
				g.at(c.at)
				g.must(g.db.SetAgentStatus(g.ctx, g.shop.ID, a, c.status))
				p.changes = append(p.changes, c)
			}
		}
		plans = append(plans, p)
	}
	return plans
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// settle moves the clock two days past the last write and refreshes, so
// every closed conversation's day after closing is over.
func (w *world) settle(t *testing.T) time.Time {
	now := w.g.latest.Add(48 * time.Hour)
	w.g.clk.Set(now)
	must(t, w.svc.Refresh(context.Background()))
	return now
}

// expect is the truth's view for a filter.
func (w *world) expect(now time.Time, f Filter) expectation {
	return expectation{loc: w.loc, now: now, hourly: f.Hourly, from: dayStart(f.From, w.loc), to: dayStart(f.To+1, w.loc),
		ch: f.Channel, group: f.GroupID, agent: f.AgentID}
}

// filter parses a report query against the world.
func (w *world) filter(t *testing.T, q string) Filter {
	v, err := url.ParseQuery(q)
	must(t, err)
	f, err := ParseFilter(v, w.g.clk.Now(), w.loc)
	must(t, err)
	return f
}

// cell reads a report row as a map from column key to value.
func cell(rep Report, row []any) map[string]any {
	out := map[string]any{}
	for i, c := range rep.Columns {
		out[c.Key] = row[i]
	}
	return out
}

// tolerance is how far a report value may be from the truth: counts
// exactly, each kind of average to its rounding.
var tolerance = map[string]float64{KindCount: 0, KindRate: 0.51e-4, KindMS: 0.51, KindAvg: 0.0051}

// near compares a report value of a kind with the truth; ok false means
// the truth has no value (nothing to divide by).
func near(t *testing.T, what, kind string, got any, want float64, ok bool) {
	t.Helper()
	if !ok {
		if got != nil {
			t.Errorf("%s = %v, want nothing (no denominator)", what, got)
		}
		return
	}
	var g float64
	switch x := got.(type) {
	case int64:
		g = float64(x)
	case float64:
		g = x
	default:
		t.Errorf("%s = %v (%T), want %v", what, got, got, want)
		return
	}
	if math.Abs(g-want) > tolerance[kind]+1e-9 {
		t.Errorf("%s = %v, want %v", what, g, want)
	}
}

func ratio(num, den float64) (float64, bool) {
	if den == 0 {
		return 0, false
	}
	return num / den, true
}
