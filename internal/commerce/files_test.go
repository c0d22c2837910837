package commerce_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// sample is one batch of every entity, with nested parts and awkward
// values: Chinese text, commas and quotes, an id with leading zeros.
func sample(t *testing.T) map[commerce.Entity][]json.RawMessage {
	o := order("0012", "u1", model.OrderShipped, day(-3), 19900)
	o.Carrier, o.TrackingNo = "顺丰速运", "SF100"
	o.Logistics = []model.LogisticsEvent{{At: day(-2), Text: "已揽收", Location: "杭州"}, {At: day(-1), Text: `运输中, "快"`}}
	o.Items = append(o.Items, model.OrderItem{ProductID: "P2", SKUID: "P2-36", Title: "帆布鞋", Spec: "白色 36", Qty: 2, PriceFen: 5000})
	return map[commerce.Entity][]json.RawMessage{
		commerce.Products: raws(t, model.Product{ExternalID: "P1", Title: "纯棉T恤, 圆领", Category: "服装", PriceFen: 9900,
			Status: model.ProductOnSale, Attributes: map[string]string{"材质": "棉", "产地": "杭州"},
			SizeChart: []model.SizeRange{{Size: "M", HeightMin: 160, HeightMax: 170, WeightMin: 50, WeightMax: 60}},
			SKUs: []model.SKU{{ExternalID: "P1-M", Color: "黑色", Size: "M", PriceFen: 9900, Stock: 3},
				{ExternalID: "P1-L", Color: "黑色", Size: "L", PriceFen: 10900}}},
			model.Product{ExternalID: "P3", Title: "礼品卡", PriceFen: 10000}),
		commerce.Buyers: raws(t, model.BuyerProfile{ExternalID: "u1", Nickname: "小王", Phone: "13812345678", Level: model.LevelVIP1,
			Province: "上海", City: "上海", FirstSeen: day(-100)}, model.BuyerProfile{ExternalID: "u2"}),
		commerce.Orders:     raws(t, o, order("O2", "u2", model.OrderUnpaid, day(-1), 500)),
		commerce.Carts:      raws(t, model.CartItem{BuyerID: "u1", ProductID: "P1", SKUID: "P1-M", Qty: 2, AddedAt: day(-1)}),
		commerce.Favourites: raws(t, model.Favourite{BuyerID: "u1", ProductID: "P3", AddedAt: day(-5)}),
		commerce.Coupons: raws(t, model.Coupon{ExternalID: "C1", BuyerID: "u1", Title: "满199减20", AmountFen: 2000, MinSpendFen: 19900,
			IssuedAt: day(-10), ExpiresAt: day(20), UsedAt: day(-3), OrderID: "0012"}),
		commerce.Reviews: raws(t, model.Review{ExternalID: "R1", BuyerID: "u1", OrderID: "0012", ProductID: "P1", Rating: 4,
			Text: "不错\n下次还来", CreatedAt: day(-1)}),
	}
}

