package nlp

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Calibration hyperparameters. They describe the product, not a data set:
// a direct answer should be right at least nine times in ten, a suggestion
// list should hold the right FAQ at least half the time, and we assume that
// about a third of buyer messages are about something the FAQ does not cover.
const (
	targetAnswerPrecision  = 0.9
	minProbePrecision      = 0.6
	targetSuggestPrecision = 0.5
	priorOutOfScope        = 0.35
	holdOutFAQShare        = 0.2
	maxHeldOut             = 800
	minHeldOut             = 200
	probeBudget            = 4_000_000 // FAQs+questions scored over all probes
	calibrationPerFAQ      = 24
	defaultAnswer          = 0.6
	defaultSuggest         = 0.3
)

const nSignals = 9

// signals describes how sure a ranking looks, from the scores of its best
// two FAQs. The calibrator turns them into a probability of being right.
type signals [nSignals]float64

// signalNames name the signals in explanations, in order.
var signalNames = [nSignals]string{"bias", "prob", "prob_margin", "cos", "cos_margin", "bm25", "fused_margin", "agree", "known"}

// signalsOf computes the signals of a ranking (best first). answers[f]
// numbers FAQ f's answer (nil: every FAQ its own): the runner-up the margins
// are taken against is the best FAQ with another answer, since losing to a
// FAQ that says the same thing costs the buyer nothing. With thousands of
// templated FAQs such twins sit side by side and would otherwise make every
// margin zero.
func signalsOf(s *faqScores, top []int, answers []int32) signals {
	var x signals
	x[0] = 1
	if len(top) == 0 {
		return x
	}
	a := top[0]
	same := func(f, g int) bool { return f == g || answers != nil && answers[f] == answers[g] }
	x[1], x[3], x[5] = float64(s.prob[a]), float64(s.cos[a]), float64(s.bm25[a])
	b := -1
	for _, f := range top[1:] {
		if !same(f, a) {
			b = f
			break
		}
	}
	if b >= 0 {
		x[2] = float64(s.prob[a] - s.prob[b])
		x[4] = float64(s.cos[a] - s.cos[b])
		x[6] = float64(s.fused[a] - s.fused[b])
	} else {
		x[2], x[4], x[6] = x[1], x[3], float64(s.fused[a])
	}
	bestCos := 0
	for f, v := range s.cos {
		if v > s.cos[bestCos] {
			bestCos = f
		}
	}
	if same(bestCos, a) {
		x[7] = 1
	}
	x[8] = float64(s.known)
	return x
}

// signalDepth is how far down the ranking signalsOf looks for a runner-up
// with another answer.
const signalDepth = 8

// calibrator is a logistic regression from signals to the probability that
// the top FAQ is the right answer.
type calibrator struct {
	w signals
}

// defaultCalibrator is used when the FAQ is too small to hold any of it out:
// hand-set weights that trust a confident classifier backed by a close
// neighbour.
var defaultCalibrator = calibrator{w: signals{-4, 2.5, 2, 3, 1, 1, 2, 0.5, 1}}

func (c calibrator) confidence(x signals) float64 {
	var z float64
	for i := range x {
		z += c.w[i] * x[i]
	}
	return 1 / (1 + math.Exp(-z))
}

// heldOut is one calibration example: the signals of a held-out question and
// whether the engine without it ranked its FAQ first / in the top three.
type heldOut struct {
	x          signals
	top1, top3 bool
	weight     float64
}

// calibrate holds out part of the FAQ — one question of many FAQs (in-scope
// probes) and every question of a fifth of the FAQs (out-of-scope probes) —
// trains a core on the rest, fits the calibrator on how it does on the held-out
// questions and picks the thresholds that reach the target precisions.
//
// generic are features of messages no shop answers from its FAQ (weather,
// jokes, small talk: the "other" intent of the built-in corpus); they probe
// out of scope too, as buyers' messages unlike any FAQ.
//
// It also picks the fusion weights that rank the in-scope probes best: a
// classifier trained on many phrasings ranks best alone, one trained on one
// question per FAQ needs the nearest neighbour and BM25.
// The weights are nil when there was nothing to hold out.
func calibrate(qs []questionText, generic []textFeatures, answers []int32) (calibrator, Thresholds, *[3]float32) {
	byFusion, shopProbes := calibrationExamples(qs, generic, answers)
	if shopProbes == 0 {
		return defaultCalibrator, Thresholds{Answer: defaultAnswer, Suggest: defaultSuggest}, nil
	}
	best, bestTop1 := 0, -1.0
	for g, ex := range byFusion {
		var top1 float64
		for _, h := range ex {
			if h.top1 {
				top1 += h.weight
			}
		}
		// Probes are few and noisy: leave the classifier alone unless a
		// mix ranks clearly better (two points more of in-scope probes).
		if g == 0 || top1 > bestTop1+0.02*(1-priorOutOfScope) {
			best, bestTop1 = g, top1
		}
	}
	ex := byFusion[best]
	cal := fitCalibrator(ex, shopProbes)
	thr := Thresholds{Calibrated: true}
	thr.Answer = pickThreshold(ex, cal, func(h heldOut) bool { return h.top1 }, probeAnswerPrecision(qs, len(answers)), defaultAnswer, 0.95)
	thr.Suggest = pickThreshold(ex, cal, func(h heldOut) bool { return h.top3 }, targetSuggestPrecision, 0.1, thr.Answer)
	return cal, thr, &fusionGrid[best]
}

