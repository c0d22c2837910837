package nlp

import (
	"slices"
	"strings"
)

// A buyer who types a shop's own question, word for word or with a greeting
// in front and a particle at the end, must get that question's answer: the
// merchant wrote it, so there is nothing to guess. The statistical ranking
// cannot promise this. With thousands of templated FAQs ("3号款羽绒服面料是怎样的"
// beside "1号款…") the classifier spreads its probability so thin that the
// calibrated confidence of a perfect match stays low, and a near-duplicate
// the classifier happens to favour can outrank the question itself. So the
// engine keeps a table from each question's verbatim key to its FAQ, and a
// message whose key belongs to exactly one FAQ is ranked first and answered
// (unless the merchant's thresholds forbid answering at all).

// verbatimConfidence is the confidence reported for a message that is one
// FAQ's own question: above every calibrated answer threshold (at most
// 0.95), below an override that turns answering off (above 1).
const verbatimConfidence = 0.99

// verbatimFront are greetings and politeness buyers put before a question;
// verbatimBack are the sentence particles and thanks they put after it.
// Latin entries must stand as whole words. Words that change meaning (了, 不,
// not) are never stripped, nor 请问下 and the like: 请问下单后… is 下单.
var (
	verbatimFront = []string{"亲亲", "亲", "你好", "您好", "在吗", "请问一下", "请问", "问一下",
		"想问一下", "我想问一下", "麻烦问一下", "麻烦", "hello", "hi", "hey", "please"}
	verbatimBack = []string{"谢谢", "吗", "呢", "呀", "啊", "哦", "噢", "嘛", "哈", "啦", "呐", "please", "thanks", "thank you"}
)

// verbatimKey returns the form under which a normalised text counts as the
// same question: greetings in front and particles behind removed, spaces
// dropped. A text that is nothing but a greeting keeps it ("你好" is a
// question some shops answer).
func verbatimKey(norm string) string {
	s := norm
	for changed := true; changed; {
		changed = false
		for _, p := range verbatimFront {
			if rest, ok := strings.CutPrefix(s, p); ok && rest != "" && wordEdge(p, rest[0]) {
				s, changed = strings.TrimLeft(rest, " "), true
			}
		}
		for _, p := range verbatimBack {
			if rest, ok := strings.CutSuffix(s, p); ok && rest != "" && wordEdge(p, rest[len(rest)-1]) {
				s, changed = strings.TrimRight(rest, " "), true
			}
		}
	}
	return strings.ReplaceAll(s, " ", "")
}

// wordEdge reports whether an affix may be cut next to byte b: a Latin affix
// only where a space separates it from the rest, so "hi" is not cut from
// "hiking".
func wordEdge(affix string, b byte) bool {
	return affix[0] >= 0x80 || b == ' '
}

// verbatimTable maps the verbatim key of every question to the FAQs that
// have a question with that key (usually one). It is shared between engines
// made by With and Without, so it is never changed in place: they copy it.
type verbatimTable map[string][]int32

// buildVerbatim indexes the questions (their keys are computed with their
// features, in parallel).
func buildVerbatim(qs []questionText) verbatimTable {
	t := make(verbatimTable, len(qs))
	for _, q := range qs {
		if fs := t[q.key]; q.key != "" && !slices.Contains(fs, q.faq) {
			t[q.key] = append(fs, q.faq)
		}
	}
	return t
}

// keys returns the verbatim keys of a FAQ's questions.
func verbatimKeys(f FAQ) []string {
	var out []string
	for _, q := range append([]string{f.Question}, f.Similar...) {
		if k := verbatimKey(Normalize(q)); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// add records the questions of FAQ f (at index i).
func (t verbatimTable) add(f FAQ, i int32) {
	for _, k := range verbatimKeys(f) {
		if fs := t[k]; !slices.Contains(fs, i) {
			t[k] = append(slices.Clip(fs), i)
		}
	}
}

// remove forgets the questions of FAQ f (at index i).
func (t verbatimTable) remove(f FAQ, i int32) {
	for _, k := range verbatimKeys(f) {
		fs := slices.DeleteFunc(slices.Clone(t[k]), func(g int32) bool { return g == i })
		if len(fs) == 0 {
			delete(t, k)
		} else {
			t[k] = fs
		}
	}
}

// lookup returns the FAQ whose question the normalised message is, or -1
// when none is, or several are.
func (t verbatimTable) lookup(norm string) int {
	if fs := t[verbatimKey(norm)]; len(fs) == 1 {
		return int(fs[0])
	}
	return -1
}

func (t verbatimTable) memoryBytes() int64 {
	var b int64
	for k, fs := range t {
		b += int64(len(k)) + 48 + 4*int64(cap(fs))
	}
	return b
}
