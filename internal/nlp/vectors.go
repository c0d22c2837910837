package nlp

import (
	_ "embed"
	"encoding/binary"
	"math"
	"sort"
	"sync"
)

// vectorData holds 100-dimensional GloVe vectors of the 40,000 most frequent
// English words, int8 with a scale per word (data/genvec.go writes it, its
// layout is described there; data/NOTICE has the provenance). It is read in
// place: nothing is copied to the heap.
//
//go:embed data/vectors.bin
var vectorData []byte

// wordVectors looks up the embedded vectors. Words are sorted, so a lookup is
// a binary search over the word offsets.
type wordVectors struct {
	n, dim int
	offs   []byte // (n+1) × uint32
	ranks  []byte // n × uint16
	scales []byte // n × float32
	vals   []byte // n × dim int8
	words  []byte
}

// vectors returns the shared table, parsed once on first use.
var vectors = sync.OnceValue(func() *wordVectors { return parseVectors(vectorData) })

func parseVectors(b []byte) *wordVectors {
	le := binary.LittleEndian
	if len(b) < 14 || string(b[:6]) != "xevec1" {
		panic("nlp: embedded vectors.bin is corrupt")
	}
	v := &wordVectors{n: int(le.Uint32(b[6:])), dim: int(le.Uint32(b[10:]))}
	b = b[14:]
	take := func(k int) []byte {
		out := b[:k:k]
		b = b[k:]
		return out
	}
	v.offs = take(4 * (v.n + 1))
	v.ranks = take(2 * v.n)
	v.scales = take(4 * v.n)
	v.vals = take(v.n * v.dim)
	v.words = b
	return v
}

func (v *wordVectors) word(i int) string {
	le := binary.LittleEndian
	return string(v.words[le.Uint32(v.offs[4*i:]):le.Uint32(v.offs[4*i+4:])])
}

// lookup returns the index of word w, or -1.
func (v *wordVectors) lookup(w string) int {
	le := binary.LittleEndian
	at := func(i int) []byte { return v.words[le.Uint32(v.offs[4*i:]):le.Uint32(v.offs[4*i+4:])] }
	i := sort.Search(v.n, func(i int) bool { return string(at(i)) >= w })
	if i < v.n && string(at(i)) == w {
		return i
	}
	return -1
}

// rank is the frequency rank of word i in the source corpus (0 = most frequent).
func (v *wordVectors) rank(i int) int {
	return int(binary.LittleEndian.Uint16(v.ranks[2*i:]))
}

// addTo adds a·vector(i) to dst (length dim).
func (v *wordVectors) addTo(dst []float32, i int, a float32) {
	s := a * math.Float32frombits(binary.LittleEndian.Uint32(v.scales[4*i:]))
	row := v.vals[i*v.dim : (i+1)*v.dim]
	for k := range dst {
		dst[k] += s * float32(int8(row[k]))
	}
}

// vector returns word i's vector as float32.
func (v *wordVectors) vector(i int) []float32 {
	out := make([]float32, v.dim)
	v.addTo(out, i, 1)
	return out
}

// sifA sets how much frequent words are discounted in a sentence vector:
// a word of frequency rank r weighs (r+1)/(r+1+sifA). It is the smooth
// inverse frequency weight a/(a+p(w)) of Arora et al. (2017) with their
// a = 1e-3 and p(w) estimated by Zipf's law over GloVe's 400,000 words
// (p ≈ 1/((r+1)·13.5)).
const sifA = 74

// sentenceVec describes a text by the vectors of its English words as
// written (not stemmed: the vectors know "refunded" and "refund" apart and
// near), stop words included: "where", "when" and "why" tell apart questions
// about the same thing, and the SIF weight keeps them light in the mean.
type sentenceVec struct {
	// v holds three blocks of vectors.dim values: the SIF-weighted mean of
	// the word vectors, and the elementwise maximum and minimum of the unit
	// word vectors ("power means", Rücklé et al. 2018: the extremes keep a
	// salient word that the mean dilutes). nil when no word has a vector,
	// which is always the case for Chinese.
	v []float32
	// share is the share of the text's words that have a vector: in
	// "app怎么下载" the vector of "app" says little about the sentence.
	share float32
}

// sentenceVector computes the sentence vector of a text's tokens.
func sentenceVector(toks []token) sentenceVec {
	var out sentenceVec
	var words, found int
	for _, t := range toks {
		if isNumber(t.text) {
			continue
		}
		words++
		if t.word == "" {
			continue
		}
		v := vectors()
		i := v.lookup(t.word)
		if i < 0 {
			continue
		}
		found++
		d := v.dim
		if out.v == nil {
			out.v = make([]float32, 3*d)
			for k := d; k < 2*d; k++ {
				out.v[k], out.v[k+d] = float32(math.Inf(-1)), float32(math.Inf(1))
			}
		}
		r := float32(v.rank(i) + 1)
		v.addTo(out.v[:d], i, r/(r+sifA))
		w := unit(v.vector(i))
		for k, x := range w {
			out.v[d+k] = max(out.v[d+k], x)
			out.v[2*d+k] = min(out.v[2*d+k], x)
		}
	}
	if found > 0 {
		out.share = float32(found) / float32(words)
	}
	return out
}

// unit scales v to length 1 in place (a zero vector stays zero).
func unit(v []float32) []float32 {
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if n > 0 {
		inv := float32(1 / math.Sqrt(n))
		for i := range v {
			v[i] *= inv
		}
	}
	return v
}

// dotRows is the dot product of the int8 rows of words i and j.
func (v *wordVectors) dotRows(i, j int) int32 {
	a := v.vals[i*v.dim : (i+1)*v.dim]
	b := v.vals[j*v.dim : (j+1)*v.dim]
	var s int32
	for k := range a {
		s += int32(int8(a[k])) * int32(int8(b[k]))
	}
	return s
}
