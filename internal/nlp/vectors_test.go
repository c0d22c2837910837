package nlp

import (
	"math"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/nlp/intentdata"
)

func wordCos(t *testing.T, a, b string) float64 {
	t.Helper()
	v := vectors()
	i, j := v.lookup(a), v.lookup(b)
	if i < 0 || j < 0 {
		t.Fatalf("no vector for %q or %q", a, b)
	}
	return float64(v.dotRows(i, j)) / math.Sqrt(float64(v.dotRows(i, i))*float64(v.dotRows(j, j)))
}

func TestVectorsLoad(t *testing.T) {
	v := vectors()
	if v.n != 40000 || v.dim != 100 {
		t.Fatalf("%d words × %d dims, want 40000 × 100", v.n, v.dim)
	}
	if i := v.lookup("the"); i < 0 || v.rank(i) != 0 {
		t.Errorf(`"the" should be the most frequent word (index %d)`, i)
	}
	for _, w := range []string{"refund", "parcel", "warranty", "aa", "zoo"} {
		if i := v.lookup(w); i < 0 || v.word(i) != w {
			t.Errorf("lookup(%q) = %d", w, i)
		}
	}
	for _, w := range []string{"", "qwxzvk", "退款", "Refund", "don't"} {
		if i := v.lookup(w); i >= 0 {
			t.Errorf("lookup(%q) = %d, want -1", w, i)
		}
	}
	// The int8 rows keep the magnitude of the GloVe vectors (norms 3–7).
	n := math.Sqrt(float64(dotDense(v.vector(v.lookup("refund")), v.vector(v.lookup("refund")))))
	if n < 3 || n > 8 {
		t.Errorf("|refund| = %.2f", n)
	}
}

func TestVectorNeighbours(t *testing.T) {
	for _, tt := range []struct{ word, near, far string }{
		{"refund", "reimburse", "giraffe"},
		{"refund", "reimbursement", "weather"},
		{"parcel", "shipment", "password"},
		{"delivery", "shipping", "colour"},
		{"cancel", "cancellation", "arrive"},
		{"broken", "damaged", "discount"},
	} {
		near, far := wordCos(t, tt.word, tt.near), wordCos(t, tt.word, tt.far)
		if near < 0.35 || near <= far+0.15 {
			t.Errorf("cos(%s, %s) = %.2f, cos(%s, %s) = %.2f", tt.word, tt.near, near, tt.word, tt.far, far)
		}
	}
}

func TestSentenceVector(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	sv := func(s string) sentenceVec { return fz.extract(Normalize(s)).vec }
	if v := sv("这件衣服什么时候发货"); v.v != nil || v.share != 0 {
		t.Errorf("Chinese text got a sentence vector: %+v", v)
	}
	if v := sv("12 345"); v.v != nil {
		t.Error("numbers got a sentence vector")
	}
	if v := sv("where is it"); v.v == nil || v.share != 1 {
		t.Errorf("stop words alone: %+v", v)
	}
	if v := sv("app怎么下载"); v.v == nil || v.share <= 0 || v.share >= 0.5 {
		t.Errorf("a Chinese sentence with one English word: share %.2f", v.share)
	}
	if v := sv("Where is my parcel?"); len(v.v) != 300 || v.share != 1 {
		t.Errorf("English sentence: %d values, share %.2f", len(v.v), v.share)
	}
	cos := func(a, b sentenceVec) float32 {
		x, y := unit(append([]float32(nil), a.v[:100]...)), unit(append([]float32(nil), b.v[:100]...))
		return dotDense(x, y)
	}
	parcel, pkg, pwd := sv("my parcel has not arrived"), sv("the package never came"), sv("reset forgotten password")
	if cos(parcel, pkg) <= cos(parcel, pwd) {
		t.Errorf("parcel~package %.2f should exceed parcel~password %.2f", cos(parcel, pkg), cos(parcel, pwd))
	}
}

