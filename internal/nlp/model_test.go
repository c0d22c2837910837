package nlp

import (
	"math"
	"testing"
)

func TestPickThreshold(t *testing.T) {
	// Confidence is the first signal through a calibrator that passes it on.
	cal := calibrator{w: signals{0, 1}}
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	mk := func(p float64, good bool) heldOut {
		return heldOut{x: signals{0, logit(p)}, top1: good, weight: 1}
	}
	var ex []heldOut
	for i := 0; i < 40; i++ { // confident and right
		ex = append(ex, mk(0.9+float64(i)/1000, true))
	}
	for i := 0; i < 20; i++ { // middling, half right
		ex = append(ex, mk(0.6+float64(i)/1000, i%2 == 0))
	}
	for i := 0; i < 40; i++ { // unsure and wrong
		ex = append(ex, mk(0.2+float64(i)/1000, false))
	}
	good := func(h heldOut) bool { return h.top1 }
	thr := pickThreshold(ex, cal, good, 0.9, 0, 1)
	if thr < 0.6 || thr > 0.95 {
		t.Errorf("threshold %.3f, want between the middling and confident groups' lower edges", thr)
	}
	if got := pickThreshold(ex, cal, good, 0.9, 0.97, 0.99); got != 0.97 {
		t.Errorf("lower clamp ignored: %.3f", got)
	}
	if got := pickThreshold(ex[40:], cal, good, 0.9, 0, 0.95); got != 0.95 {
		t.Errorf("unreachable precision should give the upper clamp, got %.3f", got)
	}
}

func TestFitCalibratorLearnsDirection(t *testing.T) {
	var ex []heldOut
	for i := 0; i < 200; i++ {
		p := float64(i) / 200
		ex = append(ex, heldOut{x: signals{1, p, p, p, 0, p, p, 1, 1}, top1: p > 0.5, weight: 1})
	}
	cal := fitCalibrator(ex, len(ex))
	lo := cal.confidence(signals{1, 0.1, 0.1, 0.1, 0, 0.1, 0.1, 1, 1})
	hi := cal.confidence(signals{1, 0.9, 0.9, 0.9, 0, 0.9, 0.9, 1, 1})
	if !(hi > 0.8 && lo < 0.3) {
		t.Errorf("confidence low %.2f high %.2f", lo, hi)
	}
}

func TestTrainLinearSeparatesClasses(t *testing.T) {
	// Three classes, each marked by its own feature plus a shared one.
	xs := []sparse{
		{ids: []int32{0, 3}, ws: []float32{0.8, 0.6}},
		{ids: []int32{1, 3}, ws: []float32{0.8, 0.6}},
		{ids: []int32{2, 3}, ws: []float32{0.8, 0.6}},
	}
	ys := []int32{0, 1, 2}
	for _, tt := range []struct {
		name  string
		cands [][]int32
	}{
		{"full softmax", nil},
		{"sampled softmax", [][]int32{{0, 1}, {1, 2}, {2, 0}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := trainLinear(xs, nil, ys, tt.cands, 4, 0, 3)
			out := make([]float32, 3)
			for i, x := range xs {
				m.logits(x, nil, out)
				softmaxInPlace(out)
				best := 0
				for c := range out {
					if out[c] > out[best] {
						best = c
					}
				}
				if best != int(ys[i]) || out[best] < 0.5 {
					t.Errorf("example %d: probabilities %v", i, out)
				}
			}
		})
	}
}

