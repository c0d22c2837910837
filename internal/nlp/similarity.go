package nlp

import (
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/xiaoer-cs/xiaoer/internal/nlp/intentdata"
)

// Vector is a text as the engine sees it: its features (words, synonym
// groups, word pairs and character n-grams), weighted by how rare each is in
// a corpus and scaled to unit length, so that the dot product of two vectors
// is their cosine similarity. Keys are sorted.
type Vector struct {
	keys []uint64
	w    []float32
}

// Empty reports whether the text had no features (only punctuation).
func (v Vector) Empty() bool { return len(v.keys) == 0 }

// Vectorizer turns texts into Vectors with the same features the answer
// engine matches with, so that texts the engine would treat as one question
// land close together. It is immutable once made.
type Vectorizer struct {
	fz  *featurizer
	idf map[uint64]float32
	// unseen is the weight of a feature no corpus text had.
	unseen float32
}

// NewVectorizer learns feature rarity (inverse document frequency) from
// corpus and from the engine's built-in corpus of buyer messages, with the
// built-in synonym groups and the shop's own. The built-in corpus spans
// every kind of buyer question, so the words all questions share (怎么,
// 可以, how, can) weigh little even when corpus is small.
func NewVectorizer(corpus []string, synonyms [][]string) *Vectorizer {
	v := &Vectorizer{fz: &featurizer{syn: builtinSynonyms().withGroups(synonyms)}, idf: map[uint64]float32{}}
	df := map[uint64]int{}
	n := 0
	for _, text := range append(background(), corpus...) {
		feats := v.features(text)
		if len(feats) == 0 {
			continue
		}
		n++
		for _, f := range feats {
			df[f.key]++
		}
	}
	for k, d := range df {
		v.idf[k] = float32(math.Log(1 + float64(n)/float64(d)))
	}
	v.unseen = float32(math.Log(1 + float64(n+1)))
	return v
}

// background is the built-in intent corpus, one buyer message a line.
var background = sync.OnceValue(func() []string {
	var out []string
	for _, line := range dataLines(intentdata.Train) {
		if !strings.HasPrefix(line, "[") {
			out = append(out, line)
		}
	}
	return out
})

// Vector returns the text's weighted, unit-length feature vector.
func (v *Vectorizer) Vector(text string) Vector {
	feats := v.features(text) // sorted by key
	out := Vector{keys: make([]uint64, 0, len(feats)), w: make([]float32, 0, len(feats))}
	var norm float64
	for _, f := range feats {
		idf, ok := v.idf[f.key]
		if !ok {
			idf = v.unseen
		}
		w := f.w * idf
		if w <= 0 {
			continue
		}
		out.keys = append(out.keys, f.key)
		out.w = append(out.w, w)
		norm += float64(w) * float64(w)
	}
	scale(out.w, norm)
	return out
}

// Cosine is the cosine similarity of two vectors: 1 for the same features
// in the same proportions, 0 for nothing in common.
func Cosine(a, b Vector) float64 {
	var dot float64
	i, j := 0, 0
	for i < len(a.keys) && j < len(b.keys) {
		switch {
		case a.keys[i] == b.keys[j]:
			dot += float64(a.w[i]) * float64(b.w[j])
			i++
			j++
		case a.keys[i] < b.keys[j]:
			i++
		default:
			j++
		}
	}
	return dot
}

// Centroid is the unit-length mean of vectors: the direction a group of
// texts shares. Weights, when given, count each vector that many times.
func Centroid(vs []Vector, weights []float64) Vector {
	var s Sum
	for i, v := range vs {
		wt := 1.0
		if weights != nil {
			wt = weights[i]
		}
		s.Add(v, wt)
	}
	return s.Vector()
}

// scale divides w by the square root of norm (the sum of squares) in place.
func scale(w []float32, norm float64) {
	if norm <= 0 {
		return
	}
	inv := float32(1 / math.Sqrt(norm))
	for i := range w {
		w[i] *= inv
	}
}

// Weights of the feature kinds a Vector is made of. A synonym group counts
// as much as the word itself, so that two words for one thing meet fully;
// character bigrams catch words the segmenter cut differently (开发票 →
// 开发/票 still shares 发票). Single characters and trigrams, which help the
// engine rank FAQs, only blur which question a text asks.
const (
	simWord    = 1.0
	simSyn     = 1.0
	simPair    = 0.5
	simHanBi   = 0.5
	simHanUni  = 0.3
	simLatinNg = 0.3
)

// features extracts a text's similarity features, merged by key and
// sorted.
func (v *Vectorizer) features(text string) []feature {
	norm := Normalize(text)
	acc := map[uint64]float32{}
	add := func(kind byte, s string, w float32) { acc[hashKey(kind, s)] += w }
	var content []string
	for _, t := range tokenize(norm) {
		if t.stop {
			continue
		}
		content = append(content, t.text)
		add('w', t.text, simWord)
		if g, ok := v.fz.syn.group[t.text]; ok {
			add('s', g, simSyn)
		}
		if !t.han && !isNumber(t.text) {
			latinGrams(t.text, func(g string) { add('g', g, simLatinNg) })
		}
	}
	for phrase, g := range v.fz.syn.phrases {
		if strings.Contains(norm, phrase) {
			add('s', g, simSyn)
		}
	}
	for i := 1; i < len(content); i++ {
		add('b', content[i-1]+" "+content[i], simPair)
	}
	for _, run := range splitRuns(norm) {
		if !run.han {
			continue
		}
		rs := []rune(run.text)
		for i := range rs {
			if !stopZh[string(rs[i])] {
				add('c', string(rs[i]), simHanUni)
			}
			if i+1 < len(rs) {
				add('d', string(rs[i:i+2]), simHanBi)
			}
		}
	}
	out := make([]feature, 0, len(acc))
	for k, w := range acc {
		out = append(out, feature{k, w})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// Sum adds vectors up, for a running centroid: adding one costs its own
// features, not the group's. The zero value is an empty sum.
type Sum struct {
	acc map[uint64]float64
}

// Add adds v, counted weight times.
func (s *Sum) Add(v Vector, weight float64) {
	if s.acc == nil {
		s.acc = map[uint64]float64{}
	}
	for i, k := range v.keys {
		s.acc[k] += weight * float64(v.w[i])
	}
}

// Vector is the sum's direction: the unit-length centroid of what was
// added.
func (s *Sum) Vector() Vector {
	out := Vector{keys: make([]uint64, 0, len(s.acc)), w: make([]float32, 0, len(s.acc))}
	for k := range s.acc {
		out.keys = append(out.keys, k)
	}
	sort.Slice(out.keys, func(i, j int) bool { return out.keys[i] < out.keys[j] })
	var norm float64
	for _, k := range out.keys {
		w := s.acc[k]
		out.w = append(out.w, float32(w))
		norm += w * w
	}
	scale(out.w, norm)
	return out
}
