package bot

import (
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldText is how rules and handoff words see a message: full-width forms
// narrowed, case folded, surrounding spaces and punctuation dropped.
func foldText(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
}

// compiledRule is a Rule ready to match.
type compiledRule struct {
	Rule
	folded []string         // exact and contains
	res    []*regexp.Regexp // regexp
}

func (r compiledRule) matches(folded string) (string, bool) {
	switch r.Match {
	case MatchExact:
		for i, p := range r.folded {
			if folded == p {
				return r.Patterns[i], true
			}
		}
	case MatchContains:
		for i, p := range r.folded {
			if p != "" && strings.Contains(folded, p) {
				return r.Patterns[i], true
			}
		}
	case MatchRegexp:
		for i, re := range r.res {
			if re.MatchString(folded) {
				return r.Patterns[i], true
			}
		}
	}
	return "", false
}

// compileRules orders rules by priority (stable) and compiles their
// patterns; Validate has checked them, so a pattern that does not compile
// here is skipped.
func compileRules(rules []Rule) []compiledRule {
	out := make([]compiledRule, 0, len(rules))
	for _, r := range rules {
		cr := compiledRule{Rule: r}
		for _, p := range r.Patterns {
			if r.Match == MatchRegexp {
				re, err := regexp.Compile("(?i)" + p)
				if err != nil {
					re = regexp.MustCompile(`$^`)
				}
				cr.res = append(cr.res, re)
				continue
			}
			cr.folded = append(cr.folded, foldText(p))
		}
		out = append(out, cr)
	}
	slices.SortStableFunc(out, func(a, b compiledRule) int { return b.Priority - a.Priority })
	return out
}

// ruleCache keeps each shop's compiled rules until its config changes, so
// regexps are compiled once, not per message.
type ruleCache struct {
	mu    sync.Mutex
	shops map[int64]cachedRules
}

type cachedRules struct {
	src   []Rule
	rules []compiledRule
}

func (c *ruleCache) get(shopID int64, rules []Rule) []compiledRule {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shops == nil {
		c.shops = map[int64]cachedRules{}
	}
	if cr, ok := c.shops[shopID]; ok && rulesEqual(cr.src, rules) {
		return cr.rules
	}
	cr := cachedRules{src: slices.Clone(rules), rules: compileRules(rules)}
	c.shops[shopID] = cr
	return cr.rules
}

func (c *ruleCache) forget(shopID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.shops, shopID)
}

// rulesEqual compares what compiling depends on, so another node's change
// is seen without an event.
func rulesEqual(a, b []Rule) bool {
	return slices.EqualFunc(a, b, func(x, y Rule) bool {
		return x.Match == y.Match && x.Priority == y.Priority && slices.Equal(x.Patterns, y.Patterns) && x.Name == y.Name &&
			textsEqual(x.Reply, y.Reply)
	})
}

func textsEqual(a, b Texts) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// matchRule returns the first rule (by priority) a message matches.
func matchRule(rules []compiledRule, text string) (compiledRule, string, bool) {
	folded := foldText(text)
	for _, r := range rules {
		if p, ok := r.matches(folded); ok {
			return r, p, true
		}
	}
	return compiledRule{}, "", false
}

// containsWord reports the first of words contained in the folded text.
func containsWord(text string, words []string) (string, bool) {
	folded := foldText(text)
	for _, w := range words {
		if fw := foldText(w); fw != "" && containsFolded(folded, fw) {
			return w, true
		}
	}
	return "", false
}

// containsFolded finds w in s; a Latin word must stand alone ("agent" is
// not in "agenda").
func containsFolded(s, w string) bool {
	if !isLatin(w) {
		return strings.Contains(s, w)
	}
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		if (i == 0 || !isWordByte(s[i-1])) && (end == len(s) || !isWordByte(s[end])) {
			return true
		}
		from = i + 1
	}
}

func isLatin(s string) bool {
	for _, r := range s {
		if r >= 0x80 {
			return false
		}
	}
	return true
}

func isWordByte(b byte) bool {
	return b < 0x80 && (b == '_' || unicode.IsLetter(rune(b)) || unicode.IsDigit(rune(b)))
}
