package commerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Rule is a custom tag rule as an admin writes it, in JSON. A rule is either
// a combination — {"all": [...]}, {"any": [...]}, {"not": {...}} — or one
// condition on a buyer field or aggregate:
//
//	{"all": [
//	  {"field": "orders", "days": 90, "op": ">", "value": 3},
//	  {"field": "city", "op": "=", "value": "上海"}
//	]}
//
// Text fields (level, province, city) take =, !=, in (a list) and contains;
// number fields take =, !=, >, >=, <, <=. Aggregates over orders and
// reviews take an optional window in days. Rules are data, checked when
// saved and evaluated by a small interpreter: nothing is ever executed.
type Rule struct {
	All   []Rule          `json:"all,omitempty"`
	Any   []Rule          `json:"any,omitempty"`
	Not   *Rule           `json:"not,omitempty"`
	Field string          `json:"field,omitempty"`
	Op    string          `json:"op,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
	Days  int             `json:"days,omitempty"`
}

// Limits that keep a rule cheap to evaluate for every buyer.
const (
	maxRuleBytes      = 4096
	maxRuleDepth      = 5
	maxRuleConditions = 20
	maxRuleDays       = 3650
)

// evalCtx is what a rule is evaluated against.
type evalCtx struct {
	f   *Facts
	now time.Time
	set TagSettingsView
}

// TagSettingsView is the settings a rule evaluation needs (the bad-review
// rating).
type TagSettingsView struct{ BadRating int }

type matcher func(*evalCtx) bool

var textFields = map[string]func(*Facts) string{
	"level":    func(f *Facts) string { return f.Profile.Level },
	"province": func(f *Facts) string { return f.Profile.Province },
	"city":     func(f *Facts) string { return f.Profile.City },
}

// numberFields are aggregates; windowed ones count only what happened in
// the last Days days (all time when Days is 0).
var numberFields = map[string]struct {
	windowed bool
	value    func(c *evalCtx, since time.Time) float64
}{
	"orders":                 {true, func(c *evalCtx, since time.Time) float64 { return float64(c.f.paidOrders(since)) }},
	"spend_fen":              {true, func(c *evalCtx, since time.Time) float64 { return float64(c.f.spend(since)) }},
	"refunds":                {true, func(c *evalCtx, since time.Time) float64 { return float64(c.f.refunds(since)) }},
	"reviews":                {true, func(c *evalCtx, since time.Time) float64 { return float64(c.f.reviews(since, 5)) }},
	"bad_reviews":            {true, func(c *evalCtx, since time.Time) float64 { return float64(c.f.reviews(since, c.set.BadRating)) }},
	"cart_items":             {false, func(c *evalCtx, _ time.Time) float64 { return float64(c.f.Cart) }},
	"favourites":             {false, func(c *evalCtx, _ time.Time) float64 { return float64(c.f.Favourites) }},
	"coupons_unused":         {false, func(c *evalCtx, _ time.Time) float64 { return float64(c.f.unusedCoupons(c.now)) }},
	"days_since_last_order":  {false, func(c *evalCtx, _ time.Time) float64 { return daysSince(c.now, c.f.lastOrder()) }},
	"days_since_first_seen":  {false, func(c *evalCtx, _ time.Time) float64 { return daysSince(c.now, c.f.Profile.FirstSeen) }},
	"days_since_last_active": {false, func(c *evalCtx, _ time.Time) float64 { return daysSince(c.now, c.f.lastActive()) }},
}

// daysSince is whole days from t to now; a buyer with no such time counts
// as infinitely long ago.
func daysSince(now, t time.Time) float64 {
	if t.IsZero() {
		return 1e9
	}
	return float64(int(now.Sub(t).Hours() / 24))
}

// CompiledRule is a checked rule, ready to evaluate.
type CompiledRule struct{ match matcher }

// ParseRule checks a rule's JSON text and compiles it. Errors wrap
// ErrBadRule and name where the rule is wrong (all[1].op, ...).
func ParseRule(text string) (*CompiledRule, error) {
	if len(text) > maxRuleBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadRule, maxRuleBytes)
	}
	var r Rule
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%w: not a rule object: %v", ErrBadRule, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the rule", ErrBadRule)
	}
	n := 0
	m, err := compile(&r, "rule", 1, &n)
	if err != nil {
		return nil, err
	}
	return &CompiledRule{match: m}, nil
}

func ruleErr(path, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrBadRule, path, fmt.Sprintf(format, args...))
}

func compile(r *Rule, path string, depth int, conds *int) (matcher, error) {
	if depth > maxRuleDepth {
		return nil, ruleErr(path, "nested deeper than %d", maxRuleDepth)
	}
	kinds := 0
	for _, set := range []bool{r.All != nil, r.Any != nil, r.Not != nil, r.Field != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return nil, ruleErr(path, "must be exactly one of all, any, not or a condition with field")
	}
	switch {
	case r.All != nil || r.Any != nil:
		list, name := r.All, "all"
		if r.Any != nil {
			list, name = r.Any, "any"
		}
		if len(list) == 0 {
			return nil, ruleErr(path+"."+name, "is empty")
		}
		ms := make([]matcher, len(list))
		for i := range list {
			m, err := compile(&list[i], fmt.Sprintf("%s.%s[%d]", path, name, i), depth+1, conds)
			if err != nil {
				return nil, err
			}
			ms[i] = m
		}
		if name == "all" {
			return func(c *evalCtx) bool { return !slices.ContainsFunc(ms, func(m matcher) bool { return !m(c) }) }, nil
		}
		return func(c *evalCtx) bool { return slices.ContainsFunc(ms, func(m matcher) bool { return m(c) }) }, nil
	case r.Not != nil:
		m, err := compile(r.Not, path+".not", depth+1, conds)
		if err != nil {
			return nil, err
		}
		return func(c *evalCtx) bool { return !m(c) }, nil
	}
	*conds++
	if *conds > maxRuleConditions {
		return nil, ruleErr(path, "more than %d conditions", maxRuleConditions)
	}
	return compileCondition(r, path)
}

func compileCondition(r *Rule, path string) (matcher, error) {
	if get, ok := textFields[r.Field]; ok {
		return compileText(r, path, get)
	}
	nf, ok := numberFields[r.Field]
	if !ok {
		return nil, ruleErr(path+".field", "unknown field %q", r.Field)
	}
	switch {
	case r.Days != 0 && !nf.windowed:
		return nil, ruleErr(path+".days", "field %q takes no window", r.Field)
	case r.Days < 0 || r.Days > maxRuleDays:
		return nil, ruleErr(path+".days", "must be 1 to %d", maxRuleDays)
	}
	var want float64
	if err := json.Unmarshal(r.Value, &want); err != nil {
		return nil, ruleErr(path+".value", "field %q compares with a number", r.Field)
	}
	cmp, ok := numberOps[r.Op]
	if !ok {
		return nil, ruleErr(path+".op", "operator %q is not one of = != > >= < <=", r.Op)
	}
	days, value := r.Days, nf.value
	return func(c *evalCtx) bool {
		var since time.Time
		if days > 0 {
			since = c.now.AddDate(0, 0, -days)
		}
		return cmp(value(c, since), want)
	}, nil
}

var numberOps = map[string]func(a, b float64) bool{
	"=": func(a, b float64) bool { return a == b }, "!=": func(a, b float64) bool { return a != b },
	">": func(a, b float64) bool { return a > b }, ">=": func(a, b float64) bool { return a >= b },
	"<": func(a, b float64) bool { return a < b }, "<=": func(a, b float64) bool { return a <= b },
}

func compileText(r *Rule, path string, get func(*Facts) string) (matcher, error) {
	if r.Days != 0 {
		return nil, ruleErr(path+".days", "field %q takes no window", r.Field)
	}
	if r.Op == "in" {
		var list []string
		if err := json.Unmarshal(r.Value, &list); err != nil || len(list) == 0 {
			return nil, ruleErr(path+".value", "in takes a non-empty list of texts")
		}
		return func(c *evalCtx) bool { return slices.Contains(list, get(c.f)) }, nil
	}
	var want string
	if err := json.Unmarshal(r.Value, &want); err != nil {
		return nil, ruleErr(path+".value", "field %q compares with a text", r.Field)
	}
	if r.Field == "level" {
		lv, ok := levelAliases[want]
		if !ok {
			return nil, ruleErr(path+".value", "unknown level %q", want)
		}
		want = lv
	}
	switch r.Op {
	case "=":
		return func(c *evalCtx) bool { return get(c.f) == want }, nil
	case "!=":
		return func(c *evalCtx) bool { return get(c.f) != want }, nil
	case "contains":
		return func(c *evalCtx) bool { return want != "" && bytes.Contains([]byte(get(c.f)), []byte(want)) }, nil
	}
	return nil, ruleErr(path+".op", "operator %q is not one of = != in contains", r.Op)
}
