package commerce_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestTagAdminErrorsNameTheField: every refusal says which field is wrong.
func TestTagAdminErrorsNameTheField(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	rule := `{"field": "city", "op": "=", "value": "上海"}`
	tests := []struct {
		name, tag, rule string
		field           string
	}{
		{"empty name", " ", rule, "name"},
		{"name with a colon", "a:b", rule, "name"},
		{"name too long", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一", rule, "name"},
		{"a condition's operator", "x", `{"all": [{"field": "city", "op": "=", "value": "上海"}, {"field": "orders", "op": "~", "value": 1}]}`, "rule.all[1].op"},
		{"a condition's value", "x", `{"any": [{"field": "orders", "days": 30, "op": ">", "value": "many"}]}`, "rule.any[0].value"},
		{"not JSON", "x", `{"field":`, "rule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := f.svc.PutTagRule(ctx, f.a.ID, tt.tag, tt.rule)
			var fe *commerce.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, commerce.ErrBadRule) {
				t.Errorf("err %v, want a bad rule at %q", err, tt.field)
			}
		})
	}
	settings := []struct {
		set   model.TagSettings
		field string
	}{
		{model.TagSettings{HighValueFen: -1, RefundDays: 30, InactiveDays: 90, BadRating: 2}, "high_value_fen"},
		{model.TagSettings{RefundDays: 0, InactiveDays: 90, BadRating: 2}, "refund_days"},
		{model.TagSettings{RefundDays: 30, InactiveDays: 4000, BadRating: 2}, "inactive_days"},
		{model.TagSettings{RefundDays: 30, InactiveDays: 90, BadRating: 5}, "bad_rating"},
	}
	for _, tt := range settings {
		_, err := f.svc.PutTagSettings(ctx, f.a.ID, tt.set)
		var fe *commerce.FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !errors.Is(err, commerce.ErrBadSettings) {
			t.Errorf("settings %+v: err %v, want bad settings at %q", tt.set, err, tt.field)
		}
	}
}

