package nlp

import (
	"math"
	"slices"
	"sync"
)

// BM25 parameters: the usual defaults, with a lower length normalisation
// because questions are short and of similar length.
const (
	bm25K1 = 1.2
	bm25B  = 0.5
)

// posting records that a feature occurs in a document (one standard or
// similar question). Both per-document weights are computed at build time so
// that scoring a query is one multiply-add per posting.
type posting struct {
	doc int32
	tf  float32 // weighted term frequency while building; then the BM25 term weight
	cos float32 // TF-IDF weight over the document's norm
}

// commonShare: features in more than this share of the documents (when there
// are many) are skipped when scoring documents; they cost the most time and
// tell documents apart the least. The classifier still uses them.
const commonShare = 0.1

// sparse is a feature vector: vocabulary ids with weights, sorted by id.
type sparse struct {
	ids []int32
	ws  []float32
}

// index is an inverted index over every question of every FAQ. It scores a
// query two ways from one pass over the postings: BM25, and the cosine of
// TF-IDF vectors (used for nearest neighbours and by the classifier).
type index struct {
	ids  map[uint64]int32 // feature key → vocabulary id
	post [][]posting      // by vocabulary id
	idf  []float32        // document-level IDF: BM25 and the classifier's input
	// cidf is the IDF over FAQs rather than questions: a word in many
	// questions of one FAQ still tells FAQs apart. It weights the
	// nearest-neighbour cosine, which it makes markedly more accurate.
	cidf    []float32
	docFAQ  []int32 // FAQ index of each document
	docLen  []float32
	docNorm []float32 // L2 norm of each document's TF-IDF vector
	avgLen  float32
	common  int // postings longer than this are skipped when scoring documents
	// closedWorld ignores unknown features (the intent model: every
	// message has some intent); otherwise they count against similarity.
	closedWorld bool
}

