package bot

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a pipeline config: a merchant's page sends it, so everything is
// bounded, and regexps are RE2 (linear time, no catastrophic backtracking)
// of bounded length on messages of bounded length.
const (
	maxRules        = 100
	maxPatterns     = 20
	maxPatternLen   = 200
	maxTextLen      = 1000
	maxWords        = 100
	maxWordLen      = 50
	maxPeriods      = 28
	maxClosedDates  = 366
	maxRuleNameLen  = 50
	maxMissesConfig = 10
)

// FieldError is bad input in one field of a config.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Validate checks the config; the error names the field at fault.
func (c Config) Validate(knownIntent func(string) bool) error {
	if err := checkTexts("welcome", c.Welcome, true); err != nil {
		return err
	}
	if len(c.Rules) > maxRules {
		return fieldErr("rules", "at most %d rules", maxRules)
	}
	for i, r := range c.Rules {
		if err := r.validate(fmt.Sprintf("rules[%d]", i)); err != nil {
			return err
		}
	}
	if err := c.Hours.validate(); err != nil {
		return err
	}
	if err := c.Handoff.validate(knownIntent); err != nil {
		return err
	}
	for key, t := range c.Templates {
		e, ok := catalogue[key]
		if !ok {
			return fieldErr("templates", "unknown template %q; known: %s", key, strings.Join(catalogueKeys(), ", "))
		}
		f := "templates." + key
		if err := checkTexts(f, t, false); err != nil {
			return err
		}
		for lang, s := range t {
			for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
				if !slices.Contains(e.fields, m[1]) {
					return fieldErr(f+"."+lang, "unknown field {%s}; this text can use %s", m[1], fieldList(e.fields))
				}
			}
		}
	}
	return nil
}

func fieldList(fields []string) string {
	if len(fields) == 0 {
		return "no fields"
	}
	return "{" + strings.Join(fields, "}, {") + "}"
}

// checkTexts checks a text per language; allowEmpty lets a map be empty
// (a welcome turned off).
func checkTexts(field string, t Texts, allowEmpty bool) error {
	if len(t) == 0 && !allowEmpty {
		return fieldErr(field, "give a text in zh-CN or en")
	}
	for lang, s := range t {
		if lang != "zh-CN" && lang != "en" {
			return fieldErr(field, "languages are zh-CN and en, not %q", lang)
		}
		if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > maxTextLen {
			return fieldErr(field+"."+lang, "each text must be 1-%d characters", maxTextLen)
		}
	}
	return nil
}

func (r Rule) validate(f string) error {
	if utf8.RuneCountInString(r.Name) > maxRuleNameLen {
		return fieldErr(f+".name", "a name is at most %d characters", maxRuleNameLen)
	}
	if r.Match != MatchExact && r.Match != MatchContains && r.Match != MatchRegexp {
		return fieldErr(f+".match", "match must be exact, contains or regexp")
	}
	if len(r.Patterns) == 0 || len(r.Patterns) > maxPatterns {
		return fieldErr(f+".patterns", "give 1-%d patterns", maxPatterns)
	}
	for j, p := range r.Patterns {
		pf := fmt.Sprintf("%s.patterns[%d]", f, j)
		if strings.TrimSpace(p) == "" || utf8.RuneCountInString(p) > maxPatternLen {
			return fieldErr(pf, "a pattern is 1-%d characters", maxPatternLen)
		}
		if r.Match == MatchRegexp {
			re, err := regexp.Compile("(?i)" + p)
			if err != nil {
				return fieldErr(pf, "not a regular expression: %v", err)
			}
			if re.MatchString("") {
				return fieldErr(pf, "this expression matches every message")
			}
		} else if foldText(p) == "" {
			return fieldErr(pf, "a pattern needs a letter or a digit")
		}
	}
	if r.Priority < -1000 || r.Priority > 1000 {
		return fieldErr(f+".priority", "priority is -1000 to 1000")
	}
	return checkTexts(f+".reply", r.Reply, false)
}

func (h Hours) validate() error {
	if len(h.Periods) > maxPeriods {
		return fieldErr("hours.periods", "at most %d periods", maxPeriods)
	}
	if h.Enabled && len(h.Periods) == 0 {
		return fieldErr("hours.periods", "working hours are on: give at least one period")
	}
	for i, p := range h.Periods {
		f := fmt.Sprintf("hours.periods[%d]", i)
		if len(p.Days) == 0 || len(p.Days) > 7 {
			return fieldErr(f+".days", "give 1-7 weekdays, 1 Monday to 7 Sunday")
		}
		for _, d := range p.Days {
			if d < 1 || d > 7 {
				return fieldErr(f+".days", "weekdays are 1 (Monday) to 7 (Sunday)")
			}
		}
		from, err := clockMinutes(p.From)
		if err != nil || from == 24*60 {
			return fieldErr(f+".from", "from is a time of day, HH:MM")
		}
		to, err := clockMinutes(p.To)
		if err != nil {
			return fieldErr(f+".to", "to is a time of day, HH:MM (24:00 for midnight)")
		}
		if from == to {
			return fieldErr(f+".to", "a period cannot end when it starts")
		}
	}
	if len(h.ClosedDates) > maxClosedDates {
		return fieldErr("hours.closed_dates", "at most %d dates", maxClosedDates)
	}
	for i, d := range h.ClosedDates {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return fieldErr(fmt.Sprintf("hours.closed_dates[%d]", i), "dates are YYYY-MM-DD")
		}
	}
	return nil
}

func (h Handoff) validate(knownIntent func(string) bool) error {
	for name, words := range map[string][]string{"handoff.human_words": h.HumanWords, "handoff.keywords": h.Keywords} {
		if len(words) > maxWords {
			return fieldErr(name, "at most %d words", maxWords)
		}
		for i, w := range words {
			if foldText(w) == "" || utf8.RuneCountInString(w) > maxWordLen {
				return fieldErr(fmt.Sprintf("%s[%d]", name, i), "a word is 1-%d characters with a letter or digit", maxWordLen)
			}
		}
	}
	for i, it := range h.AlwaysHuman {
		if !knownIntent(it) {
			return fieldErr(fmt.Sprintf("handoff.always_human[%d]", i), "unknown intent %q", it)
		}
	}
	if h.MaxMisses < 0 || h.MaxMisses > maxMissesConfig {
		return fieldErr("handoff.max_misses", "max_misses is 0 (never) to %d", maxMissesConfig)
	}
	if h.Frustration < 0 || h.Frustration > 1 {
		return fieldErr("handoff.frustration", "frustration is 0 (never) to 1")
	}
	if h.VIPLevel != "" && levelRank(h.VIPLevel) == 0 {
		return fieldErr("handoff.vip_level", "vip_level is vip1, vip2, vip3 or empty (never)")
	}
	return nil
}

// levelRank orders member levels: 0 for normal or unknown.
func levelRank(level string) int {
	switch level {
	case "vip1":
		return 1
	case "vip2":
		return 2
	case "vip3":
		return 3
	}
	return 0
}