// vectorFAQ is a small English FAQ whose queries below share no word with
// the right FAQ's questions.
func vectorFAQ() []FAQ {
	return []FAQ{
		{ID: "refund", Question: "I want my money back", Similar: []string{"how do I get a refund", "please refund my purchase", "can I return it for a refund"}, Answer: "refund"},
		{ID: "delivery", Question: "when will my parcel arrive", Similar: []string{"where is my delivery", "how long does shipping take", "my package is late"}, Answer: "delivery"},
		{ID: "password", Question: "I forgot my password", Similar: []string{"how do I reset my login", "cannot sign in to my account", "change my password"}, Answer: "password"},
		{ID: "size", Question: "what size should I order", Similar: []string{"does this shirt run small", "is there a size chart", "which size fits me"}, Answer: "size"},
		{ID: "colour", Question: "what colours are available", Similar: []string{"do you have it in red", "is there a blue one", "other colours please"}, Answer: "colour"},
		{ID: "broken", Question: "the item arrived broken", Similar: []string{"my order is damaged", "it was cracked when I opened the box", "the screen is smashed"}, Answer: "broken"},
	}
}

func TestDenseInputFindsParaphrases(t *testing.T) {
	faqs := vectorFAQ()
	qs := questionFeatures(&featurizer{syn: builtinSynonyms()}, faqs, faqs)
	c := buildCore(qs, len(faqs), false)
	// The dense input is the sentence vector (300) and the intent
	// model's posterior (one per intent).
	want := 300 + len(intentdata.Intents)
	if c.dense == nil || c.intent == nil || c.clf.dim != want || len(c.clf.dw) != want*len(faqs) {
		t.Fatalf("dense input: vectors %v, intents %v, dim %d, want %d", c.dense != nil, c.intent != nil, c.clf.dim, want)
	}
	fz := &featurizer{syn: builtinSynonyms()}
	for _, tt := range []struct{ text, want string }{
		{"reimbursement", "refund"},
		{"courier hasn't come", "delivery"},
		{"purple or green?", "colour"},
		{"trousers too tight, need bigger", "size"},
		{"the glass shattered", "broken"},
	} {
		s := c.score(fz.extract(Normalize(tt.text)))
		if got := faqs[s.top(1)[0]].ID; got != tt.want {
			t.Errorf("%q ranked %q first, want %q (probabilities %v)", tt.text, got, tt.want, s.prob)
		}
	}
}

func TestDenseInput(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	qs := questionFeatures(fz, vectorFAQ(), vectorFAQ())
	d := newDenseSpace(qs)
	if d.width() != 300 {
		t.Fatalf("width %d", d.width())
	}
	length := func(v []float32) float64 { return math.Sqrt(float64(dotDense(v, v))) }
	if l := length(d.input(fz.extract(Normalize("where is my parcel")).vec)); math.Abs(l-denseScale) > 1e-3 {
		t.Errorf("an English sentence's dense input has length %.3f, want %.2f", l, denseScale)
	}
	if l := length(d.input(fz.extract(Normalize("parcel 到了吗")).vec)); l <= 0 || l >= denseScale*0.75 {
		t.Errorf("a half-Chinese sentence's dense input has length %.3f", l)
	}
	if d.input(fz.extract(Normalize("到了吗")).vec) != nil {
		t.Error("a Chinese sentence got a dense input")
	}
	if newDenseSpace(questionFeatures(fz, []FAQ{{ID: "a", Question: "什么时候发货"}}, nil)) != nil {
		t.Error("a Chinese FAQ got a dense space")
	}
}

func TestUpdateAddsDenseClass(t *testing.T) {
	faqs := vectorFAQ()
	e, err := Build(faqs[:5], Options{})
	if err != nil {
		t.Fatal(err)
	}
	e2, err := e.With(faqs[5])
	if err != nil {
		t.Fatal(err)
	}
	dim := 300 + len(intentdata.Intents)
	if n := len(e2.core.clf.dw); n != 6*dim {
		t.Fatalf("dense weights %d, want %d", n, 6*dim)
	}
	var norm float32
	for _, w := range e2.core.clf.dw[5*dim:] {
		norm += w * w
	}
	if norm == 0 {
		t.Error("the added FAQ has no dense weights")
	}
	if r := e2.Match("the glass shattered"); len(r.Candidates) == 0 || r.Candidates[0].FAQID != "broken" {
		t.Errorf("after With: %+v", r.Candidates)
	}
}

func TestFewEnglishWordsGiveNoDenseSpace(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	faqs := []FAQ{
		{ID: "a", Question: "app怎么下载", Similar: []string{"手机上怎么装", "在哪里下载"}},
		{ID: "b", Question: "什么时候发货", Similar: []string{"几天能发", "多久发货"}},
		{ID: "c", Question: "可以退款吗", Similar: []string{"怎么退钱", "退款多久到账"}},
	}
	if newDenseSpace(questionFeatures(fz, faqs, faqs)) != nil {
		t.Error("one English word in nine questions gave a dense space")
	}
}
