package commerce_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

const dayLen = 24 * time.Hour

// TestNextTagChangeExact: when a built-in tag ages, the instant it changes.
func TestNextTagChangeExact(t *testing.T) {
	set := commerce.DefaultTagSettings() // refunds within 30 days, inactive after 90
	refund := order("O", "u1", model.OrderRefunded, day(-10), 100)
	refundAt := refund.PaidAt
	tests := []struct {
		name string
		f    commerce.Facts
		due  time.Time // zero: never
		tag  string    // the tag that changes at due
	}{
		{"inactive after 90 days", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", LastActive: day(-80)}},
			day(-80).Add(90*dayLen + time.Nanosecond), commerce.TagInactive},
		{"a refund leaves its window", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", LastActive: day(0)},
			Orders: []model.Order{refund}}, refundAt.Add(30*dayLen + time.Nanosecond), commerce.TagRecentRefund},
		{"inactive already: nothing ages", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", LastActive: day(-100)}},
			time.Time{}, ""},
		{"anonymous: never", commerce.Facts{Profile: model.BuyerProfile{LastActive: day(-80)}}, time.Time{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := commerce.NextTagChange(tt.f, set, nil, epoch)
			if !got.Equal(tt.due) {
				t.Fatalf("due %v, want %v", got, tt.due)
			}
			if tt.due.IsZero() {
				return
			}
			before := commerce.ComputeTags(tt.f, set, nil, tt.due.Add(-time.Nanosecond))
			after := commerce.ComputeTags(tt.f, set, nil, tt.due)
			if slices.Contains(before, tt.tag) == slices.Contains(after, tt.tag) {
				t.Errorf("tag %q does not change at the due time: %v then %v", tt.tag, before, after)
			}
		})
	}
}

// TestNextTagChangeNeverLate: for random buyers, settings and rules, the
// tags never change between one due time and the next. It walks a year
// from due time to due time and looks at every instant where anything
// could turn (each time in the data plus each window and day count, and a
// nanosecond either side) and at random ones.
func TestNextTagChangeNeverLate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	changes := 0
	for i := range 300 {
		g := newGenCase(rng)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			probes := g.probes(rng)
			at := epoch
			for step := 0; ; step++ {
				if step > 2000 {
					t.Fatalf("no end after %d due times from %v", step, epoch)
				}
				due := commerce.NextTagChange(g.f, g.set, g.rules, at)
				if !due.IsZero() && !due.After(at) {
					t.Fatalf("due %v not after %v", due, at)
				}
				tags := commerce.ComputeTags(g.f, g.set, g.rules, at)
				end := due
				if end.IsZero() || end.After(g.horizon) {
					end = g.horizon
				}
				for _, p := range probes {
					if p.After(at) && p.Before(end) {
						if got := commerce.ComputeTags(g.f, g.set, g.rules, p); !slices.Equal(got, tags) {
							t.Fatalf("rules %s\ntags at %v: %v; at %v (before the due time %v): %v", g.text, at, tags, p, due, got)
						}
					}
				}
				if due.IsZero() || due.After(g.horizon) {
					return
				}
				if !slices.Equal(commerce.ComputeTags(g.f, g.set, g.rules, due), tags) {
					changes++
				}
				at = due
			}
		})
	}
	if changes < 100 {
		t.Errorf("only %d tag changes in all the cases: the generator is too tame to test anything", changes)
	}
}

// genCase is a random buyer with settings and rules.
type genCase struct {
	f       commerce.Facts
	set     model.TagSettings
	rules   []commerce.NamedRule
	text    []string
	days    []int // windows and day counts that occur
	horizon time.Time
}