func TestIndexScoresSharedRareWordsHigher(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	texts := []string{"什么时候发货", "运费多少", "能开发票吗", "发票抬头怎么写"}
	docs := make([][]feature, len(texts))
	faq := make([]int32, len(texts))
	for i, s := range texts {
		docs[i], faq[i] = fz.extract(Normalize(s)).feats, int32(i)
	}
	ix := buildIndex(docs, faq)
	feats := fz.extract(Normalize("发票怎么开")).feats
	q, _ := ix.vector(feats, ix.cidf)
	s := ix.score(q, feats)
	defer s.release()
	for _, d := range []int{0, 1} {
		if s.bm25[d] >= s.bm25[2] || s.cos[d] >= s.cos[2] {
			t.Errorf("doc %q scored %.3f/%.3f, not below an invoice question %.3f/%.3f", texts[d], s.bm25[d], s.cos[d], s.bm25[2], s.cos[2])
		}
	}
}

func TestTrainLinearLearnsDenseInput(t *testing.T) {
	// Three classes told apart by the dense input only: every example has
	// the same sparse feature. n examples make more than denseSteps steps,
	// so the dense weights are fixed for the last part of training.
	const n = 3000
	dirs := [][]float32{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 0.6, 0.8}}
	xs, ds, ys := make([]sparse, n), make([][]float32, n), make([]int32, n)
	for i := range xs {
		c := i % 3
		xs[i] = sparse{ids: []int32{0}, ws: []float32{1}}
		ds[i] = []float32{dirs[c][0] + 0.1*float32(i%7), dirs[c][1], dirs[c][2], dirs[c][3] - 0.05*float32(i%5)}
		ys[i] = int32(c)
	}
	if epochs := min(12, max(4, 80000/n)); epochs*n <= denseSteps {
		t.Fatalf("%d steps do not pass denseSteps", epochs*n)
	}
	m := trainLinear(xs, ds, ys, nil, 1, 4, 3)
	if m.dim != 4 || len(m.dw) != 12 {
		t.Fatalf("dense weights: dim %d, %d weights", m.dim, len(m.dw))
	}
	out := make([]float32, 3)
	for c, d := range dirs {
		m.logits(xs[0], d, out)
		softmaxInPlace(out)
		if out[c] < 0.9 {
			t.Errorf("class %d: probabilities %v", c, out)
		}
	}
}

// TestClassWeights: each class's examples weigh the mean count over its
// own, within bounds; absent classes weigh nothing.
func TestClassWeights(t *testing.T) {
	ys := []int32{0, 0, 0, 0, 0, 0, 1, 1, 1, 3, 3, 3}
	want := []float32{4.0 / 6, 4.0 / 3, 0, 4.0 / 3}
	got := classWeights(ys, 4)
	for c := range want {
		if math.Abs(float64(got[c]-want[c])) > 1e-6 {
			t.Errorf("class %d: weight %.4f, want %.4f (all %v)", c, got[c], want[c], got)
		}
	}
	lopsided := append(make([]int32, 99), 1) // 99 of class 0, one of class 1: 50/1 uncapped
	if w := classWeights(lopsided, 2); w[1] != maxClassWeight {
		t.Errorf("weights %v: want class 1 capped at %v", w, maxClassWeight)
	}
}

// TestPhrasingCountIsNoPrior: a message that only shares what two FAQs
// have in common is not given to the one with more phrasings. Without class
// weights the FAQ of twenty phrasings took it with probability 0.68.
func TestPhrasingCountIsNoPrior(t *testing.T) {
	var xs []sparse
	var ys []int32
	for range 20 {
		xs = append(xs, sparse{ids: []int32{0, 1}, ws: []float32{0.6, 0.8}})
		ys = append(ys, 0)
	}
	for range 4 {
		xs = append(xs, sparse{ids: []int32{0, 2}, ws: []float32{0.6, 0.8}})
		ys = append(ys, 1)
	}
	m := trainLinear(xs, nil, ys, nil, 3, 0, 2)
	out := make([]float32, 2)
	m.logits(sparse{ids: []int32{0}, ws: []float32{1}}, nil, out)
	softmaxInPlace(out)
	if out[0] > 0.6 || out[0] < 0.4 {
		t.Errorf("shared feature only: probabilities %v, want both near 0.5", out)
	}
}
