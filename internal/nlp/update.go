package nlp

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Publishing one FAQ in a shop of 10,000 must be answerable within a second,
// and a full Build of that shop (featurising 30,000 questions, indexing,
// calibrating) takes about that long on a quiet machine and several times
// longer on a busy one. Update therefore changes an engine in place of a
// rebuild, copy-on-write so the old engine keeps serving:
//
//   - FAQ slots only grow. A removed or replaced FAQ's slot is marked dead:
//     its scores are zeroed at match time and its verbatim keys dropped. A
//     new or edited FAQ takes a new slot at the end.
//   - The new questions are appended to the index. Features the index has
//     not seen get IDFs from the current counts; the IDFs of known features,
//     the average length and every existing posting stay as they were.
//   - The classifier gets one class for each new FAQ. A centroid classifier
//     (large shops) gets exactly the centroid a full build would compute. A
//     trained one gets the centroid scaled so that the new FAQ's questions
//     score as strongly for it as the shop's own questions do for theirs:
//     it has not learnt to beat its lookalikes, which is what a rebuild adds.
//   - Calibration (calibrator, thresholds and fusion weights) is kept.
//
// So an updated engine ranks and decides like a rebuilt one up to IDF drift
// and the new classes' training; the caller rebuilds in the background and
// swaps the result in (see kb.Engines). Incremental counts the changes since
// the last full build.

// With returns a new engine in which each faq is added, or replaces the FAQ
// with the same ID, without a rebuild (see Update).
func (e *Engine) With(faqs ...FAQ) (*Engine, error) { return e.Update(faqs, nil) }

// Without returns a new engine without the FAQs with the given IDs (unknown
// IDs are ignored), without a rebuild (see Update).
func (e *Engine) Without(ids ...string) (*Engine, error) { return e.Update(nil, ids) }

// Update returns a new engine in which the FAQs in changed are added or
// replace those with the same IDs and the FAQs with the IDs in removed are
// gone. It does not retrain or recalibrate: it costs milliseconds where a
// Build of a large FAQ costs a second or more. The receiver is unchanged and
// may still be in use.
func (e *Engine) Update(changed []FAQ, removed []string) (*Engine, error) {
	slot := make(map[string]int, len(e.faqs))
	for i, f := range e.faqs {
		if !e.core.isDead(i) {
			slot[f.ID] = i
		}
	}
	seen := map[string]bool{}
	for i, f := range changed {
		switch {
		case strings.TrimSpace(f.ID) == "":
			return nil, fmt.Errorf("nlp: changed faq %d: empty id", i)
		case seen[f.ID]:
			return nil, fmt.Errorf("nlp: faq %q: duplicate id", f.ID)
		case strings.TrimSpace(f.Question) == "":
			return nil, fmt.Errorf("nlp: faq %q: empty question", f.ID)
		}
		seen[f.ID] = true
	}
	var kill []int32
	gone := 0 // FAQs removed rather than replaced
	for _, id := range append(slices.Collect(maps.Keys(seen)), removed...) {
		if i, ok := slot[id]; ok {
			kill = append(kill, int32(i))
			delete(slot, id)
			if !seen[id] {
				gone++
			}
		}
	}
	if len(slot)+len(changed) == 0 {
		return nil, ErrNoFAQ
	}
	if len(changed)+len(kill) == 0 {
		return e, nil // an engine is immutable: nothing to copy
	}
	slices.Sort(kill)
	ne := *e
	ne.faqs = append(slices.Clip(e.faqs), changed...)
	ne.live = len(slot) + len(changed)
	ne.changes = e.changes + len(changed) + gone
	ne.verbatim = maps.Clone(e.verbatim)
	for _, i := range kill {
		ne.verbatim.remove(e.faqs[i], i)
	}
	for k, f := range changed {
		ne.verbatim.add(f, int32(len(e.faqs)+k))
	}
	ne.answers = answerGroups(ne.faqs)
	ne.core = e.core.update(e.fz, changed, ne.faqs, len(e.faqs), kill)
	return &ne, nil
}

// Incremental returns how many FAQs were added, changed or removed since
// the engine was last built from scratch.
func (e *Engine) Incremental() int { return e.changes }

// isDead reports whether FAQ slot f was removed or replaced.
func (c *core) isDead(f int) bool {
	_, dead := slices.BinarySearch(c.dead, int32(f))
	return dead
}

