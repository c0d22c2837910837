package nlp

import (
	"fmt"
	"testing"
)

func TestZZTmp(t *testing.T) {
	faqs := syntheticFAQ(500)
	fmt.Println(faqs[22])
	e, _ := Build(faqs, Options{})
	s := e.core.score(e.fz.extract(Normalize("型号C2还有货吗")).feats)
	fmt.Println(s.prob[22], s.cos[22], s.bm25[22], s.fused[22], s.top(3))
	fmt.Println(tokenize(Normalize("型号C2还有货吗")))
}
