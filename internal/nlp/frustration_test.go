package nlp

import "testing"

func TestFrustration(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		history  []string
		min, max float64
	}{
		{"calm question", "请问什么时候发货", nil, 0, 0.1},
		{"calm english", "when will it ship?", nil, 0, 0.1},
		{"negative words", "什么破东西，太差劲了", nil, 0.4, 1},
		{"bad review threat", "再不处理我就给差评", nil, 0.5, 1},
		{"authorities", "我要打12315投诉你们", nil, 0.6, 1},
		{"shouting", "WHERE IS MY ORDER", nil, 0.2, 1},
		{"exclamations", "到底什么时候发货！！！", nil, 0.3, 1},
		{"repetition", "什么时候发货", []string{"什么时候发货", "什么时候发货啊"}, 0.5, 1},
		{"english anger", "this is a scam, worst shop ever", nil, 0.4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := frustration(tt.text, tt.history)
			if got < tt.min || got > tt.max {
				t.Errorf("frustration(%q) = %.2f, want in [%.2f, %.2f]", tt.text, got, tt.min, tt.max)
			}
		})
	}
}

func TestFrustrationGrowsWithRepetition(t *testing.T) {
	once := frustration("怎么还没发货", nil)
	twice := frustration("怎么还没发货", []string{"怎么还没发货"})
	thrice := frustration("怎么还没发货", []string{"怎么还没发货", "怎么还没发货呢"})
	if !(once < twice && twice < thrice) {
		t.Errorf("want growing frustration, got %.2f %.2f %.2f", once, twice, thrice)
	}
}
