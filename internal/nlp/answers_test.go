package nlp

import (
	"slices"
	"testing"
)

// answerFAQs are FAQs whose answers name what their questions do not.
func answerFAQs() []FAQ {
	return []FAQ{
		{ID: "pay", Question: "支持哪些付款方式", Similar: []string{"怎么付钱", "可以用信用卡吗"}, Answer: "支持支付宝、微信支付和花呗分期。"},
		{ID: "ship", Question: "多久发货", Similar: []string{"什么时候发货", "几天能发出"}, Answer: "现货48小时内从杭州仓发出，默认中通快递。"},
		{ID: "fee", Question: "包邮吗", Similar: []string{"运费多少", "要运费吗"}, Answer: "全店满59元包邮，不满收6元运费。"},
		{ID: "wash", Question: "衣服怎么洗", Similar: []string{"可以机洗吗", "洗涤方式"}, Answer: "建议冷水手洗，不可漂白，阴干。"},
		{ID: "size", Question: "尺码怎么选", Similar: []string{"穿多大码", "尺码偏大吗"}, Answer: "请参考详情页尺码表，按身高体重选码。"},
		{ID: "return", Question: "可以退货吗", Similar: []string{"怎么退货", "七天无理由吗"}, Answer: "支持七天无理由退换，吊牌需完好。"},
	}
}

// TestAnswerWordsFindTheirFAQ: a word only an answer uses (杭州, 漂白, 吊牌)
// ranks that answer's FAQ first, in a build and in an update alike.
func TestAnswerWordsFindTheirFAQ(t *testing.T) {
	faqs := answerFAQs()
	e, err := Build(faqs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var questions []string
	for _, f := range faqs {
		questions = append(append(questions, f.Question), f.Similar...)
	}
	for msg, want := range map[string]string{"是从杭州寄吗": "ship", "可以漂白吗": "wash", "吊牌剪了行不行": "return"} {
		r := e.Match(msg)
		if len(r.Candidates) == 0 || r.Candidates[0].FAQID != want {
			t.Errorf("%s: ranked %+v, want %s first", msg, r.Candidates, want)
			continue
		}
		// The explanation shows a question, never the answer's text.
		if q := r.Candidates[0].Question; !slices.Contains(questions, q) {
			t.Errorf("%s: explained by %q, not a question of the FAQ", msg, q)
		}
	}
	// An FAQ added without a rebuild learns its answer too.
	u, err := e.With(FAQ{ID: "gift", Question: "有赠品吗", Similar: []string{"送什么东西"}, Answer: "下单即送同色系发圈一个。"})
	if err != nil {
		t.Fatal(err)
	}
	if r := u.Match("要发圈"); len(r.Candidates) == 0 || r.Candidates[0].FAQID != "gift" {
		t.Errorf("要发圈 after an update: ranked %+v, want gift first", r.Candidates)
	}
}

// TestAnswerDocs: templates lose their FAQ's id, an answer shared by two
// FAQs is not learnt, and long answers are cut.
func TestAnswerDocs(t *testing.T) {
	long := ""
	for range 100 {
		long += "很长的回答"
	}
	faqs := []FAQ{
		{ID: "a1", Question: "q1", Answer: "[answer for a1]"},
		{ID: "a2", Question: "q2", Answer: "[answer for a2]"},
		{ID: "b", Question: "q3", Answer: "请联系人工客服"},
		{ID: "c", Question: "q4", Answer: "请联系人工客服"},
		{ID: "d", Question: "q5", Answer: "  满59包邮  "},
		{ID: "e", Question: "q6", Answer: ""},
		{ID: "f", Question: "q7", Answer: long},
	}
	got := answerDocs(faqs, faqs)
	want := []string{"", "", "", "", "满59包邮", "", string([]rune(long)[:maxAnswerRunes])}
	if !slices.Equal(got, want) {
		t.Errorf("answerDocs = %q, want %q", got, want)
	}
}

// TestIntentBlockOnlyForShops: the intent model's posterior is part of the
// dense input of a shop's FAQ, not of an FAQ whose questions carry no
// e-commerce intent (a library's), where it would be noise.
func TestIntentBlockOnlyForShops(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	shop := answerFAQs()
	if c := buildCore(questionFeatures(fz, shop, shop), len(shop), false); c.intent == nil {
		t.Error("a shop's FAQ got no intent input")
	}
	library := []FAQ{
		{ID: "renew", Question: "how do I renew a book", Similar: []string{"can I extend my loan", "renew library books online"}},
		{ID: "hours", Question: "when is the reading room open", Similar: []string{"reading room opening times", "is the library open on sunday"}},
		{ID: "card", Question: "how do I get a library card", Similar: []string{"sign up for a reader card", "library membership card"}},
		{ID: "wifi", Question: "what is the wifi password", Similar: []string{"how to connect to the wifi", "internet access in the library"}},
		{ID: "print", Question: "can I print documents here", Similar: []string{"where is the printer", "how much does printing cost per page"}},
	}
	if c := buildCore(questionFeatures(fz, library, library), len(library), false); c.intent != nil {
		t.Error("a library's FAQ got the e-commerce intent input")
	}
}
