package nlp

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
)

// FAQ is one entry of a shop's knowledge base: a standard question, other
// ways buyers ask it, and the answer.
type FAQ struct {
	ID       string
	Question string
	Similar  []string
	Answer   string
}

// Options adjust an engine to a shop. The zero value is a good default.
type Options struct {
	// Synonyms are the shop's own groups of words that mean the same thing,
	// added to the built-in e-commerce groups.
	Synonyms [][]string
	// AnswerThreshold and SuggestThreshold override the calibrated
	// thresholds (confidence in 0..1) when positive; above 1 they turn the
	// decision off.
	AnswerThreshold  float64
	SuggestThreshold float64
	// OrderNumber recognises the shop's order numbers, case-insensitively;
	// the default matches 12 to 24 digits.
	OrderNumber *regexp.Regexp
	// ExtraIntents adds intents, or examples to built-in intents, to the
	// intent model.
	ExtraIntents []IntentExamples
	// MaxCandidates is how many FAQs a result lists (default 3).
	MaxCandidates int
}

// IntentExamples are example sentences for one intent. Category and Priority
// are used when ID is not a built-in intent.
type IntentExamples struct {
	ID       string
	Category string
	Priority int
	Examples []string
}

// Thresholds are the confidence levels at which the engine answers directly
// or suggests FAQs.
type Thresholds struct {
	Answer     float64 `json:"answer"`
	Suggest    float64 `json:"suggest"`
	Calibrated bool    `json:"calibrated"` // false when set by options or by default
}

// Engine answers buyer messages from one shop's FAQ. It is immutable: all
// methods are safe for concurrent use, and updates return a new engine.
type Engine struct {
	faqs []FAQ
	opts Options
	fz   *featurizer
	core *core
	// verbatim finds the FAQ whose own question a message is.
	verbatim verbatimTable
	// answers numbers each FAQ's answer; FAQs with the same answer share it.
	answers []int32
	// live is the number of FAQs (faqs also holds the slots of FAQs that an
	// update removed or replaced); changes counts the FAQs updated since the
	// last Build.
	live, changes int
	cal           calibrator
	thr           Thresholds
	an            *Analyzer
}

// ErrNoFAQ is returned by Build when no FAQ has a question.
var ErrNoFAQ = errors.New("nlp: no FAQ with a question")

// Build indexes the FAQs, trains the classifier and calibrates thresholds.
// FAQs without an ID or question are rejected; duplicate IDs are an error.
func Build(faqs []FAQ, opts Options) (*Engine, error) {
	clean, err := checkFAQs(faqs)
	if err != nil {
		return nil, err
	}
	e := &Engine{faqs: clean, opts: opts, live: len(clean)}
	e.fz = &featurizer{syn: builtinSynonyms().withGroups(opts.Synonyms), numbers: numberWeight(clean)}
	texts := questionFeatures(e.fz, clean, clean)
	e.verbatim, e.answers = buildVerbatim(texts), answerGroups(clean)
	// Calibration trains its own core on part of the FAQ, and a shop's own
	// intents need an intent model of their own: all three run at once on
	// a multi-core machine. (Every FAQ core first waits for the built-in
	// intent model, trained once per process, which its dense input may
	// use: see intent_input.go.)
	var (
		wg    sync.WaitGroup
		fuse  *[3]float32
		anErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		e.cal, e.thr, fuse = calibrate(texts, genericProbes(e.fz), e.answers)
	}()
	go func() {
		defer wg.Done()
		e.an, anErr = NewAnalyzer(opts)
	}()
	e.core = buildCore(texts, len(clean), false)
	wg.Wait()
	if anErr != nil {
		return nil, anErr
	}
	switch {
	case fuse != nil:
		e.core.fuse = *fuse
	case len(texts) < 2*len(clean):
		// One question per FAQ: a classifier learns little from a single
		// example, so the nearest question and BM25 lead.
		e.core.fuse = fuseSparse
	}
	e.thr = overrideThresholds(e.thr, opts)
	return e, nil
}

// answerGroups numbers the FAQs' answers: FAQs with the same (non-empty)
// answer text get the same number.
func answerGroups(faqs []FAQ) []int32 {
	out := make([]int32, len(faqs))
	first := make(map[string]int32, len(faqs))
	for i, f := range faqs {
		out[i] = int32(i)
		a := strings.TrimSpace(f.Answer)
		if a == "" {
			continue
		}
		if g, ok := first[a]; ok {
			out[i] = g
		} else {
			first[a] = int32(i)
		}
	}
	return out
}

