package nlp

import "testing"

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"full width to half width", "ＸＬ码有吗？", "xl码有吗"},
		{"case folding", "Is It IN Stock", "is it in stock"},
		{"traditional to simplified", "請問發貨後幾天到", "请问发货后几天到"},
		{"punctuation becomes space", "在吗？亲，有货吗！", "在吗 亲 有货吗"},
		{"emoji removed", "好的👍谢谢😊", "好的 谢谢"},
		{"repeated characters squeezed", "在吗吗吗", "在吗"},
		{"repeated latin squeezed", "hellooooo", "hello"},
		{"digits never squeezed", "订单1111222233334444", "订单1111222233334444"},
		{"decimal point kept", "¥99.9元", "99.9元"},
		{"apostrophe inside a word kept", "I don't know", "i don't know"},
		{"typographic apostrophes unified", "didn’t didn`t", "didn't didn't"},
		{"empty", "   ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string // content tokens that must appear
	}{
		{"e-commerce words kept whole", "支持七天无理由退货吗", []string{"七天无理由退货"}},
		{"shipping words", "包邮吗发顺丰", []string{"包邮", "顺丰"}},
		{"coupon", "优惠券怎么用", []string{"优惠券"}},
		{"english stems", "delivering packages", []string{"deliv", "packag"}},
		{"mixed scripts", "xl码有现货吗", []string{"xl", "现货"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]bool{}
			for _, tok := range tokenize(Normalize(tt.in)) {
				if !tok.stop {
					got[tok.text] = true
				}
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("tokenize(%q) = %v, missing %q", tt.in, got, w)
				}
			}
		})
	}
}

func TestStopWordsAreNotContent(t *testing.T) {
	for _, tok := range tokenize(Normalize("the card is my")) {
		if tok.text == "the" && !tok.stop {
			t.Errorf("%q should be a stop word", tok.text)
		}
	}
}

func TestSynonymsShareAFeature(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		shop [][]string
	}{
		{"built-in chinese", "退货", "退换货", nil},
		{"built-in stock", "有货吗", "现货吗", nil},
		{"built-in english", "ship", "deliver", nil},
		{"english phrase", "how do i send it back", "return", nil},
		{"english phrase, a word between", "send the jumper back", "refund", nil},
		{"english phrase and word", "my vase came in pieces", "it arrived broken", nil},
		{"new chinese group", "会掉色吗", "洗了会不会染色", nil},
		{"shop group", "小黑裙", "黑色连衣裙", [][]string{{"小黑裙", "黑色连衣裙"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fz := &featurizer{syn: builtinSynonyms().withGroups(tt.shop)}
			a := fz.extract(Normalize(tt.a)).feats
			b := fz.extract(Normalize(tt.b)).feats
			keys := map[uint64]bool{}
			for _, f := range a {
				keys[f.key] = true
			}
			shared := false
			for _, f := range b {
				if keys[f.key] && f.w == weightSyn {
					shared = true
				}
			}
			if !shared {
				t.Errorf("%q and %q share no synonym feature", tt.a, tt.b)
			}
		})
	}
}

func TestCharGramsMatchUnknownWords(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	// 羊绒衫 may not be in the dictionary; its character bigrams still match.
	a := fz.extract(Normalize("这件羊绒衫会起球吗")).feats
	b := fz.extract(Normalize("羊绒衫起球")).feats
	keys := map[uint64]bool{}
	for _, f := range a {
		keys[f.key] = true
	}
	n := 0
	for _, f := range b {
		if keys[f.key] {
			n++
		}
	}
	if n < 3 {
		t.Errorf("only %d shared features between related texts", n)
	}
}

func TestJoinedWordsMeetSpellings(t *testing.T) {
	fz := &featurizer{syn: builtinSynonyms()}
	keys := func(s string) map[uint64]float32 {
		m := map[uint64]float32{}
		for _, f := range fz.extract(Normalize(s)).feats {
			m[f.key] = f.w
		}
		return m
	}
	spaced, joined := keys("how do i top up"), keys("topup limits")
	shared := false
	for k := range joined {
		if _, ok := spaced[k]; ok {
			shared = true
		}
	}
	if !shared {
		t.Error(`"top up" and "topup" share no feature`)
	}
}
