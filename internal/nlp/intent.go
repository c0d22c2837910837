package nlp

import (
	"fmt"
	"strings"
	"sync"

	"github.com/xiaoer-cs/xiaoer/internal/nlp/intentdata"
)

// Intent is what a buyer wants, as recognised by the intent model.
type Intent struct {
	ID         string  `json:"id"`
	Category   string  `json:"category"`
	Priority   int     `json:"priority"` // 1 is the most urgent
	Confidence float64 `json:"confidence"`
}

// Analysis is what the engine reads from a message besides FAQ matching.
type Analysis struct {
	Intent Intent `json:"intent"`
	// Alternatives are the next most likely intents.
	Alternatives []Intent `json:"alternatives,omitempty"`
	Entities     []Entity `json:"entities"`
	Frustration  float64  `json:"frustration"` // 0 calm .. 1 very upset
}

// minIntentConfidence: below it the model's best guess is reported as
// "other", because a wrong intent misroutes a buyer worse than none.
const minIntentConfidence = 0.25

// IntentModel classifies messages into intents. It is the same matching core
// as the FAQ engine, trained on the intent corpus with one class per intent.
// It is immutable and safe for concurrent use.
type IntentModel struct {
	fz    *featurizer
	core  *core
	metas []intentdata.Intent
}

var builtinIntents = sync.OnceValues(func() (*IntentModel, error) { return trainIntentModel(nil) })

// NewIntentModel returns the built-in intent model, extended with extra
// examples and intents when given. The built-in model is trained once per
// process and shared.
func NewIntentModel(extra []IntentExamples) (*IntentModel, error) {
	if len(extra) == 0 {
		return builtinIntents()
	}
	return trainIntentModel(extra)
}

// shopExampleWeight is how many times a shop's own intent example counts.
const shopExampleWeight = 3

// trainIntentModel trains on the built-in corpus plus the shop's examples.
func trainIntentModel(extra []IntentExamples) (*IntentModel, error) {
	m := &IntentModel{fz: &featurizer{syn: builtinSynonyms()}}
	byID := make(map[string]int)
	for _, it := range intentdata.Intents {
		byID[it.ID] = len(m.metas)
		m.metas = append(m.metas, it)
	}
	var qs []questionText
	add := func(id, text string) {
		if norm := Normalize(text); norm != "" {
			tf := m.fz.extract(norm)
			qs = append(qs, questionText{faq: int32(byID[id]), text: text, feats: tf.feats, vec: tf.vec})
		}
	}
	current := ""
	for n, line := range dataLines(intentdata.Train) {
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			id := line[1 : len(line)-1]
			if _, known := byID[id]; !known {
				return nil, fmt.Errorf("nlp: intent corpus line %d: unknown intent %q", n+1, id)
			}
			current = id
			continue
		}
		if current == "" {
			return nil, fmt.Errorf("nlp: intent corpus line %d: example before any [intent] header", n+1)
		}
		add(current, line)
	}
	for _, ex := range extra {
		if _, ok := byID[ex.ID]; !ok {
			if ex.ID == "" || ex.Category == "" {
				return nil, fmt.Errorf("nlp: extra intent %q: new intents need an id and a category", ex.ID)
			}
			byID[ex.ID] = len(m.metas)
			m.metas = append(m.metas, intentdata.Intent{ID: ex.ID, Category: ex.Category, Priority: max(1, ex.Priority)})
		}
		// A shop writes a handful of examples where the corpus has dozens
		// an intent: each counts shopExampleWeight times, or a new intent
		// loses to the corpus's large "other" on its own examples' words.
		for _, t := range ex.Examples {
			for range shopExampleWeight {
				add(ex.ID, t)
			}
		}
	}
	m.core = buildCore(qs, len(m.metas), true)
	return m, nil
}

// Classify returns the most likely intents for a message, best first.
func (m *IntentModel) Classify(text string) []Intent {
	norm := Normalize(text)
	if norm == "" {
		return []Intent{m.intent(m.other(), 1)}
	}
	s := m.core.score(m.fz.extract(norm))
	var out []Intent
	for _, i := range s.top(3) {
		out = append(out, m.intent(i, float64(s.prob[i])))
	}
	if out[0].Confidence < minIntentConfidence && out[0].ID != "other" {
		return append([]Intent{m.intent(m.other(), 1-out[0].Confidence)}, out...)
	}
	// A message can carry two intents ("投诉！订单三天了还没发货"). A threat
	// (投诉, 差评, 12315 …) always makes it a complaint first, so it is never
	// routed as a mere status question; the model's reading stays as an
	// alternative.
	if out[0].ID != "complaint" && countAny(prepare(text), threatWords) > 0 {
		if c, ok := m.index("complaint"); ok {
			rest := out
			out = []Intent{m.intent(c, max(0.9, float64(s.prob[c])))}
			for _, it := range rest {
				if it.ID != "complaint" {
					out = append(out, it)
				}
			}
		}
	}
	return out
}

// index returns the class of an intent id.
func (m *IntentModel) index(id string) (int, bool) {
	for i, it := range m.metas {
		if it.ID == id {
			return i, true
		}
	}
	return 0, false
}

func (m *IntentModel) intent(i int, conf float64) Intent {
	it := m.metas[i]
	return Intent{ID: it.ID, Category: it.Category, Priority: it.Priority, Confidence: conf}
}

func (m *IntentModel) other() int {
	if i, ok := m.index("other"); ok {
		return i
	}
	return len(m.metas) - 1
}

// Analyze reads intent, entities and frustration from a message without
// matching the FAQ. history holds the buyer's previous messages, oldest
// first, so that repeating oneself counts towards frustration.
func (e *Engine) Analyze(text string, history []string) Analysis {
	return e.an.Analyze(text, history)
}

// IntentIDs lists the intents the model knows, most urgent first.
func (m *IntentModel) IntentIDs() []string {
	ids := make([]string, len(m.metas))
	for i, it := range m.metas {
		ids[i] = it.ID
	}
	return ids
}

// genericProbes returns the features of the built-in "other" examples:
// messages that no shop's FAQ answers, used to calibrate against chatter.
func genericProbes(fz *featurizer) []textFeatures {
	var out []textFeatures
	inOther := false
	for _, line := range dataLines(intentdata.Train) {
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			inOther = line == "[other]"
			continue
		}
		if norm := Normalize(line); inOther && norm != "" {
			out = append(out, fz.extract(norm))
		}
	}
	return out
}