// buildIndex indexes documents given as feature lists, each belonging to docFAQ[i].
func buildIndex(docs [][]feature, docFAQ []int32) *index {
	ix := &index{ids: make(map[uint64]int32), docFAQ: docFAQ}
	ix.docLen = make([]float32, len(docs))
	// Count first, so that every posting list is allocated once; ids holds
	// the vocabulary id of every feature of every document, in order.
	var df []int32
	nfeat := 0
	for _, feats := range docs {
		nfeat += len(feats)
	}
	ids := make([]int32, 0, nfeat)
	for _, feats := range docs {
		for _, f := range feats {
			id, ok := ix.ids[f.key]
			if !ok {
				id = int32(len(df))
				ix.ids[f.key] = id
				df = append(df, 0)
			}
			df[id]++
			ids = append(ids, id)
		}
	}
	ix.post = make([][]posting, len(df))
	for id, n := range df {
		ix.post[id] = make([]posting, 0, n)
	}
	var total float32
	for d, feats := range docs {
		for _, f := range feats {
			id := ids[0]
			ids = ids[1:]
			ix.post[id] = append(ix.post[id], posting{doc: int32(d), tf: f.w})
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
	ix.cidf = classIDF(ix.post, docFAQ)
	ix.docNorm = make([]float32, len(docs))
	for id, p := range ix.post {
		for _, e := range p {
			v := e.tf * ix.cidf[id]
			ix.docNorm[e.doc] += v * v
		}
	}
	for d := range ix.docNorm {
		ix.docNorm[d] = float32(math.Sqrt(float64(ix.docNorm[d])))
	}
	for id, p := range ix.post {
		for i, e := range p {
			lenNorm := bm25K1 * (1 - bm25B + bm25B*ix.docLen[e.doc]/ix.avgLen)
			p[i].cos = e.tf * ix.cidf[id] / ix.docNorm[e.doc]
			p[i].tf = e.tf * (bm25K1 + 1) / (e.tf + lenNorm)
		}
	}
	ix.common = int(commonShare * float64(len(docs)))
	if len(docs) < 200 {
		ix.common = len(docs) + 1
	}
	return ix
}

// classIDF computes, for each feature, the IDF over FAQs.
func classIDF(post [][]posting, docFAQ []int32) []float32 {
	nc := 0
	for _, f := range docFAQ {
		nc = max(nc, int(f)+1)
	}
	out := make([]float32, len(post))
	last := make([]int32, nc) // last feature id counted per FAQ, +1
	for id, p := range post {
		cf := 0
		for _, e := range p {
			if f := docFAQ[e.doc]; last[f] != int32(id)+1 {
				last[f] = int32(id) + 1
				cf++
			}
		}
		out[id] = float32(math.Log(1 + (float64(nc)-float64(cf)+0.5)/(float64(cf)+0.5)))
	}
	return out
}

// vector maps features to the vocabulary and returns the L2-normalised
// TF-IDF vector (with the given IDF, ix.idf or ix.cidf) of the known
// features along with the summed raw weight of the known features.
// Unknown features count in the norm with the highest IDF: words no FAQ uses
// make a message less like every FAQ, which is what out-of-scope looks like.
func (ix *index) vector(feats []feature, idf []float32) (vec sparse, known float32) {
	// Each entry packs a vocabulary id (high half) with its weight's bits
	// (low half), so sorting plain integers sorts by id: building a large
	// engine makes tens of thousands of these vectors.
	entries := make([]uint64, 0, len(feats))
	var norm float32
	unknownIDF := ix.unknownIDF()
	for _, f := range feats {
		id, ok := ix.ids[f.key]
		if !ok {
			v := f.w * unknownIDF
			norm += v * v
			continue
		}
		v := f.w * idf[id]
		entries = append(entries, uint64(id)<<32|uint64(math.Float32bits(v)))
		known += f.w
		norm += v * v
	}
	slices.Sort(entries)
	var inv float32
	if norm > 0 {
		inv = 1 / float32(math.Sqrt(float64(norm)))
	}
	vec = sparse{ids: make([]int32, len(entries)), ws: make([]float32, len(entries))}
	for i, e := range entries {
		vec.ids[i], vec.ws[i] = int32(e>>32), math.Float32frombits(uint32(e))*inv
	}
	return vec, known
}

// unknownIDF is the IDF of a feature in no document, or 0 in a closed world.
func (ix *index) unknownIDF() float32 {
	if ix.closedWorld {
		return 0
	}
	n := float64(len(ix.docFAQ))
	return float32(math.Log(1 + (n+0.5)/0.5))
}

// docScores holds, per document, the BM25 score and the TF-IDF cosine.
type docScores struct {
	bm25 []float32
	cos  []float32
	// self is the BM25 score a document identical to the query would get,
	// used to put BM25 on a 0..1 scale comparable across queries.
	self float32
}

// scores recycles per-query score arrays: with thousands of questions they
// would otherwise be most of the garbage a query makes.
var scores sync.Pool

func (ix *index) scratch(n int) *docScores {
	s, _ := scores.Get().(*docScores)
	if s == nil || cap(s.bm25) < n {
		return &docScores{bm25: make([]float32, n), cos: make([]float32, n)}
	}
	s.bm25, s.cos, s.self = s.bm25[:n], s.cos[:n], 0
	clear(s.bm25)
	clear(s.cos)
	return s
}

// release returns score arrays to the pool once the caller is done.
func (s *docScores) release() { scores.Put(s) }

// score scores every document against the query vector q (normalised
// TF-IDF with ix.cidf) and its raw features, known or not.
func (ix *index) score(q sparse, raw []feature) *docScores {
	s := ix.scratch(len(ix.docFAQ))
	for i, id := range q.ids {
		p := ix.post[id]
		if len(p) > ix.common {
			continue
		}
		qw := q.ws[i]
		for _, e := range p {
			s.cos[e.doc] += qw * e.cos
		}
	}
	unknownIDF := ix.unknownIDF()
	for _, f := range raw {
		id, ok := ix.ids[f.key]
		if !ok {
			s.self += f.w * unknownIDF
			continue
		}
		p := ix.post[id]
		if len(p) > ix.common {
			continue
		}
		qw := f.w * ix.idf[id]
		s.self += qw
		for _, e := range p {
			s.bm25[e.doc] += qw * e.tf
		}
	}
	return s
}

func (ix *index) memoryBytes() int64 {
	b := int64(len(ix.ids)) * 24
	for _, p := range ix.post {
		b += int64(cap(p))*12 + 24
	}
	b += int64(len(ix.idf)+len(ix.docFAQ)+len(ix.docLen)+len(ix.docNorm)) * 4
	return b
}