// probeAnswerPrecision is the precision the in-scope probes must show above
// the answer threshold for buyers' messages to be answered right
// targetAnswerPrecision of the time. A probe is harder than a buyer's
// message: it was taken out of its FAQ, which lost one of its n phrasings
// to it, and a merchant writes each phrasing to cover another way of asking,
// while a buyer often asks one of those ways. With two to four phrasings an
// FAQ the probes were right 55–80% of the time at confidences where
// buyers' messages were answered right more than nine times in ten. So the
// target drops by the share of its FAQ a probe takes away, 1/n averaged over
// the FAQs that give probes: 0.8 for ten phrasings, about 0.65 for a shop's
// three or four, near 0.9 for hundreds; never under minProbePrecision.
func probeAnswerPrecision(qs []questionText, nfaq int) float64 {
	n := make([]int, nfaq)
	for _, q := range qs {
		if !q.answer {
			n[q.faq]++
		}
	}
	var share float64
	var faqs int
	for _, k := range n {
		if k >= 2 {
			share += 1 / float64(k)
			faqs++
		}
	}
	if faqs == 0 {
		return targetAnswerPrecision
	}
	return max(minProbePrecision, targetAnswerPrecision-share/float64(faqs))
}

// fusionGrid are the candidate weights of classifier, nearest neighbour and
// BM25 in the ranking score, from classifier alone to mostly neighbour.
var fusionGrid = [][3]float32{
	{1, 0, 0}, {0.8, 0.14, 0.06}, {0.6, 0.28, 0.12}, {0.4, 0.42, 0.18}, {0.2, 0.56, 0.24},
}

// chooseHeldOut picks the calibration probes: every question of a fifth of
// the FAQs is held out (out-of-scope probes, one question each), and about a
// fifth of the questions of the other FAQs, at most ten each (in-scope
// probes). Each probe costs a scoring over every FAQ, so the number of probes
// shrinks as the FAQ grows.
func chooseHeldOut(qs []questionText, nfaq int) (hold []bool, probeIn, probeOut []int) {
	rng := rand.New(rand.NewPCG(7, 11))
	maxIn := min(maxHeldOut, max(minHeldOut, probeBudget/(nfaq+len(qs))))
	outFAQ := make([]bool, nfaq)
	for _, f := range rng.Perm(nfaq)[:max(1, int(float64(nfaq)*holdOutFAQShare))] {
		outFAQ[f] = true
	}
	// An FAQ's answer (answerDocs) is never a probe, buyers do not write
	// answers, but it goes with its FAQ when that is held out whole.
	byFAQ := make([][]int, nfaq)
	hold = make([]bool, len(qs))
	for i, q := range qs {
		switch {
		case q.answer && outFAQ[q.faq]:
			hold[i] = true
		case !q.answer:
			byFAQ[q.faq] = append(byFAQ[q.faq], i)
		}
	}
	for _, f := range rng.Perm(nfaq) {
		qsOf := byFAQ[f]
		switch {
		case outFAQ[f]:
			for _, i := range qsOf {
				hold[i] = true
			}
			if len(qsOf) > 0 && len(probeOut) < maxIn/2 {
				probeOut = append(probeOut, qsOf[rng.IntN(len(qsOf))])
			}
		case len(qsOf) >= 2:
			n := min(10, max(1, len(qsOf)/5), maxIn-len(probeIn))
			for _, k := range rng.Perm(len(qsOf))[:max(0, n)] {
				hold[qsOf[k]] = true
				probeIn = append(probeIn, qsOf[k])
			}
		}
	}
	return hold, probeIn, probeOut
}

