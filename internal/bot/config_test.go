package bot

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	known := func(s string) bool { return s == "complaint" || s == "aftersale.quality" }
	rule := func(match string, patterns ...string) Rule {
		return Rule{Name: "r", Match: match, Patterns: patterns, Reply: Texts{"zh-CN": "好的"}}
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string // "" wants no error
	}{
		{"defaults", func(*Config) {}, ""},
		{"welcome off", func(c *Config) { c.Welcome = nil }, ""},
		{"welcome language", func(c *Config) { c.Welcome = Texts{"fr": "bonjour"} }, "welcome"},
		{"welcome too long", func(c *Config) { c.Welcome = Texts{"zh-CN": strings.Repeat("长", maxTextLen+1)} }, "welcome.zh-CN"},
		{"rule match", func(c *Config) { c.Rules = []Rule{rule("fuzzy", "x")} }, "rules[0].match"},
		{"rule without patterns", func(c *Config) { c.Rules = []Rule{rule(MatchExact)} }, "rules[0].patterns"},
		{"bad regexp", func(c *Config) { c.Rules = []Rule{rule(MatchRegexp, "(a")} }, "rules[0].patterns[0]"},
		{"regexp matching everything", func(c *Config) { c.Rules = []Rule{rule(MatchRegexp, "a*")} }, "rules[0].patterns[0]"},
		{"long pattern", func(c *Config) { c.Rules = []Rule{rule(MatchContains, strings.Repeat("a", maxPatternLen+1))} }, "rules[0].patterns[0]"},
		{"punctuation only", func(c *Config) { c.Rules = []Rule{rule(MatchExact, "？？")} }, "rules[0].patterns[0]"},
		{"rule without reply", func(c *Config) { c.Rules = []Rule{{Name: "r", Match: MatchExact, Patterns: []string{"x"}}} }, "rules[0].reply"},
		{"too many rules", func(c *Config) { c.Rules = make([]Rule, maxRules+1) }, "rules"},
		{"hours without periods", func(c *Config) { c.Hours.Enabled = true }, "hours.periods"},
		{"weekday", func(c *Config) { c.Hours.Periods = []Period{{Days: []int{8}, From: "09:00", To: "18:00"}} }, "hours.periods[0].days"},
		{"time", func(c *Config) { c.Hours.Periods = []Period{{Days: []int{1}, From: "9:00", To: "18:00"}} }, "hours.periods[0].from"},
		{"empty span", func(c *Config) { c.Hours.Periods = []Period{{Days: []int{1}, From: "09:00", To: "09:00"}} }, "hours.periods[0].to"},
		{"closed date", func(c *Config) { c.Hours.ClosedDates = []string{"10/01"} }, "hours.closed_dates[0]"},
		{"intent", func(c *Config) { c.Handoff.AlwaysHuman = []string{"nope"} }, "handoff.always_human[0]"},
		{"misses", func(c *Config) { c.Handoff.MaxMisses = 11 }, "handoff.max_misses"},
		{"frustration", func(c *Config) { c.Handoff.Frustration = 1.5 }, "handoff.frustration"},
		{"vip level", func(c *Config) { c.Handoff.VIPLevel = "gold" }, "handoff.vip_level"},
		{"keyword", func(c *Config) { c.Handoff.Keywords = []string{" "} }, "handoff.keywords[0]"},
		{"template key", func(c *Config) { c.Templates = map[string]Texts{"nope": {"zh-CN": "x"}} }, "templates"},
		{"template field", func(c *Config) { c.Templates = map[string]Texts{"handoff.queued": {"zh-CN": "第{place}位"}} }, "templates.handoff.queued.zh-CN"},
		{"good", func(c *Config) {
			c.Rules = []Rule{rule(MatchRegexp, `^(hi|hey)\b`), rule(MatchContains, "发票")}
			c.Hours = Hours{Enabled: true, Periods: []Period{{Days: []int{1, 2, 3, 4, 5}, From: "22:00", To: "02:00"}}, ClosedDates: []string{"2025-10-01"}}
			c.Templates = map[string]Texts{"handoff.queued": {"zh-CN": "您排第{position}位", "en": "#{position}"}}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.edit(&c)
			err := c.Validate(known)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("error %v, want field %s", err, tt.field)
			}
		})
	}
}

func TestParseConfigKeepsClearedMaps(t *testing.T) {
	c, err := ParseConfig(`{"welcome":{},"small_talk":false}`)
	if err != nil || len(c.Welcome) != 0 || c.SmallTalk || c.Handoff.MaxMisses != 2 {
		t.Fatalf("config %+v, %v: a cleared welcome stays cleared, other fields keep their defaults", c, err)
	}
}

func TestHoursOpen(t *testing.T) {
	h := Hours{Enabled: true, Periods: []Period{{Days: []int{1, 2, 3, 4, 5}, From: "09:00", To: "18:00"}, {Days: []int{6}, From: "22:00", To: "02:00"}},
		ClosedDates: []string{"2025-06-04"}}
	at := func(s string) time.Time {
		t.Helper()
		loc, _ := time.LoadLocation("Asia/Shanghai")
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range []struct {
		at   string
		open bool
	}{
		{"2025-06-02 09:00", true}, {"2025-06-02 17:59", true}, {"2025-06-02 18:00", false}, {"2025-06-02 08:59", false},
		{"2025-06-04 10:00", false},                                                         // closed date
		{"2025-06-07 23:00", true}, {"2025-06-08 01:30", true}, {"2025-06-08 02:00", false}, // Saturday night into Sunday
		{"2025-06-08 12:00", false},
	} {
		if got := h.Open(at(tt.at), "Asia/Shanghai"); got != tt.open {
			t.Errorf("Open(%s) = %v, want %v", tt.at, got, tt.open)
		}
	}
	if !(Hours{}).Open(at("2025-06-08 03:00"), "Asia/Shanghai") {
		t.Error("hours turned off must always be open")
	}
}

func TestCanned(t *testing.T) {
	for _, tt := range []struct {
		in    CannedInput
		field string
	}{
		{CannedInput{Shortcut: "hi", Body: "您好 {buyer_name}，订单 {order_no}"}, ""},
		{CannedInput{Shortcut: "问候-1", Body: "亲"}, ""},
		{CannedInput{Shortcut: "has space", Body: "x"}, "shortcut"},
		{CannedInput{Shortcut: "", Body: "x"}, "shortcut"},
		{CannedInput{Shortcut: "x", Body: " "}, "body"},
		{CannedInput{Shortcut: "x", Body: "{phone}"}, "body"},
		{CannedInput{Shortcut: "x", Title: strings.Repeat("t", maxCannedTitle+1), Body: "x"}, "title"},
	} {
		err := tt.in.Validate()
		var fe *FieldError
		if (tt.field == "") != (err == nil) || (err != nil && (!errors.As(err, &fe) || fe.Field != tt.field)) {
			t.Errorf("%+v: error %v, want field %q", tt.in, err, tt.field)
		}
	}
	v := CannedValues{BuyerName: "小明", OrderNo: "2025", AgentName: "小美", ShopName: "店"}
	if got := v.Render("{buyer_name}您好，我是{shop_name}的{agent_name}，订单{order_no}"); got != "小明您好，我是店的小美，订单2025" {
		t.Fatalf("render %q", got)
	}
}
