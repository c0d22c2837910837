package commerce_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

func TestComputeTags(t *testing.T) {
	set := commerce.DefaultTagSettings() // ¥1000, 30 days refund, 90 days inactive, 2 stars
	prof := model.BuyerProfile{ExternalID: "u1", FirstSeen: day(-10)}
	tests := []struct {
		name string
		f    commerce.Facts
		has  []string
		not  []string
	}{
		{"new: no paid order", commerce.Facts{Profile: prof, Orders: []model.Order{order("O", "u1", model.OrderUnpaid, day(-1), 100)}},
			[]string{commerce.TagNew}, []string{commerce.TagReturning}},
		{"returning: a paid order", commerce.Facts{Profile: prof, Orders: []model.Order{order("O", "u1", model.OrderCompleted, day(-1), 100)}},
			[]string{commerce.TagReturning}, []string{commerce.TagNew}},
		{"high value: over ¥1000", commerce.Facts{Profile: prof, Orders: []model.Order{order("O1", "u1", model.OrderCompleted, day(-5), 60000),
			order("O2", "u1", model.OrderPaid, day(-1), 40001)}}, []string{commerce.TagHighValue}, nil},
		{"not high value: refunded spend does not count", commerce.Facts{Profile: prof, Orders: []model.Order{order("O1", "u1", model.OrderRefunded, day(-5), 200000)}},
			nil, []string{commerce.TagHighValue}},
		{"recent refund", commerce.Facts{Profile: prof, Orders: []model.Order{order("O", "u1", model.OrderRefunding, day(-3), 100)}},
			[]string{commerce.TagRecentRefund}, nil},
		{"old refund", commerce.Facts{Profile: prof, Orders: []model.Order{order("O", "u1", model.OrderRefunded, day(-60), 100)}},
			nil, []string{commerce.TagRecentRefund}},
		{"region from province", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", Province: "浙江", City: "杭州"}}, []string{"region:浙江"}, nil},
		{"region from city", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", City: "上海"}}, []string{"region:上海"}, nil},
		{"member level", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", Level: model.LevelVIP3}}, []string{"level:vip3"}, nil},
		{"inactive for 90 days", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", LastActive: day(-91)},
			Orders: []model.Order{order("O", "u1", model.OrderCompleted, day(-120), 100)}}, []string{commerce.TagInactive}, nil},
		{"active: a recent order", commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", LastActive: day(-91)},
			Orders: []model.Order{order("O", "u1", model.OrderCompleted, day(-2), 100)}}, nil, []string{commerce.TagInactive}},
		{"bad review", commerce.Facts{Profile: prof, Reviews: []model.Review{{Rating: 2, CreatedAt: day(-400)}}}, []string{commerce.TagBadReview}, nil},
		{"good reviews only", commerce.Facts{Profile: prof, Reviews: []model.Review{{Rating: 3, CreatedAt: day(-1)}}}, nil, []string{commerce.TagBadReview}},
		{"anonymous visitor: nothing", commerce.Facts{Profile: model.BuyerProfile{City: "上海"}}, nil, []string{commerce.TagNew, "region:上海"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := commerce.ComputeTags(tt.f, set, nil, epoch)
			for _, w := range tt.has {
				if !slices.Contains(got, w) {
					t.Errorf("tags %v lack %q", got, w)
				}
			}
			for _, w := range tt.not {
				if slices.Contains(got, w) {
					t.Errorf("tags %v have %q", got, w)
				}
			}
		})
	}
}

func TestCustomRule(t *testing.T) {
	rule, err := commerce.ParseRule(`{"all": [{"field": "orders", "days": 90, "op": ">", "value": 3}, {"field": "city", "op": "=", "value": "上海"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	rules := []commerce.NamedRule{{Name: "上海常客", Rule: rule}}
	orders := func(n, age int) []model.Order {
		var out []model.Order
		for i := range n {
			out = append(out, order("O"+strings.Repeat("x", i), "u1", model.OrderCompleted, day(-age), 100))
		}
		return out
	}
	tests := []struct {
		name string
		city string
		os   []model.Order
		want bool
	}{
		{"4 recent orders in 上海", "上海", orders(4, 10), true},
		{"3 recent orders in 上海", "上海", orders(3, 10), false},
		{"4 old orders in 上海", "上海", orders(4, 100), false},
		{"4 recent orders in 北京", "北京", orders(4, 10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := commerce.Facts{Profile: model.BuyerProfile{ExternalID: "u1", City: tt.city}, Orders: tt.os}
			got := slices.Contains(commerce.ComputeTags(f, commerce.DefaultTagSettings(), rules, epoch), "rule:上海常客")
			if got != tt.want {
				t.Errorf("tagged %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseRuleErrors(t *testing.T) {
	tests := []struct{ name, rule, where string }{
		{"not JSON", `{`, "not a rule object"},
		{"unknown key", `{"field":"city","op":"=","value":"x","eval":"1"}`, "unknown field"},
		{"two kinds", `{"all":[{"field":"city","op":"=","value":"x"}],"field":"city"}`, "exactly one"},
		{"empty all", `{"all":[]}`, "rule.all: is empty"},
		{"unknown field", `{"any":[{"field":"salary","op":">","value":1}]}`, "rule.any[0].field"},
		{"text op on number", `{"field":"orders","op":"contains","value":1}`, "rule.op"},
		{"number for text", `{"field":"city","op":"=","value":3}`, "rule.value"},
		{"window on text", `{"field":"city","op":"=","value":"x","days":3}`, "rule.days"},
		{"window too long", `{"field":"orders","op":">","value":1,"days":99999}`, "rule.days"},
		{"unknown level", `{"field":"level","op":"=","value":"gold"}`, "rule.value"},
		{"no value", `{"field":"orders","op":">"}`, "rule.value: is missing"},
		{"null value", `{"all":[{"field":"city","op":"=","value":null}]}`, "rule.all[0].value: is missing"},
		{"too deep", `{"not":{"not":{"not":{"not":{"not":{"field":"city","op":"=","value":"x"}}}}}}`, "deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := commerce.ParseRule(tt.rule)
			if !errors.Is(err, commerce.ErrBadRule) || !strings.Contains(err.Error(), tt.where) {
				t.Errorf("err %v, want ErrBadRule mentioning %q", err, tt.where)
			}
		})
	}
}

// TestTagsKeptCurrent: ingest stores tags, and a saved rule retags at once.
func TestTagsKeptCurrent(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	ingest := func(e commerce.Entity, recs ...any) {
		t.Helper()
		if _, err := f.svc.Ingest(ctx, f.a.ID, commerce.Batch{Entity: e, Records: raws(t, recs...)}); err != nil {
			t.Fatal(err)
		}
	}
	tags := func() []string {
		t.Helper()
		p, err := f.db.GetBuyerProfileByExternal(ctx, f.a.ID, "u1")
		if err != nil {
			t.Fatal(err)
		}
		return p.Tags
	}
	ingest(commerce.Buyers, model.BuyerProfile{ExternalID: "u1", City: "上海", Level: "VIP1"})
	if got := tags(); !slices.Equal(got, []string{"new", "region:上海", "level:vip1"}) {
		t.Errorf("after the profile: %v", got)
	}
	ingest(commerce.Orders, order("O1", "u1", model.OrderCompleted, day(-1), 150000))
	ingest(commerce.Reviews, model.Review{ExternalID: "R1", BuyerID: "u1", OrderID: "O1", Rating: 1, CreatedAt: day(0)})
	if got := tags(); !slices.Equal(got, []string{"returning", "high_value", "bad_review", "region:上海", "level:vip1"}) {
		t.Errorf("after an order and a review: %v", got)
	}
	if _, _, err := f.svc.PutTagRule(ctx, f.a.ID, "大客户", `{"field":"spend_fen","op":">=","value":100000}`); err != nil {
		t.Fatal(err)
	}
	if got := tags(); !slices.Contains(got, "rule:大客户") {
		t.Errorf("after the rule: %v", got)
	}
	if _, err := f.svc.DeleteTagRule(ctx, f.a.ID, "大客户"); err != nil {
		t.Fatal(err)
	}
	if got := tags(); slices.Contains(got, "rule:大客户") {
		t.Errorf("after deleting the rule: %v", got)
	}
	if _, _, err := f.svc.PutTagRule(ctx, f.a.ID, "坏", `{"field":"x"}`); !errors.Is(err, commerce.ErrBadRule) {
		t.Errorf("a bad rule was saved: %v", err)
	}
}
