package nlp

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// classWeight is one non-zero weight of the linear model: the weight that a
// feature gives to a class (an FAQ).
type classWeight struct {
	class int32
	w     float32
}

// linear is a multinomial logistic regression over the TF-IDF vectors of the
// questions, one class per FAQ. After training it keeps only noticeable
// weights, as postings by feature, so scoring touches only the query's
// features.
type linear struct {
	nclass int
	byFeat [][]classWeight
	bias   []float32
	// dw are the weights of the dense input (denseSpace), dim per class,
	// class after class; nil when the input has no dense part.
	dw  []float32
	dim int
	// centroids is set when the classes are centroids (trainCentroids)
	// rather than trained.
	centroids bool
}

// lr0 is the initial SGD step; it decays linearly to a tenth over training.
// Inputs are L2-normalised, so one step cannot overshoot wildly.
const lr0 = 1.0

// Training budget: the dense weight matrix used while training may hold at
// most this many weights; beyond it (thousands of FAQs) the engine falls back
// to class centroids, which train in one pass.
const maxDenseWeights = 24 << 20

// maxLinearClasses is the most FAQs a trained classifier is built for; above
// it the classes are centroids, whatever the vocabulary. Training with a
// sampled softmax costs questions × (a lookalike search over every question
// + 41 classes a step), which grows with the square of the FAQ: 2,000 FAQs
// of three questions take 0.5–1 s, 10,000 FAQs written from templates (a
// small vocabulary, so the dense-weight limit did not stop it) took 15–30 s
// and 100 MB of weights, for a classifier that had learnt next to nothing:
// with a few questions per class, a trained class is little better than its
// centroid.
const maxLinearClasses = 2000

// trainLinear fits the model by stochastic gradient descent on the softmax
// loss. The order of examples is shuffled with a fixed seed so that a build
// is reproducible.
//
// cands, when not nil, lists for each example the classes its softmax runs
// over (always including its own): with hundreds of FAQs a full softmax
// costs too much, and the classes that matter are those that look alike.
//
// ds holds the dense input of each example (nil: none), of length dim; only
// with a full softmax (cands nil). The dense weights learn during the first
// denseSteps steps and then stay fixed, each example's dense scores
// computed once: they are few (dim per class) and have learnt by then, while
// a dot product of dim per class at every step would double or triple the
// training time of a large FAQ.
func trainLinear(xs []sparse, ds [][]float32, ys []int32, cands [][]int32, nfeat, dim, nclass int) *linear {
	if cands != nil {
		dim, ds = 0, nil
	}
	t := &trainer{
		w: make([]float32, nfeat*nclass), dw: make([]float32, dim*nclass), bias: make([]float32, nclass),
		nclass: nclass, dim: dim,
	}
	logits := make([]float32, nclass)
	order := make([]int, len(xs))
	for i := range order {
		order[i] = i
	}
	dense := func(i int) []float32 {
		if ds == nil {
			return nil
		}
		return ds[i]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	// Few examples need several passes; many examples learn as much in
	// fewer passes: about 80,000 steps in all, which keeps a large build
	// within its time budget.
	epochs := min(12, max(4, 80000/max(1, len(xs))))
	step := 0
	weight := classWeights(ys, nclass)
	var sampled []int32
	var fixed []float32 // each example's dense scores once the dense weights are fixed
	total := float32(epochs * len(xs))
	for ep := 0; ep < epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			lr := lr0 * (1 - float32(step)/total*0.9) * weight[ys[i]]
			step++
			switch {
			case cands == nil && (ds == nil || step <= denseSteps):
				t.full(logits, xs[i], dense(i), nil, ys[i], lr)
			case cands == nil:
				if fixed == nil {
					fixed = t.denseScores(ds)
				}
				t.full(logits, xs[i], nil, fixed[i*nclass:(i+1)*nclass], ys[i], lr)
			default:
				sampled = append(sampled[:0], cands[i]...)
				for range randomNegatives {
					sampled = append(sampled, int32(rng.IntN(nclass)))
				}
				if len(sampled) > len(logits) {
					logits = make([]float32, len(sampled))
				}
				t.sampled(logits, xs[i], sampled, lr)
			}
		}
	}
	m := sparsifyLinear(t.w, t.bias, nfeat, nclass)
	if dim > 0 {
		m.dw, m.dim = t.dw, dim
	}
	return m
}

// Bounds of a class's example weight (classWeights): a class of one
// phrasing among classes of fifty must not take steps fifty times as long.
const (
	minClassWeight = 0.25
	maxClassWeight = 4
)