// update returns a copy of the core with the questions of faqs indexed as
// FAQ slots first, first+1, … and the slots in kill (sorted) dead. all is
// every FAQ of the engine (see answerDocs).
func (c *core) update(fz *featurizer, faqs, all []FAQ, first int, kill []int32) *core {
	nc := *c
	nc.nfaq = first + len(faqs)
	nc.dead = append(slices.Clip(c.dead), kill...)
	slices.Sort(nc.dead)
	nc.dead = slices.Compact(nc.dead)
	qs := questionFeatures(fz, faqs, all)
	if len(qs) == 0 {
		nc.clf = c.clf.withClasses(nc.nfaq, nil, nil, 0)
		return &nc
	}
	docs := make([][]feature, len(qs))
	docFAQ := make([]int32, len(qs))
	nc.texts = slices.Clone(c.texts)
	for i, q := range qs {
		docs[i], docFAQ[i] = q.feats, q.faq+int32(first)
		nc.texts = append(nc.texts, q.text)
	}
	nc.ix = c.ix.withDocs(docs, docFAQ, nc.nfaq)
	// Class vectors as buildCore makes them: xs[i] is the vector of docs[i],
	// its dense input (in the space of the build) after the sparse features.
	members := make(map[int32][]int, len(faqs))
	xs := make([]sparse, len(docs))
	nsparse := len(nc.ix.post)
	for i := range docs {
		xs[i], _ = nc.ix.vector(docs[i], nc.ix.idf)
		if len(nc.ix.docFAQ) >= 2000 {
			xs[i] = dropSingletons(xs[i], nc.ix)
		}
		xs[i] = extend(xs[i], c.denseOf(qs[i].feats, qs[i].vec), nsparse)
		members[docFAQ[i]] = append(members[docFAQ[i]], i)
	}
	classes := make(map[int32][]classWeight, len(members))
	for f, ds := range members {
		classes[f] = centroid(xs, ds, nil)
	}
	var bias map[int32]float32
	if !c.clf.centroids {
		bias = c.scaleToTrained(fz, classes, xs, members)
	}
	nc.clf = c.clf.withClasses(nc.nfaq, classes, bias, nsparse)
	return &nc
}

// scaleToTrained rescales centroid classes so that they score their own
// questions as strongly as the trained classes score theirs (medians over a
// sample of the indexed questions), and returns their biases: the median
// bias of the trained classes.
func (c *core) scaleToTrained(fz *featurizer, classes map[int32][]classWeight, xs []sparse, members map[int32][]int) map[int32]float32 {
	var own, biases []float32
	logits := make([]float32, c.nfaq)
	step := max(1, len(c.texts)/64)
	for d := 0; d < len(c.texts); d += step {
		f := c.ix.docFAQ[d]
		if c.isDead(int(f)) {
			continue
		}
		tf := fz.extract(Normalize(c.texts[d]))
		q, _ := c.ix.vector(tf.feats, c.ix.idf)
		c.clf.logits(q, c.denseOf(tf.feats, tf.vec), logits)
		own = append(own, logits[f]-c.clf.bias[f])
	}
	for f, b := range c.clf.bias {
		if !c.isDead(f) {
			biases = append(biases, b)
		}
	}
	target, b := median(own), median(biases)
	out := make(map[int32]float32, len(classes))
	for f, ws := range classes {
		var raw []float32
		for _, d := range members[f] {
			raw = append(raw, dot(ws, xs[d]))
		}
		if r := median(raw); r > 0 && target > 0 {
			for k := range ws {
				ws[k].w *= target / r
			}
		}
		out[f] = b
	}
	return out
}

// dot is the dot product of a centroid (classWeight.class holds the
// feature) and a vector, both sorted by feature.
func dot(ws []classWeight, x sparse) float32 {
	var s float32
	i := 0
	for k, f := range x.ids {
		for i < len(ws) && ws[i].class < f {
			i++
		}
		if i < len(ws) && ws[i].class == f {
			s += ws[i].w * x.ws[k]
		}
	}
	return s
}