// calibrationExamples trains a core without the held-out questions and
// returns how it does on them under each fusion of fusionGrid, with the
// number of probes taken from the shop's own FAQ (0 when the FAQ is too small
// to hold any out). answers[f] names FAQ f's answer: FAQs with the same
// answer have the same number.
func calibrationExamples(qs []questionText, generic []textFeatures, answers []int32) ([][]heldOut, int) {
	nfaq := len(answers)
	if nfaq < 5 {
		return nil, 0
	}
	hold, probeIn, probeOut := chooseHeldOut(qs, nfaq)
	if len(probeIn) < 5 {
		return nil, 0
	}
	// The calibration core trains on at most calibrationPerFAQ questions of
	// each FAQ, so that calibrating a large FAQ costs a fraction of the
	// final training; it makes the calibrator a little cautious, never bold.
	var train []questionText
	perFAQ := make([]int, nfaq)
	for i, q := range qs {
		if !hold[i] && perFAQ[q.faq] < calibrationPerFAQ {
			perFAQ[q.faq]++
			train = append(train, q)
		}
	}
	c := buildCore(train, nfaq, false)
	ex := make([][]heldOut, len(fusionGrid))
	// A ranking is right when its top FAQ gives the probe's answer: two FAQs
	// with one answer (a catalogue's templated twins) are one for the buyer,
	// and a held-out FAQ whose answer another FAQ gives is not out of scope.
	var s faqScores
	probe := func(tf textFeatures, faq int, weight float64) {
		c.scoreInto(tf, &s)
		for g, fuse := range fusionGrid {
			s.refuse(fuse)
			top := s.top(signalDepth)
			h := heldOut{x: signalsOf(&s, top, answers), weight: weight}
			top = top[:min(3, len(top))]
			for k, t := range top {
				if faq >= 0 && answers[t] == answers[faq] {
					h.top1 = h.top1 || k == 0
					h.top3 = true
				}
			}
			ex[g] = append(ex[g], h)
		}
	}
	for _, i := range probeIn {
		probe(qs[i].features(), int(qs[i].faq), (1-priorOutOfScope)/float64(len(probeIn)))
	}
	// Out-of-scope weight is shared between near misses (held-out FAQs) and
	// unrelated chatter.
	for _, i := range probeOut {
		probe(qs[i].features(), int(qs[i].faq), priorOutOfScope/2/float64(len(probeOut)))
	}
	for _, f := range generic {
		probe(f, -1, priorOutOfScope/2/float64(len(generic)))
	}
	return ex, len(probeIn) + len(probeOut)
}

// fitCalibrator fits weighted logistic regression by gradient descent. Its
// weights are pulled towards the default calibrator, the more so the fewer
// examples there are, so that a small FAQ cannot produce extreme weights.
func fitCalibrator(ex []heldOut, shopProbes int) calibrator {
	c := defaultCalibrator
	var wsum float64
	for _, h := range ex {
		wsum += h.weight
	}
	const lr = 2.0
	l2 := max(0.001, 5/float64(shopProbes))
	for it := 0; it < 400; it++ {
		var grad signals
		for _, h := range ex {
			y := 0.0
			if h.top1 {
				y = 1
			}
			g := (c.confidence(h.x) - y) * h.weight / wsum
			for i := range grad {
				grad[i] += g * h.x[i]
			}
		}
		for i := range c.w {
			c.w[i] -= lr * (grad[i] + l2*(c.w[i]-defaultCalibrator.w[i]))
		}
	}
	return c
}

// pickThreshold returns the lowest confidence at which the held-out examples
// at or above it are good with at least the target (weighted) precision,
// clamped to [lo, hi]. Two imaginary bad examples are counted at the top, so
// that a handful of lucky probes cannot set a bold threshold.
func pickThreshold(ex []heldOut, cal calibrator, good func(heldOut) bool, target, lo, hi float64) float64 {
	type scored struct {
		conf, w float64
		good    bool
	}
	ss := make([]scored, len(ex))
	for i, h := range ex {
		ss[i] = scored{cal.confidence(h.x), h.weight, good(h)}
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].conf > ss[j].conf })
	best := hi
	var okW, allW float64
	for _, h := range ex {
		allW += 2 * h.weight / float64(len(ex))
	}
	for _, s := range ss {
		allW += s.w
		if s.good {
			okW += s.w
		}
		if okW >= target*allW {
			best = s.conf
		}
	}
	return math.Min(hi, math.Max(lo, best))
}