// classWeights returns the weight of each class's examples in training: the
// mean number of examples a class over its own, so that every class weighs
// about the same in the loss. How many phrasings a merchant wrote for an FAQ
// says how many ways there are to ask it, not how often buyers do, and a
// classifier that learns the count as a prior ranks the FAQ with fifty
// phrasings above the one with five whenever a message is between them. On
// banking77-full (35 to 187 phrasings an FAQ, queries 40 an FAQ) top1 rose
// from 0.917 to 0.921; sets whose FAQs have equal counts do not change.
func classWeights(ys []int32, nclass int) []float32 {
	count := make([]float32, nclass)
	classes := 0
	for _, y := range ys {
		if count[y] == 0 {
			classes++
		}
		count[y]++
	}
	w := make([]float32, nclass)
	if classes == 0 {
		return w
	}
	mean := float32(len(ys)) / float32(classes)
	for c, n := range count {
		if n > 0 {
			w[c] = min(maxClassWeight, max(minClassWeight, mean/n))
		}
	}
	return w
}

// trainer is the model while it trains: w holds the weights of the sparse
// features, feature after feature (nclass each), dw those of the dense
// input, class after class (dim each).
type trainer struct {
	w, dw, bias []float32
	nclass, dim int
}

// denseSteps is how many steps the dense weights learn for (see trainLinear).
const denseSteps = 10000

// denseScores returns the dense scores of every example under the current
// dense weights, nclass per example.
func (t *trainer) denseScores(ds [][]float32) []float32 {
	out := make([]float32, len(ds)*t.nclass)
	for i, d := range ds {
		if d == nil {
			continue
		}
		for c := range t.nclass {
			out[i*t.nclass+c] = dotDense(t.dw[c*t.dim:(c+1)*t.dim], d)
		}
	}
	return out
}

// full is one SGD step of the softmax over every class. d is the example's
// dense input while the dense weights learn; fixed, its dense scores after.
func (t *trainer) full(logits []float32, x sparse, d, fixed []float32, y int32, lr float32) {
	nclass := t.nclass
	logits = logits[:nclass]
	copy(logits, t.bias)
	for k, f := range x.ids {
		axpy(logits, t.w[int(f)*nclass:int(f+1)*nclass], x.ws[k])
	}
	if d != nil {
		for c := range logits {
			logits[c] += dotDense(t.dw[c*t.dim:(c+1)*t.dim], d)
		}
	}
	if fixed != nil {
		axpy(logits, fixed, 1)
	}
	softmaxInPlace(logits)
	logits[y] -= 1
	// logits becomes the step of each class, zero where the gradient is
	// negligible; each feature's row of weights then takes one axpy.
	for c, g := range logits {
		if g > -1e-4 && g < 1e-4 {
			logits[c] = 0
			continue
		}
		logits[c] = g * lr
		// The bias learns slowly so that an FAQ with many similar
		// questions does not win by its prior alone.
		t.bias[c] -= logits[c] * 0.1
		if d != nil {
			axpy(t.dw[c*t.dim:(c+1)*t.dim], d, -logits[c])
		}
	}
	for k, f := range x.ids {
		axpy(t.w[int(f)*nclass:int(f+1)*nclass], logits, -x.ws[k])
	}
}

// randomNegatives are drawn afresh at each step beside an example's
// lookalikes, so that every class learns against unlike classes too.
const randomNegatives = 8

// sampled is one SGD step of the softmax over the candidate classes only.
// A class drawn twice just gets two updates.
func (t *trainer) sampled(logits []float32, x sparse, cands []int32, lr float32) {
	nclass := t.nclass
	z := logits[:len(cands)]
	for j, c := range cands {
		z[j] = 0
		for k, f := range x.ids {
			z[j] += x.ws[k] * t.w[int(f)*nclass+int(c)]
		}
	}
	softmaxInPlace(z)
	for j, c := range cands {
		g := z[j]
		if j == 0 { // cands[0] is the example's own class
			g -= 1
		}
		if g > -1e-4 && g < 1e-4 {
			continue
		}
		g *= lr
		// No bias here: a class that looks like many others is a sampled
		// negative far more often than it is a positive, and a bias would
		// learn that sampling artefact instead of a prior.
		for k, f := range x.ids {
			t.w[int(f)*nclass+int(c)] -= g * x.ws[k]
		}
	}
}

