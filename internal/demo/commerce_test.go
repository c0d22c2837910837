package demo

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestSeedCommerce checks the demo shop's data is what the issue promises:
// 30+ products with SKUs and size charts, 50 buyers across levels and
// regions, orders in every status with parcels, carts, favourites, coupons
// in each state, reviews, and a working API key.
func TestSeedCommerce(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "demo.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "demo", Name: "demo", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if err := seedCommerce(ctx, db, shop, time.Now()); err != nil {
		t.Fatal(err)
	}
	products, _ := db.ListProducts(ctx, shop.ID, store.Page{Limit: 1000})
	charts := map[string]int{}
	for _, p := range products {
		if len(p.SKUs) == 0 {
			t.Errorf("product %s has no SKUs", p.ExternalID)
		}
		if len(p.SizeChart) > 0 {
			charts[p.Category]++
		}
	}
	if len(products) < 30 || charts["服装"] == 0 || charts["鞋靴"] == 0 {
		t.Errorf("%d products, size charts by category %v: want 30+, clothing and shoes with charts", len(products), charts)
	}
	buyers, _ := db.ListBuyerProfiles(ctx, shop.ID, store.Page{Limit: 1000})
	levels, regions := map[string]bool{}, map[string]bool{}
	for _, b := range buyers {
		levels[b.Level], regions[b.Province] = true, true
	}
	if len(buyers) != 50 || len(levels) != 4 || len(regions) < 5 {
		t.Errorf("%d buyers, levels %v, %d regions: want 50 across all 4 levels and 5+ regions", len(buyers), levels, len(regions))
	}
	orders, _ := db.ListBuyerOrders(ctx, shop.ID, Buyer, 100)
	statuses := map[model.OrderStatus]bool{}
	for _, o := range orders {
		statuses[o.Status] = true
		if o.Status == model.OrderShipped && len(o.Logistics) == 0 {
			t.Errorf("shipped order %s has no parcel events", o.ExternalID)
		}
	}
	if len(statuses) != len(model.OrderStatuses()) {
		t.Errorf("%s has orders in %v: want every status", Buyer, statuses)
	}
	svc := commerce.New(commerce.Options{Store: db})
	for _, e := range commerce.Entities() {
		n := 0
		if err := svc.Export(ctx, shop.ID, e, func(any) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("no %s", e)
		}
	}
	k, err := svc.Authenticate(ctx, APIKey)
	if err != nil || k.ShopID != shop.ID {
		t.Errorf("the demo key: %v, shop %d", err, k.ShopID)
	}
	panel, err := svc.Panel(ctx, shop, buyers[0].ID, false)
	if err != nil || len(panel.Buyer.Tags) == 0 || len(panel.Coupons) == 0 {
		t.Errorf("the demo buyer's panel: %v, tags %v, %d coupons", err, panel.Buyer.Tags, len(panel.Coupons))
	}
}
