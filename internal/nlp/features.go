package nlp

import (
	"cmp"
	"slices"
	"strings"
)

// Feature kinds and their weights. Words carry the most meaning; character
// n-grams let a word the dictionary lacks, a typo or an inflection still
// match; synonym groups let different words for one thing match, but a little
// less than the same word.
const (
	weightWord    = 1.0
	weightSyn     = 0.6
	weightBigram  = 0.6
	weightHanUni  = 0.5
	weightHanBi   = 0.8
	weightHanTri  = 0.5
	weightLatinNg = 0.5
	weightJoined  = 0.5
)

// feature is one weighted term of a text, before it gets a vocabulary id.
type feature struct {
	key uint64
	w   float32
}

// hashKey is FNV-1a over the kind byte and the text, inlined to avoid an
// allocation per feature.
func hashKey(kind byte, s string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h = (h ^ uint64(kind)) * prime
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * prime
	}
	return h
}

// featurizer turns normalized text into features. It is immutable.
type featurizer struct {
	syn *synonyms
	// numbers is the weight of number words when set (see numberWeight);
	// otherwise they weigh as any word.
	numbers float32
}

// textFeatures holds what one text yields: its tokens, for explanation, and
// its features, merged by key.
type textFeatures struct {
	tokens []token
	feats  []feature
	vec    sentenceVec // for the classifier's dense input
}

func (fz *featurizer) extract(norm string) textFeatures {
	toks := tokenize(norm)
	acc := make(map[uint64]float32, 4*len(toks)+8)
	add := func(kind byte, s string, w float32) { acc[hashKey(kind, s)] += w }

	var content []string
	for _, t := range toks {
		if t.stop {
			continue
		}
		content = append(content, t.text)
		if isNumber(t.text) && fz.numbers > 0 {
			add('w', t.text, fz.numbers)
		} else {
			add('w', t.text, weightWord)
		}
		if g, ok := fz.syn.group[t.text]; ok {
			add('s', g, weightSyn)
		}
		if !t.han && !isNumber(t.text) {
			latinGrams(t.text, func(g string) { add('g', g, weightLatinNg) })
		}
	}
	// English phrases of two words ("send back", "in pieces"): adjacent,
	// or in order with stop words and at most one other word between
	// ("send it back", "send the jumper back").
	var latin, words []string
	for _, t := range toks {
		if !t.han && !isNumber(t.text) {
			latin = append(latin, t.text)
			if !t.stop {
				words = append(words, t.text)
			}
		}
	}
	phrase := func(a, b string) {
		if g, ok := fz.syn.group[a+" "+b]; ok {
			add('s', g, weightSyn)
		}
	}
	for i := 1; i < len(latin); i++ {
		phrase(latin[i-1], latin[i])
	}
	for i := range words {
		for j := i + 1; j <= i+2 && j < len(words); j++ {
			phrase(words[i], words[j])
		}
	}
	for phrase, g := range fz.syn.phrases {
		if strings.Contains(norm, phrase) {
			add('s', g, weightSyn)
		}
	}
	for i := 1; i < len(content); i++ {
		add('b', content[i-1]+" "+content[i], weightBigram)
	}
	joinedWords(toks, func(w string) { add('w', w, weightJoined) })
	for _, run := range splitRuns(norm) {
		if run.han {
			hanGrams(run.text, add)
		}
	}
	feats := make([]feature, 0, len(acc))
	for k, w := range acc {
		feats = append(feats, feature{k, w})
	}
	slices.SortFunc(feats, func(a, b feature) int { return cmp.Compare(a.key, b.key) })
	return textFeatures{tokens: toks, feats: feats, vec: sentenceVector(toks)}
}

// hanGrams adds character unigrams, bigrams and trigrams of a Chinese run.
func hanGrams(s string, add func(kind byte, s string, w float32)) {
	rs := []rune(s)
	for i := range rs {
		if !stopZh[string(rs[i])] {
			add('c', string(rs[i]), weightHanUni)
		}
		if i+1 < len(rs) {
			add('d', string(rs[i:i+2]), weightHanBi)
		}
		if i+2 < len(rs) {
			add('t', string(rs[i:i+3]), weightHanTri)
		}
	}
}

// latinGrams calls fn with the character 3- and 4-grams of a word wrapped in
// boundary marks, so "deliveri" shares grams with "deliv".
func latinGrams(w string, fn func(string)) {
	s := "<" + w + ">"
	if len(s) <= 4 {
		return
	}
	for n := 3; n <= 4; n++ {
		for i := 0; i+n <= len(s); i++ {
			fn(s[i : i+n])
		}
	}
}

// joinedWords calls fn with each pair of adjacent English words written as
// one stem (top up → topup, log in → login, topping up → topup), so spellings
// with and without a space or hyphen meet. Stop words take part: "how much", "can i", "do not"
// carry meaning as pairs that they lack alone.
func joinedWords(toks []token, fn func(string)) {
	for i := 1; i < len(toks); i++ {
		a, b := toks[i-1], toks[i]
		if !a.han && !b.han && !isNumber(a.text) && !isNumber(b.text) {
			fn(a.text + b.text)
		}
	}
}
