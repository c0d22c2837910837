package nlp

// The intent input: the built-in intent model's posterior as part of the
// FAQ classifier's dense input (docs/engine.md, "Intent input").

// intentDenseScale is the length of the intent block of the dense input,
// the intent model's probabilities for the text, beside the unit-length
// TF-IDF vector. The intent model is trained on the project's own corpus of
// buyer messages, thousands of phrasings no shop's FAQ has: "都三天了咋还不发"
// is order.urge, "老板 抹个零呗" price.bargain. With the posterior as input, a
// shop's FAQ learns which intents its questions carry, and a message that
// shares no word with them still finds them. Chosen on the dev halves of our
// own shop sets (bench/ecom-*): 0.3 gave most of the gain of 0.5 with no
// wrong direct answer, 0.7 and more fewer right ones (docs/performance.md).
const intentDenseScale = 0.3

// intentCore returns the built-in intent model's core and the class of
// "other", nil if the model fails to train. It is set in init: the intent
// model is itself made by buildCore.
var intentCore func() (*core, int)

func init() {
	intentCore = func() (*core, int) {
		m, err := builtinIntents()
		if err != nil {
			return nil, 0
		}
		return m.core, m.other()
	}
}

// minIntentShare is the least share of a shop's questions that must carry
// an e-commerce intent (other than "other", with probability 0.5 or more)
// for the intent block to be used. The intent model knows shops; for
// questions it cannot read its probabilities are noise. Measured shares:
// our three shop sets 0.47–0.69, the demo shop 0.58; a bank's questions
// (bq-dev, banking77) 0.16–0.28.
const minIntentShare = 1.0 / 3

// intentSample is about how many questions readsIntents looks at.
const intentSample = 500

// readsIntents returns the intent model's core when it reads an
// e-commerce intent in at least minIntentShare of the questions (answers
// aside), else nil.
func readsIntents(qs []questionText) *core {
	ic, other := intentCore()
	if ic == nil {
		return nil
	}
	// A sample of evenly spaced questions tells as well as all of them
	// and keeps a large shop's build from scoring every question twice.
	step := max(1, len(qs)/intentSample)
	var n, read int
	for i := 0; i < len(qs); i += step {
		q := qs[i]
		if q.answer {
			continue
		}
		n++
		p := ic.posterior(q.feats, q.vec)
		best := 0
		for i, v := range p {
			if v > p[best] {
				best = i
			}
		}
		if best != other && p[best] >= 0.5 {
			read++
		}
	}
	if n == 0 || float64(read) < minIntentShare*float64(n) {
		return nil
	}
	return ic
}

// posterior is the classifier's probability of each class for a text.
func (c *core) posterior(feats []feature, vec sentenceVec) []float32 {
	q, _ := c.ix.vector(feats, c.ix.idf)
	out := make([]float32, c.nfaq)
	c.clf.logits(q, c.dense.input(vec), out)
	softmaxInPlace(out)
	return out
}

// denseOf returns the classifier's dense input for a text: the sentence
// vector's part (zeros when the text has none but the shop's questions do)
// and the intent block; nil when the core has neither.
func (c *core) denseOf(feats []feature, vec sentenceVec) []float32 {
	g := c.dense.input(vec)
	if c.intent == nil {
		return g
	}
	if c.dense != nil && g == nil {
		g = make([]float32, c.dense.width())
	}
	p := c.intent.posterior(feats, vec)
	for i := range p {
		p[i] *= intentDenseScale
	}
	return append(g, p...)
}

// denseWidth is the length of the dense input.
func (c *core) denseWidth() int {
	w := c.dense.width()
	if c.intent != nil {
		w += c.intent.nfaq
	}
	return w
}
