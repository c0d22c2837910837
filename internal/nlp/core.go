package nlp

import (
	"math"
	"sort"
)

// fuseCentroids are the fusion weights of centroid classifiers (the
// large-FAQ fallback), which are weaker: the nearest neighbour keeps precise
// matches of one phrasing on top and BM25 rewards rare shared words. A
// trained classifier starts ranking alone; calibration then picks its
// weights (see fusionGrid).
var fuseCentroids = [3]float32{0.5, 0.35, 0.15}

// fuseSparse is used when most FAQs have one question and nothing can be
// held out to choose weights.
var fuseSparse = [3]float32{0.4, 0.42, 0.18}

// core is the matching model built from the questions: index and classifier.
type core struct {
	ix    *index
	clf   *linear
	texts []string // question text of each indexed document
	nfaq  int
	fuse  [3]float32 // weights of classifier, neighbour and BM25 in the ranking
	// dense maps sentence vectors to the classifier's dense input; nil
	// unless the classifier has a full softmax and enough of the questions'
	// words have a vector (newDenseSpace).
	dense *denseSpace
	// dead lists, sorted, the FAQ slots an update removed or replaced: they
	// score nothing.
	dead []int32
	// intent, when set, is the built-in intent model's core: its
	// posterior over the intents is part of the classifier's dense input
	// (see intentDenseScale).
	intent *core
}

// buildCore indexes the questions and trains the classifier. closedWorld
// makes unknown words neutral instead of evidence of being out of scope.
func buildCore(qs []questionText, nfaq int, closedWorld bool) *core {
	docs := make([][]feature, len(qs))
	docFAQ := make([]int32, len(qs))
	texts := make([]string, len(qs))
	for i, q := range qs {
		docs[i], docFAQ[i], texts[i] = q.feats, q.faq, q.text
	}
	ix := buildIndex(docs, docFAQ)
	ix.closedWorld = closedWorld
	c := &core{ix: ix, texts: texts, nfaq: nfaq}
	trained := nfaq <= maxLinearClasses && len(ix.post)*nfaq <= maxDenseWeights
	// The classifier's input is the TF-IDF vector and, with a full
	// softmax, the dense input. A sampled softmax (hundreds of FAQs or
	// more) and centroids stay sparse: the dense part would double or
	// triple their training time and cost every query a dot product per
	// FAQ.
	var ds [][]float32
	fullSoftmax := trained && len(qs)*nfaq <= fullSoftmaxPairs
	if fullSoftmax {
		c.dense = newDenseSpace(qs)
		// The intent model's own core (closedWorld) has no intent
		// block: it is what computes it.
		if !closedWorld {
			c.intent = readsIntents(qs)
		}
	}
	if c.dense != nil || c.intent != nil {
		ds = make([][]float32, len(qs))
	}
	xs := make([]sparse, len(qs))
	for i, q := range qs {
		xs[i], _ = ix.vector(q.feats, ix.idf)
		if len(qs) >= 2000 {
			xs[i] = dropSingletons(xs[i], ix)
		}
		if ds != nil {
			ds[i] = c.denseOf(q.feats, q.vec)
		}
	}
	if trained {
		var cands [][]int32
		if !fullSoftmax {
			cands = c.lookalikes(xs, docs)
		}
		c.clf, c.fuse = trainLinear(xs, ds, docFAQ, cands, len(ix.post), c.denseWidth(), nfaq), fusionGrid[0]
	} else {
		c.clf, c.fuse = trainCentroids(xs, docFAQ, len(ix.post), nfaq), fuseCentroids
	}
	return c
}

// When questions × FAQs exceeds fullSoftmaxPairs (about a thousand FAQs with
// a few questions each), a full softmax would blow the build time budget, so
// the classifier trains each question against its sampledClasses most
// similar FAQs (plus random ones) instead of all of them.
const (
	fullSoftmaxPairs = 1 << 20
	sampledClasses   = 32
)

// lookalikes returns, for each question, its own FAQ and the FAQs whose
// questions are nearest to it: the classes it must learn to beat.
func (c *core) lookalikes(xs []sparse, docs [][]feature) [][]int32 {
	out := make([][]int32, len(xs))
	best := make([]float32, c.nfaq)
	for i := range xs {
		x, _ := c.ix.vector(docs[i], c.ix.cidf)
		ds := c.ix.score(x, docs[i])
		clear(best)
		for d, f := range c.ix.docFAQ {
			best[f] = max(best[f], ds.cos[d])
		}
		ds.release()
		s := faqScores{fused: best}
		own := c.ix.docFAQ[i]
		cands := []int32{own}
		for _, f := range s.top(sampledClasses) {
			if int32(f) != own && best[f] > 0 {
				cands = append(cands, int32(f))
			}
		}
		out[i] = cands
	}
	return out
}

