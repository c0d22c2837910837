package nlp

import (
	"strings"
	"unicode"
)

// Words that raise frustration. Threats (a bad review, a complaint to the
// authorities) weigh most because they call for a human soon.
var (
	negativeWords = []string{
		"垃圾", "骗子", "骗人", "坑人", "坑爹", "太差", "差劲", "气死", "无语", "恶心", "失望", "烦死", "离谱",
		"忽悠", "滚", "什么破", "破东西", "服了", "搞什么", "有病", "坑", "糟糕", "太慢", "慢死", "磨叽", "敷衍",
		"terrible", "awful", "worst", "useless", "scam", "ridiculous", "angry", "disappointed", "fed up",
		"wtf", "rubbish", "garbage", "horrible", "pathetic", "unacceptable", "furious", "annoyed", "joke",
	}
	threatWords = []string{
		"差评", "投诉", "12315", "消协", "工商", "曝光", "举报", "律师", "起诉", "报警", "退一赔三", "假一赔",
		"bad review", "1 star", "one star", "report you", "lawyer", "sue", "chargeback", "complaint",
	}
	impatienceWords = []string{
		"到底", "究竟", "怎么还没", "还要等多久", "几次了", "多少遍", "又是", "一直没", "等了好久", "催了",
		"still not", "still haven", "how many times", "again", "already asked", "hurry", "asap",
	}
)

// frustration scores how upset a message sounds, from 0 (calm) to 1. Each
// signal is read as an independent chance that a human is needed, and the
// chances combine: 1 − Π(1 − pᵢ).
func frustration(text string, history []string) float64 {
	s := prepare(text)
	calm := 1.0
	hit := func(p float64) { calm *= 1 - p }
	if n := countAny(s, negativeWords); n > 0 {
		hit(0.35)
		if n > 1 {
			hit(0.25)
		}
	}
	if n := countAny(s, threatWords); n > 0 {
		hit(0.55)
		if n > 1 {
			hit(0.2)
		}
	}
	if countAny(s, impatienceWords) > 0 {
		hit(0.25)
	}
	if strings.Count(s, "!") >= 2 || strings.Count(s, "?") >= 3 {
		hit(0.2)
	}
	if shouting(text) {
		hit(0.25)
	}
	if rep := repeats(text, history); rep > 0 {
		hit(min(0.6, 0.3*float64(rep)))
	}
	return 1 - calm
}

func countAny(s string, words []string) int {
	spaced := " " + Normalize(s) + " "
	n := 0
	for _, w := range words {
		if hasHan(w) || strings.ContainsAny(w, "0123456789") {
			if strings.Contains(s, w) {
				n++
			}
		} else if strings.Contains(spaced, " "+w+" ") || strings.Contains(spaced, " "+w+"s ") {
			n++
		}
	}
	return n
}

// shouting reports messages written mostly in capitals (at least two words
// of three or more letters).
func shouting(text string) bool {
	words, loud := 0, 0
	for _, w := range strings.Fields(text) {
		letters, upper := 0, 0
		for _, r := range w {
			if unicode.IsLetter(r) && r < unicode.MaxLatin1 {
				letters++
				if unicode.IsUpper(r) {
					upper++
				}
			}
		}
		if letters >= 3 {
			words++
			if upper == letters {
				loud++
			}
		}
	}
	return loud >= 2 && loud*2 >= words
}

// repeats counts earlier messages that say nearly the same thing again.
func repeats(text string, history []string) int {
	cur := charBigrams(Normalize(text))
	if len(cur) == 0 {
		return 0
	}
	n := 0
	for _, h := range history {
		prev := charBigrams(Normalize(h))
		if jaccard(cur, prev) >= 0.6 {
			n++
		}
	}
	return n
}

func charBigrams(s string) map[string]bool {
	rs := []rune(strings.ReplaceAll(s, " ", ""))
	m := make(map[string]bool, len(rs))
	if len(rs) == 1 {
		m[string(rs)] = true
	}
	for i := 0; i+1 < len(rs); i++ {
		m[string(rs[i:i+2])] = true
	}
	return m
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}
