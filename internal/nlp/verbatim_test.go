package nlp

import (
	"strings"
	"testing"
)

func TestVerbatimKey(t *testing.T) {
	tests := []struct{ text, want string }{
		{"亲，请问可以开发票吗？", "可以开发票"},
		{"您好 在吗 什么时候发货呢", "什么时候发货"},
		{"发货了吗", "发货了"},
		{"hi, can I get an invoice please", "canigetaninvoice"},
		{"hiking boots", "hikingboots"},
		{"你好", "你好"},
		{"在吗", "在"},
		{"Why didn`t my top up go through?", "whydidn'tmytopupgothrough"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := verbatimKey(Normalize(tt.text)); got != tt.want {
				t.Errorf("verbatimKey(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// A message that is a FAQ's own question is answered with that FAQ, even
// when a near-duplicate differing in one digit is the classifier's favourite,
// unless another FAQ has the same question or the merchant turned answering
// off.
func TestOwnQuestionIsAnswered(t *testing.T) {
	faqs := append(shopFAQ(t),
		FAQ{ID: "live0", Question: "第0场直播几点开始", Similar: []string{"第0场直播什么时候开播", "0场几点开"}, Answer: "20:00"},
		FAQ{ID: "live2", Question: "第2场直播几点开始", Similar: []string{"第2场直播什么时候开播"}, Answer: "21:00"},
		FAQ{ID: "dup1", Question: "可以定制吗", Answer: "可以"},
		FAQ{ID: "dup2", Question: "可以定制吗", Similar: []string{"能刻字吗"}, Answer: "可以刻字"},
	)
	e, err := Build(faqs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ text, want string }{
		{"第2场直播几点开始", "live2"},
		{"亲，第2场直播几点开始呢？", "live2"},
		{"第0场直播什么时候开播", "live0"},
	}
	for _, f := range shopFAQ(t) {
		tests = append(tests, struct{ text, want string }{f.Question, f.ID})
		for _, s := range f.Similar {
			tests = append(tests, struct{ text, want string }{"请问" + s, f.ID})
		}
	}
	for _, tt := range tests {
		r := e.Match(tt.text)
		if len(r.Candidates) == 0 || r.Candidates[0].FAQID != tt.want || r.Decision != Answer {
			t.Errorf("Match(%q) = %s %+v, want %q answered", tt.text, r.Decision, r.Candidates, tt.want)
		} else if !strings.Contains(r.Reason, "own question") {
			t.Errorf("Match(%q): reason %q does not say why", tt.text, r.Reason)
		}
	}
	if r := e.Match("可以定制吗"); strings.Contains(r.Reason, "own question") {
		t.Errorf("a question of two FAQs was taken as one's own: %+v", r)
	}
	off, err := Build(faqs, Options{AnswerThreshold: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r := off.Match("第2场直播几点开始"); r.Decision == Answer {
		t.Errorf("answered with answering turned off: %+v", r)
	}
}