// TestTagRuleLimit: a shop holds at most MaxTagRules rules; one of them
// can still be replaced.
func TestTagRuleLimit(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	rule := `{"field": "orders", "op": ">", "value": 1}`
	for i := range commerce.MaxTagRules {
		if _, _, err := f.svc.PutTagRule(ctx, f.a.ID, fmt.Sprint("r", i), rule); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.svc.PutTagRule(ctx, f.a.ID, "one more", rule); !errors.Is(err, commerce.ErrTooManyRules) {
		t.Errorf("rule %d: %v, want ErrTooManyRules", commerce.MaxTagRules+1, err)
	}
	if _, _, err := f.svc.PutTagRule(ctx, f.a.ID, "r0", `{"field": "orders", "op": ">", "value": 2}`); err != nil {
		t.Errorf("replacing a rule at the limit: %v", err)
	}
	if _, _, err := f.svc.PutTagRule(ctx, f.b.ID, "r0", rule); err != nil {
		t.Errorf("another shop's first rule: %v", err)
	}
}

// TestRuleFields: the editor is offered every field a rule accepts, once,
// with the right kind.
func TestRuleFields(t *testing.T) {
	seen := map[string]bool{}
	for _, fl := range commerce.RuleFields() {
		if seen[fl.Name] {
			t.Errorf("%s listed twice", fl.Name)
		}
		seen[fl.Name] = true
		value := `1`
		switch {
		case len(fl.Values) > 0:
			value = fmt.Sprintf("%q", fl.Values[len(fl.Values)-1])
		case fl.Kind == "text":
			value = `"上海"`
		}
		days := ""
		if fl.Windowed {
			days = `, "days": 30`
		}
		if _, err := commerce.ParseRule(fmt.Sprintf(`{"field": %q, "op": "=", "value": %s%s}`, fl.Name, value, days)); err != nil {
			t.Errorf("%+v: %v", fl, err)
		}
	}
	if len(seen) != 14 {
		t.Errorf("%d fields, want the 14 of docs/integration.md", len(seen))
	}
	if _, err := commerce.ParseRule(`{"field": "salary", "op": "=", "value": 1}`); err == nil {
		t.Error("an unknown field parses")
	}
}

// TestRetagLargeShopByJob: a change of a large shop's rules returns at once
// and wakes the refresh job, which retags every buyer.
func TestRetagLargeShopByJob(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	seedDue(t, f, 30)
	svc := commerce.New(commerce.Options{Store: f.db, Now: f.clk.now, SyncRetag: 10, RefreshEvery: time.Hour})
	if st, err := svc.RefreshDue(ctx); err != nil || st.Refreshed != 30 {
		t.Fatalf("first tags: %+v, %v", st, err)
	}
	_, rt, err := svc.PutTagRule(ctx, f.a.ID, "上海客", `{"field": "city", "op": "=", "value": "上海"}`)
	if err != nil || rt.Pending != 30 {
		t.Fatalf("put: %+v, %v; want 30 buyers left to the job", rt, err)
	}
	tagged := func() int {
		n := 0
		ps, err := f.db.ListBuyerProfiles(ctx, f.a.ID, store.Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if slices.Contains(p.Tags, "rule:上海客") {
				n++
			}
		}
		return n
	}
	if n := tagged(); n != 0 {
		t.Fatalf("%d buyers tagged before the job ran", n)
	}
	// Run was asleep for the hour; the put woke it.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { svc.Run(runCtx); close(done) }()
	for deadline := time.Now().Add(20 * time.Second); tagged() < 30; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 30 buyers tagged by the job", tagged())
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	<-done
	checkTaggedWith(t, f, 30, `{"field": "city", "op": "=", "value": "上海"}`, "上海客")
}

// TestPreviewRule: how many buyers a rule would tag, in a small shop
// exactly, in a large one from an even sample.
func TestPreviewRule(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	seedDue(t, f, 60) // every third buyer has a refund in the last 40 days
	rule := `{"field": "refunds", "days": 60, "op": ">=", "value": 1}`
	p, err := f.svc.PreviewRule(ctx, f.a.ID, rule)
	if err != nil || p.Matched != 20 || p.Scanned != 60 || p.Buyers != 60 || len(p.Sample) != 10 {
		t.Fatalf("preview %+v, %v; want 20 of 60", p, err)
	}
	if p.Sample[0] != "b00000" || p.Sample[1] != "b00003" {
		t.Errorf("sample %v, want the matching buyers b00000, b00003…", p.Sample)
	}
	// A rule that matches buyers 0-44 (active in the last 45 days), on an
	// even sample of 20: every third buyer by id.
	rule = `{"field": "days_since_last_active", "op": "<", "value": 45}`
	all, err := f.db.ListBuyerProfiles(ctx, f.a.ID, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, b := range all {
		var i int
		fmt.Sscanf(b.ExternalID, "b%d", &i)
		if b.ID%3 == 0 && i < 45 {
			want++
		}
	}
	small := commerce.New(commerce.Options{Store: f.db, Now: f.clk.now, PreviewBuyers: 20})
	p, err = small.PreviewRule(ctx, f.a.ID, rule)
	if err != nil || p.Scanned != 20 || p.Buyers != 60 || p.Matched != want || want == 0 {
		t.Fatalf("sampled preview %+v, %v; want %d of an even 20 of 60", p, err, want)
	}
	if _, err := f.svc.PreviewRule(ctx, f.a.ID, `{"field": "orders"}`); !errors.Is(err, commerce.ErrBadRule) {
		t.Errorf("a bad rule previewed: %v", err)
	}
	if p, err := f.svc.PreviewRule(ctx, f.b.ID, rule); err != nil || p.Buyers != 0 || p.Matched != 0 {
		t.Errorf("another shop: %+v, %v", p, err)
	}
}
