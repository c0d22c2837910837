package commerce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
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

// ager adds to n the instants after c.now at which a condition's answer may
// change with no new data (an order leaving the window, a day passing).
type ager func(c *evalCtx, n *next)

var textFields = map[string]func(*Facts) string{
	"level":    func(f *Facts) string { return f.Profile.Level },
	"province": func(f *Facts) string { return f.Profile.Province },
	"city":     func(f *Facts) string { return f.Profile.City },
}

// numberField is an aggregate over the buyer's data. A windowed one counts
// only what happened in the last Days days (all time when Days is 0); times
// are the instants of what it counts, each leaving the window Days days
// later. An unwindowed one that ages says when its value may next change
// for a comparison with want.
type numberField struct {
	windowed bool
	value    func(c *evalCtx, since time.Time) float64
	times    func(c *evalCtx, n *next, window time.Duration)
	ages     func(c *evalCtx, n *next, want float64)
}

var numberFields = map[string]numberField{
	"orders":    {windowed: true, value: func(c *evalCtx, since time.Time) float64 { return float64(c.f.paidOrders(since)) }, times: paidTimes},
	"spend_fen": {windowed: true, value: func(c *evalCtx, since time.Time) float64 { return float64(c.f.spend(since)) }, times: paidTimes},
	"refunds":   {windowed: true, value: func(c *evalCtx, since time.Time) float64 { return float64(c.f.refunds(since)) }, times: refundTimes},
	"reviews": {windowed: true, value: func(c *evalCtx, since time.Time) float64 { return float64(c.f.reviews(since, 5)) },
		times: func(c *evalCtx, n *next, w time.Duration) { reviewTimes(c.f, n, w, 5) }},
	"bad_reviews": {windowed: true, value: func(c *evalCtx, since time.Time) float64 { return float64(c.f.reviews(since, c.set.BadRating)) },
		times: func(c *evalCtx, n *next, w time.Duration) { reviewTimes(c.f, n, w, c.set.BadRating) }},
	"cart_items":     {value: func(c *evalCtx, _ time.Time) float64 { return float64(c.f.Cart) }},
	"favourites":     {value: func(c *evalCtx, _ time.Time) float64 { return float64(c.f.Favourites) }},
	"coupons_unused": {value: func(c *evalCtx, _ time.Time) float64 { return float64(c.f.unusedCoupons(c.now)) }, ages: couponExpiries},
	"days_since_last_order": {value: func(c *evalCtx, _ time.Time) float64 { return daysSince(c.now, c.f.lastOrder()) },
		ages: func(c *evalCtx, n *next, want float64) { dayTurns(n, c.f.lastOrder(), want) }},
	"days_since_first_seen": {value: func(c *evalCtx, _ time.Time) float64 { return daysSince(c.now, c.f.Profile.FirstSeen) },
		ages: func(c *evalCtx, n *next, want float64) { dayTurns(n, c.f.Profile.FirstSeen, want) }},
	"days_since_last_active": {value: func(c *evalCtx, _ time.Time) float64 { return daysSince(c.now, c.f.lastActive()) },
		ages: func(c *evalCtx, n *next, want float64) { dayTurns(n, c.f.lastActive(), want) }},
}

// day is the length of a day in rule windows and day counts: 24 hours, so
// that when something leaves a window is exact whatever the time zone.
const day = 24 * time.Hour

// windowStart is the start of a window of days ending at now.
func windowStart(now time.Time, days int) time.Time { return now.Add(-time.Duration(days) * day) }

// daysSince is whole days from t to now, rounded down; a buyer with no such
// time counts as infinitely long ago.
func daysSince(now, t time.Time) float64 {
	if t.IsZero() {
		return 1e9
	}
	d := now.Sub(t)
	n := d / day
	if d < 0 && d%day != 0 {
		n--
	}
	return float64(n)
}

// CompiledRule is a checked rule, ready to evaluate.
type CompiledRule struct {
	match matcher
	ages  ager // nil when nothing in the rule ages
}

// ParseRule checks a rule's JSON text and compiles it. Errors are a
// *FieldError (wrapping ErrBadRule) that names where the rule is wrong
// (rule.all[1].op, ...).
func ParseRule(text string) (*CompiledRule, error) {
	if len(text) > maxRuleBytes {
		return nil, ruleErr("rule", "longer than %d bytes", maxRuleBytes)
	}
	var r Rule
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, ruleErr("rule", "not a rule object: %v", err)
	}
	if dec.More() {
		return nil, ruleErr("rule", "data after the rule")
	}
	n := 0
	c, err := compile(&r, "rule", 1, &n)
	if err != nil {
		return nil, err
	}
	return &CompiledRule{match: c.match, ages: c.ages}, nil
}

// FieldError is bad input and where: Field is the path to the part at
// fault (rule.all[1].value, name, inactive_days). It wraps ErrBadRule or
// ErrBadSettings.
type FieldError struct {
	Err     error
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return fmt.Sprintf("%v: %s: %s", e.Err, e.Field, e.Problem) }

// Unwrap makes errors.Is(err, ErrBadRule) (or ErrBadSettings) hold.
func (e *FieldError) Unwrap() error { return e.Err }

// cond is a compiled part of a rule: whether it matches, and when its
// answer may change with no new data (nil when it never does).
type cond struct {
	match matcher
	ages  ager
}