// checkFAQs rejects FAQs without an ID or question and duplicate IDs.
func checkFAQs(faqs []FAQ) ([]FAQ, error) {
	seen := make(map[string]bool, len(faqs))
	clean := make([]FAQ, 0, len(faqs))
	for i, f := range faqs {
		if strings.TrimSpace(f.ID) == "" {
			return nil, fmt.Errorf("nlp: faq %d: empty id", i)
		}
		if seen[f.ID] {
			return nil, fmt.Errorf("nlp: faq %q: duplicate id", f.ID)
		}
		seen[f.ID] = true
		if strings.TrimSpace(f.Question) == "" {
			return nil, fmt.Errorf("nlp: faq %q: empty question", f.ID)
		}
		clean = append(clean, f)
	}
	if len(clean) == 0 {
		return nil, ErrNoFAQ
	}
	return clean, nil
}

// overrideThresholds applies the merchant's thresholds, if any.
func overrideThresholds(thr Thresholds, opts Options) Thresholds {
	if opts.AnswerThreshold > 0 {
		thr.Answer, thr.Calibrated = opts.AnswerThreshold, false
	}
	if opts.SuggestThreshold > 0 {
		thr.Suggest, thr.Calibrated = opts.SuggestThreshold, false
	}
	thr.Suggest = min(thr.Suggest, thr.Answer)
	return thr
}

// FAQs returns the number of FAQs in the engine.
func (e *Engine) FAQs() int { return e.live }

// Thresholds returns the thresholds the engine decides with.
func (e *Engine) Thresholds() Thresholds { return e.thr }

// MemoryBytes estimates the memory held by the engine, for per-shop metrics.
// It counts the index, the classifier and the FAQ texts, not the dictionary
// and intent model shared by all engines.
func (e *Engine) MemoryBytes() int64 {
	b := e.core.memoryBytes() + e.verbatim.memoryBytes()
	for _, f := range e.faqs {
		b += int64(len(f.ID)+len(f.Question)+len(f.Answer)) + 64
		for _, s := range f.Similar {
			b += int64(len(s)) + 16
		}
	}
	return b
}

// features returns the question's features as a query's.
func (q questionText) features() textFeatures {
	return textFeatures{feats: q.feats, vec: q.vec}
}

// questionText is one question of an FAQ with its features.
type questionText struct {
	faq   int32
	text  string
	key   string // verbatimKey of the normalised text
	feats []feature
	vec   sentenceVec
	// answer marks the FAQ's answer, indexed and learnt beside its
	// questions (see answerDocs); its text is then the FAQ's question, which
	// explanations show, and it has no verbatim key.
	answer bool
}

// questionFeatures extracts features from the standard and similar
// questions, and from the answers answerDocs keeps, in parallel:
// segmentation is most of the cost of a large build. all is every FAQ of
// the engine (faqs or a superset), against which answers are compared.
func questionFeatures(fz *featurizer, faqs, all []FAQ) []questionText {
	var out []questionText
	answers := answerDocs(faqs, all)
	for i, f := range faqs {
		for _, q := range append([]string{f.Question}, f.Similar...) {
			out = append(out, questionText{faq: int32(i), text: q})
		}
		if answers[i] != "" {
			out = append(out, questionText{faq: int32(i), text: answers[i], answer: true})
		}
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(out); i += workers {
				norm := Normalize(out[i].text)
				tf := fz.extract(norm)
				out[i].feats, out[i].vec, out[i].key = tf.feats, tf.vec, verbatimKey(norm)
				if out[i].answer {
					out[i].text, out[i].key = faqs[out[i].faq].Question, ""
				}
			}
		}()
	}
	wg.Wait()
	// Questions that normalise to nothing (only punctuation) are dropped.
	kept := out[:0]
	for _, q := range out {
		if len(q.feats) > 0 {
			kept = append(kept, q)
		}
	}
	return kept
}

// maxAnswerRunes is how much of an answer is learnt: its first sentences
// say what it is about.
const maxAnswerRunes = 300

// answerDocs returns the answer text of each FAQ of faqs that the engine
// learns from, "" for none. A shop's answer names what its questions leave
// out — "满59包邮" answers "买一条49的裤子要运费吗", "Klarna" is in the
// payment answer — so it is one more document of its FAQ, for the index and
// the classifier alike. An answer that mentions its own FAQ's id is a
// template: the id is left out. An answer given by another FAQ of all too
// ("请联系客服", or a template's placeholder) tells them apart by nothing
// and is not learnt.
func answerDocs(faqs, all []FAQ) []string {
	clean := func(f FAQ) string {
		a := f.Answer
		if f.ID != "" {
			a = strings.ReplaceAll(a, f.ID, "")
		}
		a = strings.TrimSpace(a)
		if r := []rune(a); len(r) > maxAnswerRunes {
			a = string(r[:maxAnswerRunes])
		}
		return a
	}
	count := make(map[string]int, len(all))
	for _, f := range all {
		if a := clean(f); a != "" {
			count[a]++
		}
	}
	out := make([]string, len(faqs))
	for i, f := range faqs {
		if a := clean(f); a != "" && count[a] <= 1 {
			out[i] = a
		}
	}
	return out
}
