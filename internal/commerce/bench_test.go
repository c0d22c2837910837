package commerce_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// BenchmarkIngestOrders applies a full batch of 1,000 orders of 250 buyers
// on SQLite, with the tags of every buyer recomputed. Each round changes
// every order, so every record is written.
func BenchmarkIngestOrders(b *testing.B) {
	f := newFixture(b, 0)
	round := 0
	for b.Loop() {
		round++
		recs := make([]any, 0, 1000)
		for i := range 1000 {
			recs = append(recs, order(fmt.Sprintf("O%d", i), fmt.Sprintf("u%d", i%250), model.OrderCompleted, day(-i%200), int64(1000+round)))
		}
		rep, err := f.svc.Ingest(b.Context(), f.a.ID, commerce.Batch{Entity: commerce.Orders, Records: raws(b, recs...)})
		if err != nil || rep.Created+rep.Updated != 1000 {
			b.Fatalf("%+v, %v", rep, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/batch")
}

// BenchmarkRefreshDue runs the tag refresh job over 2,000 due buyers of
// one shop on SQLite (XIAOER_BENCH_BUYERS sets another number), each with
// three orders (one refunded), a review, a coupon and a cart item, and the
// shop with one custom rule: the rate at which the job recomputes and
// stores tags, in buyers/s.
func BenchmarkRefreshDue(b *testing.B) {
	buyers := 2000
	if n, err := strconv.Atoi(os.Getenv("XIAOER_BENCH_BUYERS")); err == nil && n > 0 {
		buyers = n
	}
	f := newFixture(b, 0)
	ctx := b.Context()
	var bs []any
	var os, rs, cs, carts []any
	for i := range buyers {
		ext := fmt.Sprintf("b%05d", i)
		bs = append(bs, model.BuyerProfile{ExternalID: ext, City: "上海", Level: model.LevelVIP1, LastActive: day(-(i % 120))})
		os = append(os, order("A"+ext, ext, model.OrderCompleted, day(-(i%200)), 30000),
			order("B"+ext, ext, model.OrderShipped, day(-(i%50)), 8000),
			order("C"+ext, ext, model.OrderRefunded, day(-(i%60)), 5000))
		rs = append(rs, model.Review{ExternalID: "R" + ext, BuyerID: ext, OrderID: "A" + ext, Rating: 1 + i%5, CreatedAt: day(-(i % 90))})
		cs = append(cs, model.Coupon{ExternalID: "K" + ext, BuyerID: ext, Title: "满100减10", AmountFen: 1000,
			IssuedAt: day(-10), ExpiresAt: day(i % 30)})
		carts = append(carts, model.CartItem{BuyerID: ext, ProductID: "P1", Qty: 1})
	}
	for _, batch := range []struct {
		e    commerce.Entity
		recs []any
	}{{commerce.Buyers, bs}, {commerce.Orders, os}, {commerce.Reviews, rs}, {commerce.Coupons, cs}, {commerce.Carts, carts}} {
		for lo := 0; lo < len(batch.recs); lo += 1000 {
			recs := raws(b, batch.recs[lo:min(lo+1000, len(batch.recs))]...)
			if rep, err := f.svc.Ingest(ctx, f.a.ID, commerce.Batch{Entity: batch.e, Records: recs}); err != nil {
				b.Fatal(batch.e, err, rep.Problems[:1])
			}
		}
	}
	if _, _, err := f.svc.PutTagRule(ctx, f.a.ID, "上海常客", `{"all": [{"field": "orders", "days": 90, "op": ">=", "value": 2},
		{"field": "city", "op": "=", "value": "上海"}]}`); err != nil {
		b.Fatal(err)
	}
	job := commerce.New(commerce.Options{Store: f.db, Now: f.clk.now, Node: "bench"})
	set := commerce.DefaultTagSettings()
	for b.Loop() {
		b.StopTimer()
		// Every buyer due again (as after a change of the thresholds), a
		// day later.
		f.clk.advance(24 * time.Hour)
		if err := f.db.PutTagSettings(ctx, f.a.ID, set); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		st, err := job.RefreshDue(ctx)
		if err != nil || st.Refreshed != buyers {
			b.Fatalf("%+v, %v", st, err)
		}
	}
	b.ReportMetric(float64(buyers*b.N)/b.Elapsed().Seconds(), "buyers/s")
}
