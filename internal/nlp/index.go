package nlp

import (
	"math"
	"sort"
)

// BM25 parameters: the usual defaults, with a lower length normalisation
// because questions are short and of similar length.
const (
	bm25K1 = 1.2
	bm25B  = 0.5
)

// posting records that a feature occurs in a document (one standard or
// similar question) with a weighted term frequency.
type posting struct {
	doc int32
	tf  float32
}

// sparse is a feature vector: vocabulary ids with weights, sorted by id.
type sparse struct {
	ids []int32
	ws  []float32
}

// index is an inverted index over every question of every FAQ. It scores a
// query two ways from one pass over the postings: BM25, and the cosine of
// TF-IDF vectors (used for nearest neighbours and by the classifier).
type index struct {
	ids     map[uint64]int32 // feature key → vocabulary id
	post    [][]posting      // by vocabulary id
	idf     []float32
	docFAQ  []int32 // FAQ index of each document
	docLen  []float32
	docNorm []float32 // L2 norm of each document's TF-IDF vector
	avgLen  float32
}

// buildIndex indexes documents given as feature lists, each belonging to docFAQ[i].
func buildIndex(docs [][]feature, docFAQ []int32) *index {
	ix := &index{ids: make(map[uint64]int32), docFAQ: docFAQ}
	ix.docLen = make([]float32, len(docs))
	var total float32
	for d, feats := range docs {
		for _, f := range feats {
			id, ok := ix.ids[f.key]
			if !ok {
				id = int32(len(ix.post))
				ix.ids[f.key] = id
				ix.post = append(ix.post, nil)
			}
			ix.post[id] = append(ix.post[id], posting{int32(d), f.w})
			ix.docLen[d] += f.w
		}
		total += ix.docLen[d]
	}
	if len(docs) > 0 {
		ix.avgLen = total / float32(len(docs))
	}
	n := float64(len(docs))
	ix.idf = make([]float32, len(ix.post))
	for id, p := range ix.post {
		df := float64(len(p))
		ix.idf[id] = float32(math.Log(1 + (n-df+0.5)/(df+0.5)))
	}
	ix.docNorm = make([]float32, len(docs))
	for id, p := range ix.post {
		for _, e := range p {
			v := e.tf * ix.idf[id]
			ix.docNorm[e.doc] += v * v
		}
	}
	for d := range ix.docNorm {
		ix.docNorm[d] = float32(math.Sqrt(float64(ix.docNorm[d])))
	}
	return ix
}

// vector maps features to the vocabulary, drops unknown ones and returns the
// L2-normalised TF-IDF vector along with the raw known features.
func (ix *index) vector(feats []feature) (vec sparse, known []feature) {
	var norm float32
	for _, f := range feats {
		id, ok := ix.ids[f.key]
		if !ok {
			continue
		}
		v := f.w * ix.idf[id]
		vec.ids = append(vec.ids, id)
		vec.ws = append(vec.ws, v)
		known = append(known, f)
		norm += v * v
	}
	if norm > 0 {
		inv := 1 / float32(math.Sqrt(float64(norm)))
		for i := range vec.ws {
			vec.ws[i] *= inv
		}
	}
	order := make([]int, len(vec.ids))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return vec.ids[order[a]] < vec.ids[order[b]] })
	out := sparse{ids: make([]int32, len(order)), ws: make([]float32, len(order))}
	for i, o := range order {
		out.ids[i], out.ws[i] = vec.ids[o], vec.ws[o]
	}
	return out, known
}

// docScores holds, per document, the BM25 score and the TF-IDF cosine.
type docScores struct {
	bm25 []float32
	cos  []float32
	// self is the BM25 score a document identical to the query would get,
	// used to put BM25 on a 0..1 scale comparable across queries.
	self float32
}

// score scores every document against the query vector q (normalised TF-IDF)
// and its raw features. skip, when ≥ 0, names a document to ignore (used to
// hold a question out of its own neighbourhood).
func (ix *index) score(q sparse, raw []feature) docScores {
	n := len(ix.docFAQ)
	s := docScores{bm25: make([]float32, n), cos: make([]float32, n)}
	for i, id := range q.ids {
		idf := ix.idf[id]
		qw := q.ws[i]
		for _, p := range ix.post[id] {
			s.cos[p.doc] += qw * p.tf * idf / ix.docNorm[p.doc]
		}
	}
	for _, f := range raw {
		id := ix.ids[f.key]
		idf := ix.idf[id]
		s.self += idf * f.w
		for _, p := range ix.post[id] {
			norm := bm25K1 * (1 - bm25B + bm25B*ix.docLen[p.doc]/ix.avgLen)
			s.bm25[p.doc] += f.w * idf * p.tf * (bm25K1 + 1) / (p.tf + norm)
		}
	}
	return s
}

func (ix *index) memoryBytes() int64 {
	b := int64(len(ix.ids)) * 24
	for _, p := range ix.post {
		b += int64(cap(p))*8 + 24
	}
	b += int64(len(ix.idf)+len(ix.docFAQ)+len(ix.docLen)+len(ix.docNorm)) * 4
	return b
}
