package commerce_test

import (
	"errors"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestBotReadAPI: what the bot asks of the shop's data.
func TestBotReadAPI(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	old, shipped := order("O1", "u1", model.OrderCompleted, day(-30), 100), order("O2", "u1", model.OrderShipped, day(-2), 200)
	shipped.Logistics = []model.LogisticsEvent{{At: day(-1), Text: "运输中"}, {At: day(-2), Text: "已揽收"}}
	p := model.Product{ExternalID: "P1", Title: "T恤", PriceFen: 100, SKUs: []model.SKU{{ExternalID: "S", Size: "M", PriceFen: 100, Stock: 2}},
		SizeChart: []model.SizeRange{{Size: "M", HeightMin: 160, HeightMax: 170}}}
	for _, b := range []commerce.Batch{{Entity: commerce.Orders, Records: raws(t, old, shipped)}, {Entity: commerce.Products, Records: raws(t, p)}} {
		if _, err := f.svc.Ingest(ctx, f.a.ID, b); err != nil {
			t.Fatal(err)
		}
	}
	os, err := f.svc.BuyerOrders(ctx, f.a, "u1", 10)
	if err != nil || len(os) != 2 || os[0].ExternalID != "O2" || os[0].StatusLabel != "已发货" || os[0].Latest == nil || os[0].Latest.Text != "运输中" {
		t.Fatalf("BuyerOrders: %+v, %v: want O2 first, 已发货, latest event 运输中", os, err)
	}
	if _, err := f.svc.BuyerOrders(ctx, f.a, "", 10); !errors.Is(err, store.ErrEmptyID) {
		t.Errorf("an anonymous visitor's orders: %v, want ErrEmptyID", err)
	}
	o, err := f.svc.OrderByNumber(ctx, f.a, "O1")
	if err != nil || o.BuyerID != "u1" || o.StatusLabel != "已完成" {
		t.Errorf("OrderByNumber: %+v, %v", o, err)
	}
	if _, err := f.svc.OrderByNumber(ctx, f.b, "O1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another shop's order: %v", err)
	}
	got, err := f.svc.Product(ctx, f.a.ID, "P1")
	if err != nil || got.SKUs[0].Stock != 2 {
		t.Fatalf("Product: %+v, %v", got, err)
	}
	if adv, ok := commerce.RecommendSize(got.SizeChart, commerce.Body{HeightCm: 165}); !ok || adv.Size != "M" {
		t.Errorf("size for 165 cm: %+v %v", adv, ok)
	}
}
