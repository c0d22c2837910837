package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestTagRulesHTTP: the console's tag rule calls answer with the field at
// fault, the preview counts without saving, and a shop's rules are capped.
func TestTagRulesHTTP(t *testing.T) {
	env := newTestEnv(t)
	alpha := env.shops["alpha"]
	admin := env.login("alpha-admin")
	if _, err := env.db.UpsertBuyers(t.Context(), alpha.ID, []model.BuyerProfile{{ExternalID: "sh1", City: "上海"},
		{ExternalID: "sh2", City: "上海"}, {ExternalID: "bj1", City: "北京"}}); err != nil {
		t.Fatal(err)
	}
	rule := func(r string) map[string]any { return map[string]any{"rule": json.RawMessage(r)} }
	path := func(name string) string { return shopURL(alpha.ID, "/tag-rules/"+url.PathEscape(name)) }
	errs := []struct {
		name, path string
		body       any
		status     int
		code       string
		field      string
	}{
		{"a bad operator", path("上海客"), rule(`{"all": [{"field": "city", "op": "=", "value": "上海"}, {"field": "orders", "op": "≈", "value": 1}]}`),
			400, "bad_rule", "rule.all[1].op"},
		{"a name with a colon", path("a:b"), rule(`{"field": "city", "op": "=", "value": "上海"}`), 400, "bad_rule", "name"},
		{"no rule", path("x"), map[string]any{}, 400, "bad_rule", "rule"},
		{"a preview of a bad rule", shopURL(alpha.ID, "/tag-rules/preview"), rule(`{"field": "city", "op": ">", "value": "上海"}`),
			400, "bad_rule", "rule.op"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			method := "PUT"
			if tt.path == shopURL(alpha.ID, "/tag-rules/preview") {
				method = "POST"
			}
			var e errorJSON
			if st := admin.do(method, tt.path, tt.body, &e); st != tt.status || e.Code != tt.code || e.Field != tt.field {
				t.Errorf("%d %+v, want %d %s at %s", st, e, tt.status, tt.code, tt.field)
			}
		})
	}
	var settingsErr errorJSON
	if st := admin.do("PUT", shopURL(alpha.ID, "/tag-settings"), model.TagSettings{RefundDays: 30, InactiveDays: 0, BadRating: 2},
		&settingsErr); st != 400 || settingsErr.Code != "bad_settings" || settingsErr.Field != "inactive_days" {
		t.Errorf("bad settings: %d %+v", st, settingsErr)
	}

	var preview commerce.RulePreview
	if st := admin.do("POST", shopURL(alpha.ID, "/tag-rules/preview"), rule(`{"field": "city", "op": "=", "value": "上海"}`), &preview); st != 200 ||
		preview.Matched != 2 || preview.Buyers != 3 || preview.Scanned != 3 {
		t.Fatalf("preview: %d %+v", st, preview)
	}
	var list struct {
		Items    []tagRuleJSON        `json:"items"`
		Fields   []commerce.RuleField `json:"fields"`
		MaxRules int                  `json:"max_rules"`
	}
	if st := admin.do("GET", shopURL(alpha.ID, "/tag-rules"), nil, &list); st != 200 || len(list.Items) != 0 || len(list.Fields) != 14 ||
		list.MaxRules != commerce.MaxTagRules {
		t.Fatalf("the preview saved a rule, or the list lacks its fields: %d %+v", st, list)
	}

	var put struct {
		Name      string `json:"name"`
		Retagging int    `json:"retagging"`
	}
	if st := admin.do("PUT", path("上海客"), rule(`{"field": "city", "op": "=", "value": "上海"}`), &put); st != 200 || put.Name != "上海客" ||
		put.Retagging != 0 {
		t.Fatalf("put: %d %+v", st, put)
	}
	p, err := env.db.GetBuyerProfileByExternal(t.Context(), alpha.ID, "sh1")
	if err != nil || len(p.Tags) == 0 || p.Tags[len(p.Tags)-1] != "rule:上海客" {
		t.Errorf("a small shop is retagged before the answer: %v, %v", p.Tags, err)
	}
	for i := 1; i < commerce.MaxTagRules; i++ {
		if st, raw := admin.raw("PUT", path(fmt.Sprint("r", i)), rule(`{"field": "orders", "op": ">", "value": 1}`)); st != 200 {
			t.Fatalf("rule %d: %d %s", i, st, raw)
		}
	}
	var e errorJSON
	if st := admin.do("PUT", path("one more"), rule(`{"field": "orders", "op": ">", "value": 1}`), &e); st != 409 || e.Code != "too_many_rules" {
		t.Errorf("rule %d: %d %+v", commerce.MaxTagRules+1, st, e)
	}
}