// dump is every record of an entity of a shop as JSON, for comparing.
func dump(t *testing.T, f *fixture, shopID int64, e commerce.Entity) []string {
	var out []string
	err := f.svc.Export(t.Context(), shopID, e, func(rec any) error {
		b, err := json.Marshal(rec)
		// Times compare as instants: JSON keeps their zone, which may differ.
		var m any
		_ = json.Unmarshal(b, &m)
		out = append(out, normalizeTimes(m))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func normalizeTimes(v any) string {
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		case string:
			if ts, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return ts.UTC().Format(time.RFC3339Nano)
			}
		}
		return v
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}

// TestFileRoundTrip exports every entity in every format and imports the
// file into another shop: the data is the same, and importing it again
// changes nothing.
func TestFileRoundTrip(t *testing.T) {
	for _, format := range []commerce.Format{commerce.XLSX, commerce.CSV, commerce.JSONL} {
		t.Run(string(format), func(t *testing.T) {
			f := newFixture(t, 0)
			data := sample(t)
			for _, e := range commerce.Entities() {
				if _, err := f.svc.Ingest(t.Context(), f.a.ID, commerce.Batch{Entity: e, Records: data[e]}); err != nil {
					t.Fatalf("%s: %v", e, err)
				}
			}
			for _, e := range commerce.Entities() {
				var buf bytes.Buffer
				n, err := f.svc.ExportFile(t.Context(), f.a, e, format, &buf)
				if err != nil || n != len(data[e]) {
					t.Fatalf("export %s: %d records, %v", e, n, err)
				}
				file := buf.Bytes()
				rep, err := f.svc.ImportFile(t.Context(), f.b, e, format, bytes.NewReader(file), false)
				if err != nil || rep.Created != len(data[e]) {
					t.Fatalf("import %s: %+v, %v", e, rep, err)
				}
				if d := cmp.Diff(dump(t, f, f.a.ID, e), dump(t, f, f.b.ID, e)); d != "" {
					t.Errorf("%s after the round trip (-exported +imported):\n%s", e, d)
				}
				again, err := f.svc.ImportFile(t.Context(), f.b, e, format, bytes.NewReader(file), false)
				if err != nil || again.Unchanged != len(data[e]) {
					t.Errorf("import %s again: %+v, %v", e, again, err)
				}
			}
		})
	}
}

func TestFileReport(t *testing.T) {
	f := newFixture(t, 0)
	csv := "product_id,title,price_fen,sku_id,sku_color,sku_size,sku_price_fen,sku_stock\n" +
		"P1,T恤,9900,P1-M,黑色,M,9900,3\n" +
		"P1,,,P1-L,黑色,L,9900,-1\n" + // row 3: a negative stock
		"P2,袜子,abc,,,,,\n" + // row 4: price is not a number
		"P3,帽子,1000,,,,,\n"
	rep, err := f.svc.ImportFile(t.Context(), f.a, commerce.Products, commerce.CSV, strings.NewReader(csv), false)
	if !errors.Is(err, commerce.ErrInvalidBatch) {
		t.Fatalf("err %v", err)
	}
	got := []string{}
	for _, p := range rep.Problems {
		got = append(got, p.Field+"@"+string(rune('0'+p.Row)))
	}
	if d := cmp.Diff([]string{"sku_stock@3", "price_fen@4"}, got); d != "" {
		t.Errorf("problems %+v (-want +got):\n%s", rep.Problems, d)
	}
	rep, err = f.svc.ImportFile(t.Context(), f.a, commerce.Products, commerce.CSV, strings.NewReader(csv), true)
	if err != nil || rep.Created != 1 || rep.Rejected != 2 {
		t.Fatalf("apply valid rows: %+v, %v", rep, err)
	}
	if _, err := f.db.GetProduct(t.Context(), f.a.ID, "P3"); err != nil {
		t.Errorf("the valid row was not applied: %v", err)
	}
	for _, tt := range []struct{ name, file string }{
		{"unknown column", "product_id,titel\nP1,x\n"},
		{"no id column", "title\nx\n"},
		{"broken quotes", "product_id,title\n\"P1,x\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.ImportFile(t.Context(), f.a, commerce.Products, commerce.CSV, strings.NewReader(tt.file), false)
			if !errors.Is(err, commerce.ErrBadFile) {
				t.Errorf("err %v, want ErrBadFile", err)
			}
		})
	}
	if _, err := f.svc.ImportFile(t.Context(), f.a, commerce.Products, commerce.XLSX, strings.NewReader("not a zip"), false); !errors.Is(err, commerce.ErrBadFile) {
		t.Errorf("a non-Excel file: %v", err)
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]commerce.Format{"csv": commerce.CSV, "orders.XLSX": commerce.XLSX, "a/b.jsonl": commerce.JSONL, "ndjson": commerce.JSONL} {
		if got, err := commerce.ParseFormat(in); got != want || err != nil {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := commerce.ParseFormat("orders.xls"); !errors.Is(err, commerce.ErrBadFormat) {
		t.Errorf("xls: %v", err)
	}
}
