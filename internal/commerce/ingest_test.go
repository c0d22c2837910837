package commerce_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func TestIngestIdempotent(t *testing.T) {
	f := newFixture(t, 0)
	o1, o2 := order("O1", "u1", model.OrderShipped, day(-3), 9900), order("O2", "u1", model.OrderUnpaid, day(-1), 500)
	o1.Logistics = []model.LogisticsEvent{{At: day(-2), Text: "已揽收"}}
	b := commerce.Batch{Entity: commerce.Orders, Records: raws(t, o1, o2)}
	first, err := f.svc.Ingest(t.Context(), f.a.ID, b)
	if err != nil || first.Created != 2 || !first.Applied {
		t.Fatalf("first: %+v, %v", first, err)
	}
	before, _ := f.db.ListOrders(t.Context(), f.a.ID, store.Page{})
	for i := range 2 {
		again, err := f.svc.Ingest(t.Context(), f.a.ID, b)
		if err != nil || again.Unchanged != 2 || again.Created+again.Updated != 0 {
			t.Fatalf("re-send %d: %+v, %v", i, again, err)
		}
	}
	after, _ := f.db.ListOrders(t.Context(), f.a.ID, store.Page{})
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("re-sends changed the data:\n%s", d)
	}
	o1.Status = model.OrderDelivered
	upd, err := f.svc.Ingest(t.Context(), f.a.ID, commerce.Batch{Entity: commerce.Orders, Records: raws(t, o1, o2)})
	if err != nil || upd.Updated != 1 || upd.Unchanged != 1 {
		t.Fatalf("update: %+v, %v", upd, err)
	}
}

// badBatch is three orders; the second has an item with no quantity.
func badBatch(t *testing.T) []json.RawMessage {
	bad := order("O2", "u2", model.OrderPaid, day(-1), 100)
	bad.Items[0].Qty = 0
	return raws(t, order("O1", "u1", model.OrderPaid, day(-1), 100), bad, order("O3", "u3", model.OrderPaid, day(-1), 100))
}

func TestIngestBadRowRejectsBatch(t *testing.T) {
	f := newFixture(t, 0)
	rep, err := f.svc.Ingest(t.Context(), f.a.ID, commerce.Batch{Entity: commerce.Orders, Records: badBatch(t)})
	if !errors.Is(err, commerce.ErrInvalidBatch) {
		t.Fatalf("err %v, want ErrInvalidBatch", err)
	}
	want := []commerce.Problem{{Item: 1, Field: "items[0].qty", Code: commerce.CodeInvalid, Message: "qty must be at least 1"}}
	if d := cmp.Diff(want, rep.Problems); d != "" || rep.Applied || rep.Rejected != 1 {
		t.Errorf("report %+v; problems (-want +got):\n%s", rep, d)
	}
	all, _ := f.db.ListOrders(t.Context(), f.a.ID, store.Page{})
	if len(all) != 0 {
		t.Errorf("%d orders stored from a refused batch", len(all))
	}
}

func TestIngestApplyValid(t *testing.T) {
	f := newFixture(t, 0)
	rep, err := f.svc.Ingest(t.Context(), f.a.ID, commerce.Batch{Entity: commerce.Orders, Records: badBatch(t), ApplyValid: true})
	if err != nil || rep.Created != 2 || rep.Rejected != 1 || len(rep.Problems) != 1 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	got := []string{}
	for _, r := range rep.Results {
		got = append(got, r.ID+":"+r.Outcome)
	}
	if d := cmp.Diff([]string{"O1:created", "O2:rejected", "O3:created"}, got); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if _, err := f.db.GetOrder(t.Context(), f.a.ID, "O2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the bad order was stored: %v", err)
	}
}