// agesAll combines the agers of parts: a combination may change whenever
// one of its parts does.
func agesAll(cs []cond) ager {
	var as []ager
	for _, c := range cs {
		if c.ages != nil {
			as = append(as, c.ages)
		}
	}
	if len(as) == 0 {
		return nil
	}
	return func(c *evalCtx, n *next) {
		for _, a := range as {
			a(c, n)
		}
	}
}

func ruleErr(path, format string, args ...any) error {
	return &FieldError{Err: ErrBadRule, Field: path, Problem: fmt.Sprintf(format, args...)}
}

func compile(r *Rule, path string, depth int, conds *int) (cond, error) {
	if depth > maxRuleDepth {
		return cond{}, ruleErr(path, "nested deeper than %d", maxRuleDepth)
	}
	kinds := 0
	for _, set := range []bool{r.All != nil, r.Any != nil, r.Not != nil, r.Field != ""} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		return cond{}, ruleErr(path, "must be exactly one of all, any, not or a condition with field")
	}
	switch {
	case r.All != nil || r.Any != nil:
		list, name := r.All, "all"
		if r.Any != nil {
			list, name = r.Any, "any"
		}
		if len(list) == 0 {
			return cond{}, ruleErr(path+"."+name, "is empty")
		}
		cs := make([]cond, len(list))
		ms := make([]matcher, len(list))
		for i := range list {
			c, err := compile(&list[i], fmt.Sprintf("%s.%s[%d]", path, name, i), depth+1, conds)
			if err != nil {
				return cond{}, err
			}
			cs[i], ms[i] = c, c.match
		}
		if name == "all" {
			return cond{func(c *evalCtx) bool { return !slices.ContainsFunc(ms, func(m matcher) bool { return !m(c) }) }, agesAll(cs)}, nil
		}
		return cond{func(c *evalCtx) bool { return slices.ContainsFunc(ms, func(m matcher) bool { return m(c) }) }, agesAll(cs)}, nil
	case r.Not != nil:
		inner, err := compile(r.Not, path+".not", depth+1, conds)
		if err != nil {
			return cond{}, err
		}
		return cond{func(c *evalCtx) bool { return !inner.match(c) }, inner.ages}, nil
	}
	*conds++
	if *conds > maxRuleConditions {
		return cond{}, ruleErr(path, "more than %d conditions", maxRuleConditions)
	}
	return compileCondition(r, path)
}

func compileCondition(r *Rule, path string) (cond, error) {
	if v := strings.TrimSpace(string(r.Value)); v == "" || v == "null" {
		// JSON null would read as 0 or "": say it is missing instead.
		return cond{}, ruleErr(path+".value", "is missing")
	}
	if get, ok := textFields[r.Field]; ok {
		m, err := compileText(r, path, get)
		return cond{match: m}, err
	}
	nf, ok := numberFields[r.Field]
	if !ok {
		return cond{}, ruleErr(path+".field", "unknown field %q", r.Field)
	}
	switch {
	case r.Days != 0 && !nf.windowed:
		return cond{}, ruleErr(path+".days", "field %q takes no window", r.Field)
	case r.Days < 0 || r.Days > maxRuleDays:
		return cond{}, ruleErr(path+".days", "must be 1 to %d", maxRuleDays)
	}
	var want float64
	if err := json.Unmarshal(r.Value, &want); err != nil {
		return cond{}, ruleErr(path+".value", "field %q compares with a number", r.Field)
	}
	cmp, ok := numberOps[r.Op]
	if !ok {
		return cond{}, ruleErr(path+".op", "operator %q is not one of = != > >= < <=", r.Op)
	}
	days, value := r.Days, nf.value
	c := cond{match: func(c *evalCtx) bool {
		var since time.Time
		if days > 0 {
			since = windowStart(c.now, days)
		}
		return cmp(value(c, since), want)
	}}
	switch {
	case days > 0:
		w := time.Duration(days) * day
		c.ages = func(c *evalCtx, n *next) { nf.times(c, n, w) }
	case nf.ages != nil:
		c.ages = func(c *evalCtx, n *next) { nf.ages(c, n, want) }
	}
	return c, nil
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

// RuleField is a field a rule may test, as the console's editor offers it.
type RuleField struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`             // text or number
	Windowed bool     `json:"windowed"`         // takes a window of days
	Values   []string `json:"values,omitempty"` // the values a text field may take, when only some
}

// ruleFieldOrder is the order the editor offers fields in: what a buyer
// did, then how long ago, then what they hold, then who they are.
var ruleFieldOrder = []string{"orders", "spend_fen", "refunds", "reviews", "bad_reviews", "days_since_last_order",
	"days_since_last_active", "days_since_first_seen", "cart_items", "favourites", "coupons_unused", "level", "province", "city"}

// RuleFields lists the fields a rule may test.
func RuleFields() []RuleField {
	out := make([]RuleField, 0, len(ruleFieldOrder))
	for _, n := range ruleFieldOrder {
		if nf, ok := numberFields[n]; ok {
			out = append(out, RuleField{Name: n, Kind: "number", Windowed: nf.windowed})
		} else if n == "level" {
			out = append(out, RuleField{Name: n, Kind: "text", Values: []string{model.LevelNormal, model.LevelVIP1, model.LevelVIP2, model.LevelVIP3}})
		} else {
			out = append(out, RuleField{Name: n, Kind: "text"})
		}
	}
	return out
}