// median returns the median of v (0 when empty); v is sorted in place.
func median(v []float32) float32 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// withClasses returns a copy of the model with nclass classes, the new ones
// (keys of classes, each a centroid whose classWeight.class holds the
// feature, the dense input from nsparse on) given their weights and biases.
func (m *linear) withClasses(nclass int, classes map[int32][]classWeight, bias map[int32]float32, nsparse int) *linear {
	nm := *m
	nm.nclass = nclass
	nm.bias = append(slices.Clip(m.bias), make([]float32, nclass-len(m.bias))...)
	if m.dw != nil {
		nm.dw = append(slices.Clip(m.dw), make([]float32, nclass*m.dim-len(m.dw))...)
	}
	nm.byFeat = slices.Clone(m.byFeat)
	owned := map[int32]bool{}
	for _, c := range slices.Sorted(maps.Keys(classes)) {
		nm.bias[c] = bias[c]
		for _, cw := range classes[c] {
			f := cw.class
			if int(f) >= nsparse {
				if nm.dw != nil {
					nm.dw[int(c)*nm.dim+int(f)-nsparse] = cw.w
				}
				continue
			}
			for int(f) >= len(nm.byFeat) {
				nm.byFeat = append(nm.byFeat, nil)
			}
			if !owned[f] {
				nm.byFeat[f], owned[f] = slices.Clip(nm.byFeat[f]), true
			}
			nm.byFeat[f] = append(nm.byFeat[f], classWeight{c, cw.w})
		}
	}
	return &nm
}

// withDocs returns a copy of the index with docs (belonging to FAQ slots
// docFAQ, of nfaq slots in all) appended. Existing postings and IDFs are
// kept; features first seen here get IDFs from the current counts.
func (ix *index) withDocs(docs [][]feature, docFAQ []int32, nfaq int) *index {
	nx := *ix
	base := len(ix.docFAQ)
	nx.docFAQ = append(slices.Clip(ix.docFAQ), docFAQ...)
	nx.docLen = append(slices.Clip(ix.docLen), make([]float32, len(docs))...)
	nx.docNorm = append(slices.Clip(ix.docNorm), make([]float32, len(docs))...)
	nx.post = slices.Clone(ix.post)
	nx.idf, nx.cidf = slices.Clone(ix.idf), slices.Clone(ix.cidf)
	// Vocabulary ids of new features, with their document and FAQ counts.
	df, cf := map[int32]int{}, map[int32]map[int32]bool{}
	cloned := false
	for k, feats := range docs {
		for _, f := range feats {
			id, ok := nx.ids[f.key]
			if !ok {
				if !cloned {
					nx.ids, cloned = maps.Clone(ix.ids), true
				}
				id = int32(len(nx.post))
				nx.ids[f.key] = id
				nx.post = append(nx.post, nil)
				nx.idf, nx.cidf = append(nx.idf, 0), append(nx.cidf, 0)
				cf[id] = map[int32]bool{}
			}
			if m, isNew := cf[id]; isNew {
				df[id]++
				m[docFAQ[k]] = true
			}
		}
	}
	n := float64(len(nx.docFAQ))
	for id, d := range df {
		nx.idf[id] = float32(math.Log(1 + (n-float64(d)+0.5)/(float64(d)+0.5)))
		c := float64(len(cf[id]))
		nx.cidf[id] = float32(math.Log(1 + (float64(nfaq)-c+0.5)/(c+0.5)))
	}
	if nx.avgLen == 0 { // the engine had no question with a feature yet
		var total float32
		for _, feats := range docs {
			for _, f := range feats {
				total += f.w
			}
		}
		nx.avgLen = total / float32(len(docs))
	}
	owned := map[int32]bool{}
	for k, feats := range docs {
		d := base + k
		var norm float32
		for _, f := range feats {
			id := nx.ids[f.key]
			nx.docLen[d] += f.w
			v := f.w * nx.cidf[id]
			norm += v * v
		}
		nx.docNorm[d] = float32(math.Sqrt(float64(norm)))
		lenNorm := bm25K1 * (1 - bm25B + bm25B*nx.docLen[d]/nx.avgLen)
		for _, f := range feats {
			id := nx.ids[f.key]
			if !owned[id] {
				nx.post[id], owned[id] = slices.Clip(nx.post[id]), true
			}
			p := posting{doc: int32(d), tf: f.w * (bm25K1 + 1) / (f.w + lenNorm)}
			if nx.docNorm[d] > 0 {
				p.cos = f.w * nx.cidf[id] / nx.docNorm[d]
			}
			nx.post[id] = append(nx.post[id], p)
		}
	}
	return &nx
}
