package nlp

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"
)

// loadJSONL decodes every line of a testdata file.
func loadJSONL[T any](t testing.TB, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	return out
}

type testQuery struct {
	Text   string  `json:"text"`
	Expect *string `json:"expect"`
}

// loadFAQ reads an FAQ file in the format of `xiaoer eval --faq`.
func loadFAQ(t testing.TB, path string) []FAQ {
	type line struct {
		ID       string   `json:"id"`
		Question string   `json:"question"`
		Similar  []string `json:"similar"`
		Answer   string   `json:"answer"`
	}
	var faqs []FAQ
	for _, l := range loadJSONL[line](t, path) {
		faqs = append(faqs, FAQ{ID: l.ID, Question: l.Question, Similar: l.Similar, Answer: l.Answer})
	}
	return faqs
}

func shopFAQ(t testing.TB) []FAQ { return loadFAQ(t, "testdata/shop_faq.jsonl") }

func buildShop(t testing.TB, opts Options) *Engine {
	t.Helper()
	e, err := Build(shopFAQ(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestMatchRanksTheRightFAQ(t *testing.T) {
	e := buildShop(t, Options{})
	for _, q := range loadJSONL[testQuery](t, "testdata/shop_queries.jsonl") {
		if q.Expect == nil {
			continue
		}
		t.Run(q.Text, func(t *testing.T) {
			r := e.Match(q.Text)
			if len(r.Candidates) == 0 || r.Candidates[0].FAQID != *q.Expect {
				t.Fatalf("Match(%q) = %+v, want top %q", q.Text, r.Candidates, *q.Expect)
			}
			if r.Decision == Fallback {
				t.Errorf("Match(%q) fell back (confidence %.2f, thresholds %+v)", q.Text, r.Confidence, r.Thresholds)
			}
			if r.Reason == "" || r.Candidates[0].Question == "" || r.Candidates[0].Answer == "" {
				t.Errorf("result does not explain itself: %+v", r)
			}
		})
	}
}

func TestOutOfScopeIsNotAnswered(t *testing.T) {
	e := buildShop(t, Options{})
	for _, q := range loadJSONL[testQuery](t, "testdata/shop_queries.jsonl") {
		if q.Expect != nil {
			continue
		}
		t.Run(q.Text, func(t *testing.T) {
			if r := e.Match(q.Text); r.Decision == Answer {
				t.Errorf("Match(%q) answered %q with confidence %.2f", q.Text, r.Candidates[0].FAQID, r.Confidence)
			}
		})
	}
}

func TestDecisionFollowsThresholds(t *testing.T) {
	tests := []struct {
		name            string
		answer, suggest float64
		want            Decision
	}{
		{"everything answered", 0.0001, 0.00005, Answer},
		{"nothing answered, all suggested", 2, 0.0001, Suggest},
		{"nothing suggested", 2, 2, Fallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := buildShop(t, Options{AnswerThreshold: tt.answer, SuggestThreshold: tt.suggest})
			r := e.Match("能发顺丰吗")
			if r.Decision != tt.want {
				t.Errorf("decision %q, want %q (confidence %.3f)", r.Decision, tt.want, r.Confidence)
			}
			if r.Thresholds.Calibrated {
				t.Error("thresholds set by options reported as calibrated")
			}
		})
	}
}

func TestCalibratedThresholds(t *testing.T) {
	thr := buildShop(t, Options{}).Thresholds()
	if !thr.Calibrated || thr.Answer <= thr.Suggest || thr.Answer > 1 || thr.Suggest <= 0 {
		t.Errorf("thresholds %+v: want calibrated 0 < suggest < answer <= 1", thr)
	}
}

func TestEmptyMessageFallsBack(t *testing.T) {
	r := buildShop(t, Options{}).Match("？？！！")
	if r.Decision != Fallback || len(r.Candidates) != 0 {
		t.Errorf("got %+v", r)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		faqs []FAQ
	}{
		{"none", nil},
		{"empty id", []FAQ{{Question: "q"}}},
		{"empty question", []FAQ{{ID: "a"}}},
		{"duplicate id", []FAQ{{ID: "a", Question: "q"}, {ID: "a", Question: "r"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Build(tt.faqs, Options{}); err == nil {
				t.Error("Build succeeded")
			}
		})
	}
}

func TestWithAndWithout(t *testing.T) {
	e := buildShop(t, Options{})
	gift := FAQ{ID: "gift", Question: "可以包装成礼物吗", Similar: []string{"能送礼盒吗", "有礼品包装吗"}, Answer: "可以免费礼盒包装。"}
	e2, err := e.With(gift)
	if err != nil {
		t.Fatal(err)
	}
	if got := e2.Match("有没有礼品包装").Candidates; len(got) == 0 || got[0].FAQID != "gift" {
		t.Errorf("after With, top = %+v", got)
	}
	if e.FAQs() != 15 || e2.FAQs() != 16 {
		t.Errorf("FAQs: old %d new %d, want 15 and 16", e.FAQs(), e2.FAQs())
	}
	gift.Answer = "礼盒另收5元。"
	e3, err := e2.With(gift)
	if err != nil {
		t.Fatal(err)
	}
	if got := e3.Match("有没有礼品包装").Candidates; e3.FAQs() != 16 || len(got) == 0 || got[0].Answer != gift.Answer {
		t.Errorf("edit did not replace the FAQ: %d FAQs, top %+v", e3.FAQs(), got)
	}
	e4, err := e3.Without("gift")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e4.Match("有没有礼品包装").Candidates {
		if c.FAQID == "gift" {
			t.Error("removed FAQ still matched")
		}
	}
}

func TestShopSynonyms(t *testing.T) {
	faqs := []FAQ{
		{ID: "lbd", Question: "小黑裙有几个颜色", Similar: []string{"小黑裙还有别的颜色吗"}},
		{ID: "ship", Question: "什么时候发货", Similar: []string{"多久发货"}},
		{ID: "fee", Question: "包邮吗", Similar: []string{"运费多少"}},
	}
	plain, err := Build(faqs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := Build(faqs, Options{Synonyms: [][]string{{"小黑裙", "赫本裙"}}})
	if err != nil {
		t.Fatal(err)
	}
	q := "赫本裙"
	before, after := plain.Match(q), shop.Match(q)
	if len(after.Candidates) == 0 || after.Candidates[0].FAQID != "lbd" {
		t.Fatalf("with the shop synonym, top = %+v", after.Candidates)
	}
	if len(before.Candidates) > 0 && before.Candidates[0].FAQID == "lbd" && before.Candidates[0].Fused >= after.Candidates[0].Fused {
		t.Errorf("synonym did not raise the score: %.3f -> %.3f", before.Candidates[0].Fused, after.Candidates[0].Fused)
	}
}

func TestMatchIsSafeForConcurrentUse(t *testing.T) {
	e := buildShop(t, Options{})
	want := e.Match("能发顺丰吗")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if got := e.Match("能发顺丰吗"); got.Candidates[0].FAQID != want.Candidates[0].FAQID || got.Confidence != want.Confidence {
					t.Errorf("concurrent result differs: %+v", got)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMemoryBytesGrowsWithFAQ(t *testing.T) {
	small := buildShop(t, Options{})
	faqs := shopFAQ(t)
	for i := 0; i < 30; i++ {
		faqs = append(faqs, FAQ{ID: fmt.Sprintf("extra%d", i), Question: fmt.Sprintf("第%d号商品的保修期多久", i), Similar: []string{fmt.Sprintf("product %d warranty", i)}})
	}
	big, err := Build(faqs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if small.MemoryBytes() <= 0 || big.MemoryBytes() <= small.MemoryBytes() {
		t.Errorf("MemoryBytes small %d big %d", small.MemoryBytes(), big.MemoryBytes())
	}
}

func TestOrderNumberOption(t *testing.T) {
	e := buildShop(t, Options{OrderNumber: regexp.MustCompile(`E\d{8}`)})
	var found bool
	for _, en := range e.Analyze("我的订单E12345678怎么还没发", nil).Entities {
		found = found || en.Kind == EntityOrderNumber && en.Value == "E12345678"
	}
	if !found {
		t.Errorf("shop order number not found: %+v", e.Analyze("我的订单E12345678怎么还没发", nil).Entities)
	}
}

func TestOddInputsDoNotBreakTheEngine(t *testing.T) {
	faqs := []FAQ{{ID: "p", Question: "？？？"}, {ID: "e", Question: "😊😊"}, {ID: "ok", Question: "包邮吗"}}
	e, err := Build(faqs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	long := ""
	for i := 0; i < 2000; i++ {
		long += "包邮吗在吗abc123！"
	}
	for _, msg := range []string{"", "   ", "😊", "？？？", long, "\x00\xff", "ＡＢＣ１２３"} {
		r := e.Match(msg)
		if r.Decision == "" || r.Reason == "" && r.Decision != Fallback {
			t.Errorf("Match(%.20q) = %+v", msg, r)
		}
	}
	if got := e.Match("包邮吗").Candidates; len(got) == 0 || got[0].FAQID != "ok" {
		t.Errorf("top = %+v", got)
	}
}