func (c *core) memoryBytes() int64 {
	b := c.ix.memoryBytes() + c.clf.memoryBytes() + int64(c.denseWidth())*4
	for _, t := range c.texts {
		b += int64(len(t)) + 16
	}
	return b
}

// faqScores are the per-FAQ scores of one query.
type faqScores struct {
	prob  []float32 // classifier probability
	cos   []float32 // cosine of the nearest question
	bm25  []float32 // BM25 of the best question, over the query's self score
	near  []int32   // document index of the nearest question, -1 if none
	fused []float32
	// known is the share of the query's feature weight that the index knows:
	// a message made of words no FAQ uses is likely out of scope.
	known float32
}

func (c *core) score(tf textFeatures) faqScores {
	var s faqScores
	c.scoreInto(tf, &s)
	return s
}

// scoreInto scores the query into s, reusing its arrays when they are large
// enough: calibration scores hundreds of probes over thousands of FAQs.
func (c *core) scoreInto(tf textFeatures, s *faqScores) {
	feats := tf.feats
	q, known := c.ix.vector(feats, c.ix.idf)
	qc, _ := c.ix.vector(feats, c.ix.cidf)
	ds := c.ix.score(qc, feats)
	defer ds.release()
	if cap(s.prob) < c.nfaq {
		s.prob, s.cos, s.bm25 = make([]float32, c.nfaq), make([]float32, c.nfaq), make([]float32, c.nfaq)
		s.near, s.fused = make([]int32, c.nfaq), make([]float32, c.nfaq)
	}
	s.prob, s.cos, s.bm25 = s.prob[:c.nfaq], s.cos[:c.nfaq], s.bm25[:c.nfaq]
	s.near, s.fused, s.known = s.near[:c.nfaq], s.fused[:c.nfaq], 0
	clear(s.cos)
	clear(s.bm25)
	for i := range s.near {
		s.near[i] = -1
	}
	for d, f := range c.ix.docFAQ {
		if ds.cos[d] > s.cos[f] || s.near[f] < 0 && ds.cos[d] > 0 {
			s.cos[f], s.near[f] = ds.cos[d], int32(d)
		}
		if ds.self > 0 {
			s.bm25[f] = max(s.bm25[f], ds.bm25[d]/ds.self)
		}
	}
	c.clf.logits(q, c.denseOf(tf.feats, tf.vec), s.prob)
	for _, f := range c.dead {
		s.prob[f], s.cos[f], s.bm25[f], s.near[f] = float32(math.Inf(-1)), 0, 0, -1
	}
	softmaxInPlace(s.prob)
	s.refuse(c.fuse)
	var all float32
	for _, f := range feats {
		all += f.w
	}
	if all > 0 {
		s.known = known / all
	}
}

// refuse recomputes the ranking score with other fusion weights.
func (s *faqScores) refuse(w [3]float32) {
	for f := range s.fused {
		s.fused[f] = w[0]*s.prob[f] + w[1]*s.cos[f] + w[2]*s.bm25[f]
	}
}

// top returns the indexes of the k FAQs with the highest fused score.
func (s *faqScores) top(k int) []int {
	idx := make([]int, 0, k+1)
	for f, v := range s.fused {
		if len(idx) == k && v <= s.fused[idx[k-1]] {
			continue
		}
		pos := sort.Search(len(idx), func(i int) bool { return s.fused[idx[i]] < v })
		idx = append(idx, 0)
		copy(idx[pos+1:], idx[pos:])
		idx[pos] = f
		if len(idx) > k {
			idx = idx[:k]
		}
	}
	return idx
}

// dropSingletons removes features seen in one question only: with thousands
// of questions they are mostly typos and rare pairs that only let the
// classifier memorise that one question, and they slow training down.
func dropSingletons(x sparse, ix *index) sparse {
	out := sparse{ids: x.ids[:0], ws: x.ws[:0]}
	for k, id := range x.ids {
		if len(ix.post[id]) > 1 {
			out.ids = append(out.ids, id)
			out.ws = append(out.ws, x.ws[k])
		}
	}
	return out
}