func newGenCase(rng *rand.Rand) genCase {
	at := func() time.Time { // within 200 days before epoch and 3 after, to the millisecond
		return epoch.Add(-time.Duration(rng.Int64N(int64(203*dayLen))) + 3*dayLen).Truncate(time.Millisecond)
	}
	g := genCase{horizon: epoch.Add(400 * dayLen)}
	g.set = model.TagSettings{HighValueFen: 50000, RefundDays: 1 + rng.IntN(60), InactiveDays: 1 + rng.IntN(120), BadRating: 1 + rng.IntN(4)}
	g.days = append(g.days, g.set.RefundDays, g.set.InactiveDays)
	p := model.BuyerProfile{ExternalID: "u1", City: "上海"}
	if rng.IntN(3) > 0 {
		p.FirstSeen = at()
	}
	if rng.IntN(2) == 0 {
		p.LastActive = at()
	}
	g.f.Profile = p
	statuses := []model.OrderStatus{model.OrderUnpaid, model.OrderPaid, model.OrderShipped, model.OrderCompleted,
		model.OrderRefunding, model.OrderRefunded, model.OrderClosed}
	for i := range rng.IntN(6) {
		o := order(fmt.Sprint("O", i), "u1", statuses[rng.IntN(len(statuses))], at(), int64(1000+rng.IntN(60000)))
		if rng.IntN(4) == 0 {
			o.Refund = model.RefundRequested
		}
		if rng.IntN(3) == 0 {
			o.Logistics = []model.LogisticsEvent{{At: o.CreatedAt.Add(time.Duration(rng.IntN(5)+1) * dayLen), Text: "运输中"}}
		}
		g.f.Orders = append(g.f.Orders, o)
	}
	for range rng.IntN(4) {
		g.f.Reviews = append(g.f.Reviews, model.Review{Rating: 1 + rng.IntN(5), CreatedAt: at()})
	}
	for range rng.IntN(4) {
		c := model.Coupon{IssuedAt: at(), ExpiresAt: at().Add(time.Duration(rng.IntN(60)) * dayLen)}
		if rng.IntN(4) == 0 {
			c.UsedAt = c.IssuedAt.Add(time.Hour)
		}
		g.f.Coupons = append(g.f.Coupons, c)
	}
	g.f.Cart = rng.IntN(3)
	for i := range 1 + rng.IntN(3) {
		text := g.rule(rng, 0)
		r, err := commerce.ParseRule(text)
		if err != nil {
			panic(fmt.Sprintf("generated rule %s: %v", text, err))
		}
		g.rules = append(g.rules, commerce.NamedRule{Name: fmt.Sprint("r", i), Rule: r})
		g.text = append(g.text, text)
	}
	return g
}

// rule makes a random rule: a condition, or all/any/not of them.
func (g *genCase) rule(rng *rand.Rand, depth int) string {
	if depth < 2 && rng.IntN(3) == 0 {
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprintf(`{"all": [%s, %s]}`, g.rule(rng, depth+1), g.rule(rng, depth+1))
		case 1:
			return fmt.Sprintf(`{"any": [%s, %s]}`, g.rule(rng, depth+1), g.rule(rng, depth+1))
		default:
			return fmt.Sprintf(`{"not": %s}`, g.rule(rng, depth+1))
		}
	}
	ops := []string{"=", "!=", ">", ">=", "<", "<="}
	op := ops[rng.IntN(len(ops))]
	windowed := []string{"orders", "spend_fen", "refunds", "reviews", "bad_reviews"}
	counts := []string{"days_since_last_order", "days_since_first_seen", "days_since_last_active"}
	switch rng.IntN(4) {
	case 0, 1:
		f := windowed[rng.IntN(len(windowed))]
		d := 1 + rng.IntN(120)
		g.days = append(g.days, d)
		v := rng.IntN(3)
		if f == "spend_fen" {
			v = rng.IntN(60000)
		}
		return fmt.Sprintf(`{"field": %q, "days": %d, "op": %q, "value": %d}`, f, d, op, v)
	case 2:
		v := float64(rng.IntN(200)) + []float64{0, 0.5}[rng.IntN(2)]
		for d := int(v) - 1; d <= int(v)+2; d++ {
			g.days = append(g.days, d)
		}
		return fmt.Sprintf(`{"field": %q, "op": %q, "value": %v}`, counts[rng.IntN(len(counts))], op, v)
	default:
		return fmt.Sprintf(`{"field": "coupons_unused", "op": %q, "value": %d}`, op, rng.IntN(3))
	}
}

// probes are the instants worth looking at: every time in the data shifted
// by every window and day count, a nanosecond and a millisecond either
// side, plus random instants within the horizon.
func (g *genCase) probes(rng *rand.Rand) []time.Time {
	var times []time.Time
	add := func(ts ...time.Time) {
		for _, t := range ts {
			if !t.IsZero() {
				times = append(times, t)
			}
		}
	}
	add(g.f.Profile.FirstSeen, g.f.Profile.LastActive)
	for _, o := range g.f.Orders {
		add(o.CreatedAt, o.PaidAt)
		for _, e := range o.Logistics {
			add(e.At)
		}
	}
	for _, r := range g.f.Reviews {
		add(r.CreatedAt)
	}
	for _, c := range g.f.Coupons {
		add(c.ExpiresAt)
	}
	var out []time.Time
	for _, t := range times {
		for _, d := range append([]int{0}, g.days...) {
			b := t.Add(time.Duration(d) * dayLen)
			out = append(out, b, b.Add(time.Nanosecond), b.Add(-time.Nanosecond), b.Add(time.Millisecond), b.Add(-time.Millisecond))
		}
	}
	for range 200 {
		out = append(out, epoch.Add(time.Duration(rng.Int64N(int64(g.horizon.Sub(epoch))))))
	}
	return out
}