func TestIngestProblems(t *testing.T) {
	tests := []struct {
		name   string
		entity commerce.Entity
		recs   []string
		field  string
		code   string
	}{
		{"unknown field", commerce.Buyers, []string{`{"buyer_id":"u1","age":3}`}, "", commerce.CodeBadJSON},
		{"wrong type", commerce.Products, []string{`{"product_id":"P1","title":"x","price_fen":"9.9"}`}, "price_fen", commerce.CodeBadJSON},
		{"missing id", commerce.Reviews, []string{`{"buyer_id":"u1","rating":5,"created_at":"2025-01-01T00:00:00Z","order_id":"O1"}`}, "review_id", commerce.CodeRequired},
		{"rating", commerce.Reviews, []string{`{"review_id":"R1","buyer_id":"u1","rating":6,"created_at":"2025-01-01T00:00:00Z","order_id":"O1"}`}, "rating", commerce.CodeInvalid},
		{"level", commerce.Buyers, []string{`{"buyer_id":"u1","level":"gold"}`}, "level", commerce.CodeInvalid},
		{"phone", commerce.Buyers, []string{`{"buyer_id":"u1","phone":"call me"}`}, "phone", commerce.CodeInvalid},
		{"status", commerce.Orders, []string{`{"order_id":"O","buyer_id":"u","status":"lost","created_at":"2025-01-01T00:00:00Z","items":[{"product_id":"P","title":"t","qty":1,"price_fen":1}]}`}, "status", commerce.CodeInvalid},
		{"paid without time", commerce.Orders, []string{`{"order_id":"O","buyer_id":"u","status":"已发货","created_at":"2025-01-01T00:00:00Z","items":[{"product_id":"P","title":"t","qty":1,"price_fen":1}]}`}, "paid_at", commerce.CodeRequired},
		{"duplicate sku", commerce.Products, []string{`{"product_id":"P1","title":"x","price_fen":1,"skus":[{"sku_id":"S","price_fen":1,"stock":1},{"sku_id":"S","price_fen":1,"stock":1}]}`}, "skus[1].sku_id", commerce.CodeDuplicate},
		{"size range upside down", commerce.Products, []string{`{"product_id":"P1","title":"x","price_fen":1,"size_chart":[{"size":"M","height_min":170,"height_max":160}]}`}, "size_chart[0].height_min", commerce.CodeInvalid},
		{"coupon used without time", commerce.Coupons, []string{`{"coupon_id":"C","buyer_id":"u","title":"t","amount_fen":100,"issued_at":"2025-01-01T00:00:00Z","order_id":"O1"}`}, "used_at", commerce.CodeRequired},
		{"same record twice", commerce.Favourites, []string{`{"buyer_id":"u","product_id":"P"}`, `{"buyer_id":"u","product_id":"P"}`}, "", commerce.CodeDuplicate},
		{"cart without qty", commerce.Carts, []string{`{"buyer_id":"u","product_id":"P"}`}, "qty", commerce.CodeInvalid},
	}
	f := newFixture(t, 0)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var recs []json.RawMessage
			for _, r := range tt.recs {
				recs = append(recs, json.RawMessage(r))
			}
			rep, err := f.svc.Ingest(t.Context(), f.a.ID, commerce.Batch{Entity: tt.entity, Records: recs})
			if !errors.Is(err, commerce.ErrInvalidBatch) || len(rep.Problems) != 1 {
				t.Fatalf("err %v, problems %+v: want one problem", err, rep.Problems)
			}
			if p := rep.Problems[0]; p.Field != tt.field || p.Code != tt.code {
				t.Errorf("problem %+v, want field %q code %q", p, tt.field, tt.code)
			}
		})
	}
}

func TestIngestLimits(t *testing.T) {
	f := newFixture(t, 2)
	b := func(e commerce.Entity, n int) commerce.Batch {
		var recs []json.RawMessage
		for i := range n {
			recs = append(recs, json.RawMessage(`{"buyer_id":"u`+strings.Repeat("x", i+1)+`"}`))
		}
		return commerce.Batch{Entity: e, Records: recs}
	}
	for _, tt := range []struct {
		name  string
		batch commerce.Batch
		want  error
	}{
		{"empty", b(commerce.Buyers, 0), commerce.ErrEmptyBatch},
		{"too many", b(commerce.Buyers, 3), commerce.ErrBatchTooLarge},
		{"unknown entity", b("shipments", 1), commerce.ErrUnknownEntity},
		{"at the limit", b(commerce.Buyers, 2), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Ingest(t.Context(), f.a.ID, tt.batch); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
}
