package nlp

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"

	"github.com/go-ego/gse"
	"github.com/kljensen/snowball/english"
)

var (
	//go:embed data/zhdict.txt
	zhDict string
	//go:embed data/ecommerce.txt
	ecommerceDict string
	//go:embed data/synonyms.txt
	synonymData string
	//go:embed data/stopwords_zh.txt
	stopZhData string
	//go:embed data/stopwords_en.txt
	stopEnData string
)

// segmenter returns the shared Chinese segmenter. Loading the dictionary takes
// a noticeable fraction of a second, so it happens once, on first use, and the
// segmenter is only read afterwards (gse segmentation is read-only).
var segmenter = sync.OnceValue(func() *gse.Segmenter {
	seg := new(gse.Segmenter)
	var b strings.Builder
	b.WriteString(zhDict)
	for _, line := range dataLines(ecommerceDict) {
		f := strings.Fields(line)
		if len(f) == 1 {
			f = append(f, "3000")
		}
		b.WriteString(f[0] + " " + f[1] + "\n")
	}
	// Every Chinese synonym must come out of the segmenter as one word, or
	// its group could never match.
	for _, line := range dataLines(synonymData) {
		for _, w := range strings.Fields(line) {
			if hasHan(w) {
				b.WriteString(w + " 2000\n")
			}
		}
	}
	_ = seg.LoadDictStr(b.String()) // LoadDictStr never fails on well-formed in-memory data
	return seg
})

// dataLines returns the non-empty, non-comment lines of an embedded data file.
func dataLines(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func wordSet(s string) map[string]bool {
	m := make(map[string]bool)
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

var (
	stopZh = wordSet(stopZhData)
	stopEn = wordSet(stopEnData)
)

func hasHan(s string) bool {
	for _, r := range s {
		if isHan(r) {
			return true
		}
	}
	return false
}

// token is one word of a normalized text: a Chinese word from the segmenter,
// an English stem, or a number.
type token struct {
	text string // the stem or word as indexed
	// word is an English word as written (lower case, no apostrophes),
	// which word vectors are looked up by; empty for Chinese and numbers.
	word string
	stop bool // a stop word: kept for n-grams, not indexed as a word
	han  bool
}

// tokenize splits normalized text into words. Chinese runs go through gse;
// Latin runs are split on spaces and stemmed.
func tokenize(norm string) []token {
	var toks []token
	for _, run := range splitRuns(norm) {
		if run.han {
			for _, w := range segmenter().Cut(run.text) {
				w = strings.TrimSpace(w)
				if w == "" {
					continue
				}
				toks = append(toks, token{text: w, stop: stopZh[w], han: true})
			}
			continue
		}
		for _, w := range strings.Fields(run.text) {
			toks = append(toks, englishToken(w))
		}
	}
	return toks
}

func englishToken(w string) token {
	w = strings.ReplaceAll(w, "'", "")
	if stopEn[w] {
		return token{text: w, word: w, stop: true}
	}
	if isNumber(w) {
		return token{text: w}
	}
	return token{text: english.Stem(w, false), word: w}
}

func isNumber(w string) bool {
	for _, r := range w {
		if !unicode.IsDigit(r) && r != '.' {
			return false
		}
	}
	return w != ""
}

type textRun struct {
	text string
	han  bool
}

// splitRuns cuts text into maximal runs of Chinese characters and of
// everything else, so each goes to the right tokenizer.
func splitRuns(s string) []textRun {
	var runs []textRun
	start, han := 0, false
	for i, r := range s {
		h := isHan(r)
		if i == 0 {
			han = h
			continue
		}
		if h != han {
			runs = append(runs, textRun{s[start:i], han})
			start, han = i, h
		}
	}
	if start < len(s) {
		runs = append(runs, textRun{s[start:], han})
	}
	return runs
}