// sparsifyLinear keeps the weights that can move a score noticeably.
func sparsifyLinear(w, bias []float32, nfeat, nclass int) *linear {
	m := &linear{nclass: nclass, byFeat: make([][]classWeight, nfeat), bias: bias}
	for f := 0; f < nfeat; f++ {
		row := w[f*nclass : (f+1)*nclass]
		var n int
		for _, v := range row {
			if v > 0.01 || v < -0.01 {
				n++
			}
		}
		if n == 0 {
			continue
		}
		out := make([]classWeight, 0, n)
		for c, v := range row {
			if v > 0.01 || v < -0.01 {
				out = append(out, classWeight{int32(c), v})
			}
		}
		m.byFeat[f] = out
	}
	return m
}

// trainCentroids is the classifier for very large FAQs: each class is the
// normalised mean of its questions' vectors and a score is a cosine, scaled
// so that its softmax is about as sharp as a trained model's.
func trainCentroids(xs []sparse, ys []int32, nfeat, nclass int) *linear {
	byClass := make([][]int, nclass)
	for i, c := range ys {
		byClass[c] = append(byClass[c], i)
	}
	m := &linear{nclass: nclass, byFeat: make([][]classWeight, nfeat), bias: make([]float32, nclass), centroids: true}
	var buf []classWeight
	for c, members := range byClass {
		buf = centroid(xs, members, buf[:0])
		for _, cw := range buf {
			m.byFeat[cw.class] = append(m.byFeat[cw.class], classWeight{int32(c), cw.w})
		}
	}
	return m
}

// centroidSharpness scales centroid cosines into logits.
const centroidSharpness = 12

// centroid returns the scaled, normalised sum of the vectors xs[members] as
// (feature, weight) pairs, by feature; classWeight.class holds the feature.
// A class has a handful of questions, so their sorted vectors are merged by
// concatenating and sorting rather than through a map. The result is
// appended to all, which the caller may reuse.
func centroid(xs []sparse, members []int, all []classWeight) []classWeight {
	for _, i := range members {
		for k, f := range xs[i].ids {
			all = append(all, classWeight{f, xs[i].ws[k]})
		}
	}
	slices.SortStableFunc(all, func(a, b classWeight) int { return cmp.Compare(a.class, b.class) })
	out := all[:0]
	for _, cw := range all {
		if n := len(out); n > 0 && out[n-1].class == cw.class {
			out[n-1].w += cw.w
		} else {
			out = append(out, cw)
		}
	}
	var norm float64
	for _, cw := range out {
		norm += float64(cw.w * cw.w)
	}
	inv := float32(centroidSharpness / math.Sqrt(norm+1e-12))
	for i := range out {
		out[i].w *= inv
	}
	return out
}

// logits writes the class scores for q and its dense input dv (nil if
// none) into out (length nclass).
func (m *linear) logits(q sparse, dv []float32, out []float32) {
	copy(out, m.bias)
	if dv != nil && m.dw != nil {
		for c := range out {
			out[c] += dotDense(m.dw[c*m.dim:(c+1)*m.dim], dv)
		}
	}
	for k, f := range q.ids {
		if int(f) >= len(m.byFeat) {
			continue
		}
		v := q.ws[k]
		for _, cw := range m.byFeat[f] {
			out[cw.class] += v * cw.w
		}
	}
}

func (m *linear) memoryBytes() int64 {
	b := int64(len(m.byFeat))*24 + int64(len(m.bias)+len(m.dw))*4
	for _, p := range m.byFeat {
		b += int64(cap(p)) * 8
	}
	return b
}

// softmaxInPlace turns scores into probabilities.
func softmaxInPlace(v []float32) {
	if len(v) == 0 {
		return
	}
	mx := v[0]
	for _, x := range v {
		mx = max(mx, x)
	}
	var sum float32
	for i, x := range v {
		e := float32(math.Exp(float64(x - mx)))
		v[i] = e
		sum += e
	}
	for i := range v {
		v[i] /= sum
	}
}

// axpy adds a·x to dst (len(dst) ≥ len(x)), four at a time: it is the inner
// loop of training.
func axpy(dst, x []float32, a float32) {
	dst = dst[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		d, v := dst[i:i+4:i+4], x[i:i+4:i+4]
		d[0] += a * v[0]
		d[1] += a * v[1]
		d[2] += a * v[2]
		d[3] += a * v[3]
	}
	for ; i < len(x); i++ {
		dst[i] += a * x[i]
	}
}

// dotDense is the dot product of two vectors of the same length.
func dotDense(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
