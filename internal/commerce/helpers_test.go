package commerce_test

import (
	"encoding/json"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// epoch is the tests' "now": nothing depends on the wall clock.
var epoch = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// fixture is a service over a fresh SQLite store with two shops.
type fixture struct {
	svc  *commerce.Service
	db   *store.DB
	a, b model.Shop
	clk  *clock
}

func newFixture(t testing.TB, maxBatch int) *fixture {
	t.Helper()
	clk := &clock{}
	clk.ns.Store(epoch.UnixNano())
	db, err := store.Open(t.Context(), store.Options{DSN: filepath.Join(t.TempDir(), "c.db"), Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clk: clk, svc: commerce.New(commerce.Options{Store: db, Now: clk.now, MaxBatch: maxBatch})}
	for i, slug := range []string{"shop-a", "shop-b"} {
		s, err := db.CreateShop(t.Context(), model.Shop{Slug: slug, Name: slug, Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.a = s
		} else {
			f.b = s
		}
	}
	return f
}

// raws turns records into a batch's JSON objects.
func raws(t testing.TB, recs ...any) []json.RawMessage {
	t.Helper()
	out := make([]json.RawMessage, 0, len(recs))
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func day(n int) time.Time { return epoch.AddDate(0, 0, n) }

func order(id, buyer string, st model.OrderStatus, created time.Time, total int64) model.Order {
	o := model.Order{ExternalID: id, BuyerID: buyer, Status: st, TotalFen: total, CreatedAt: created,
		Items: []model.OrderItem{{ProductID: "P1", Title: "T恤", Qty: 1, PriceFen: total}}}
	if st != model.OrderUnpaid && st != model.OrderClosed {
		o.PaidAt, o.PaidFen = created.Add(time.Minute), total
	}
	return o
}
