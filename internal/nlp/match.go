package nlp

import (
	"fmt"
	"strings"
)

// Decision is what the engine recommends doing with a message.
type Decision string

// The three decisions, from most to least sure.
const (
	Answer   Decision = "answer"   // reply with the top FAQ's answer
	Suggest  Decision = "suggest"  // offer the candidates: "您是不是想问"
	Fallback Decision = "fallback" // the FAQ does not cover it: hand off or say so
)

// Candidate is one FAQ considered for a message, with the scores behind it.
type Candidate struct {
	FAQID string `json:"faq_id"`
	// Question is the standard or similar question closest to the message.
	Question   string  `json:"question"`
	Answer     string  `json:"answer"`
	BM25       float64 `json:"bm25"`       // best question's BM25 over the message's own score (0..1+)
	Neighbour  float64 `json:"neighbour"`  // cosine similarity to the closest question
	Classifier float64 `json:"classifier"` // classifier probability
	Fused      float64 `json:"fused"`      // ranking score
}

// Result is the engine's verdict on one message, explained.
type Result struct {
	Decision   Decision    `json:"decision"`
	Confidence float64     `json:"confidence"` // calibrated probability that the top candidate is right
	Candidates []Candidate `json:"candidates"`
	Analysis   Analysis    `json:"analysis"`
	Thresholds Thresholds  `json:"thresholds"`
	Reason     string      `json:"reason"`
}

// maxMatchRunes bounds the text matched against the FAQ: a question is
// short, and a pasted essay must not cost more than a question.
const maxMatchRunes = 500

// Match decides how to handle a buyer message. It is safe for concurrent use.
func (e *Engine) Match(text string) Result {
	res := e.rank(text)
	res.Analysis = e.Analyze(text, nil)
	return res
}

// rank does the FAQ matching part of Match, without intent analysis.
func (e *Engine) rank(text string) Result {
	res := Result{Decision: Fallback, Thresholds: e.thr}
	if r := []rune(text); len(r) > maxMatchRunes {
		text = string(r[:maxMatchRunes])
	}
	norm := Normalize(text)
	if norm == "" {
		res.Reason = "empty message after normalisation"
		return res
	}
	tf := e.fz.extract(norm)
	s := e.core.score(tf)
	k := e.opts.MaxCandidates
	if k <= 0 {
		k = 3
	}
	top := s.top(max(k, signalDepth))
	own := e.verbatim.lookup(norm)
	if own >= 0 {
		top = putFirst(top, own, len(top))
	}
	if len(top) == 0 || s.fused[top[0]] <= 0 && own < 0 {
		res.Reason = "no FAQ shares a word with the message"
		return res
	}
	for i, f := range top[:min(k, len(top))] {
		if s.fused[f] <= 0 && i > 0 {
			break
		}
		c := Candidate{
			FAQID: e.faqs[f].ID, Question: e.faqs[f].Question, Answer: e.faqs[f].Answer,
			BM25: float64(s.bm25[f]), Neighbour: float64(s.cos[f]),
			Classifier: float64(s.prob[f]), Fused: float64(s.fused[f]),
		}
		if d := s.near[f]; d >= 0 {
			c.Question = e.core.texts[d]
		}
		res.Candidates = append(res.Candidates, c)
	}
	res.Confidence = e.cal.confidence(signalsOf(&s, top, e.answers))
	if own >= 0 {
		res.Confidence = max(res.Confidence, verbatimConfidence)
	}
	switch {
	case res.Confidence >= e.thr.Answer:
		res.Decision = Answer
	case res.Confidence >= e.thr.Suggest:
		res.Decision = Suggest
	}
	res.Reason = reason(res)
	if own >= 0 {
		res.Reason = "the message is this FAQ's own question; " + res.Reason
	}
	return res
}

// putFirst moves FAQ f to the front of the ranking top, keeping at most k.
func putFirst(top []int, f, k int) []int {
	out := append(make([]int, 0, k), f)
	for _, g := range top {
		if g != f && len(out) < k {
			out = append(out, g)
		}
	}
	return out
}

func reason(r Result) string {
	top := r.Candidates[0]
	var b strings.Builder
	fmt.Fprintf(&b, "best match %q via %q (classifier %.2f, neighbour %.2f, bm25 %.2f); confidence %.2f ",
		top.FAQID, top.Question, top.Classifier, top.Neighbour, top.BM25, r.Confidence)
	switch r.Decision {
	case Answer:
		fmt.Fprintf(&b, ">= answer threshold %.2f: answer directly", r.Thresholds.Answer)
	case Suggest:
		fmt.Fprintf(&b, "below answer threshold %.2f but >= suggest threshold %.2f: suggest %d FAQs",
			r.Thresholds.Answer, r.Thresholds.Suggest, len(r.Candidates))
	default:
		fmt.Fprintf(&b, "below suggest threshold %.2f: fall back", r.Thresholds.Suggest)
	}
	return b.String()
}
