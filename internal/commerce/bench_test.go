package commerce_test

import (
	"fmt"
	"testing"

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
