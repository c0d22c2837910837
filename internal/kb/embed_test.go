package kb

import "testing"

// TestBuiltinPacks checks the shipped packs load, and that every version
// after the first can be upgraded to from the one before.
func TestBuiltinPacks(t *testing.T) {
	lib, err := BuiltinPacks()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"general", "apparel"} {
		p, ok := lib.Latest(id)
		if !ok || len(p.FAQs) < 20 || p.Name["zh-CN"] == "" || p.Name["en"] == "" {
			t.Errorf("pack %s: %v, %d FAQs, name %v", id, ok, len(p.FAQs), p.Name)
		}
		for _, f := range p.FAQs {
			if firstText(f.Answers, "zh-CN") == "" || firstText(f.Answers, "en") == "" {
				t.Errorf("pack %s faq %s lacks a Chinese or English answer", id, f.Key)
			}
		}
	}
	if _, ok := lib.Version("general", 1); !ok {
		t.Error("general v1 missing: the demo starts there to show an upgrade")
	}
}
