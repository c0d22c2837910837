package nlp

import (
	"strings"
	"unicode"
)

// Numbers mean different things in different shops. In a catalogue whose
// FAQs are written from templates ("3号款羽绒服面料是怎样的", "10号款羽绒服面料
// 是怎样的") the number is what tells two FAQs apart, yet as a single word it
// weighs less than the character n-grams of the phrasing around it, so a
// question is matched to another model's FAQ phrased the same way. In other
// shops numbers are amounts and dates ("借了3天", "13号还款") that say little
// about which FAQ is meant. The engine therefore looks at the shop's own
// questions: when many of those with a number are the same text as another
// FAQ's question but for the number, numbers are identifiers there and weigh
// as much as a Chinese word with its character n-grams.

// weightIdentifier is the weight of a number that identifies a product: about
// the mass a two-character Chinese word gets from its word and character
// features (1 + 2×0.5 + 0.8).
const weightIdentifier = 3.0

// Numbers identify when at least identifierShare of the questions that have a
// number differ from another FAQ's question only in the number, and those are
// at least identifierMin questions.
const (
	identifierShare = 0.5
	identifierMin   = 20
)

// numberWeight returns the weight of number words for these FAQs.
func numberWeight(faqs []FAQ) float32 {
	type owner struct {
		faq   int
		count int
		multi bool // questions of several FAQs share the masked text
	}
	byMask := map[string]*owner{}
	withNumber := 0
	for i, f := range faqs {
		for _, q := range append([]string{f.Question}, f.Similar...) {
			m, ok := maskDigits(q)
			if !ok {
				continue
			}
			withNumber++
			o := byMask[m]
			if o == nil {
				o = &owner{faq: i}
				byMask[m] = o
			}
			o.count++
			o.multi = o.multi || o.faq != i
		}
	}
	twins := 0
	for _, o := range byMask {
		if o.multi {
			twins += o.count
		}
	}
	if twins >= identifierMin && float64(twins) >= identifierShare*float64(withNumber) {
		return weightIdentifier
	}
	return weightWord
}

// maskDigits replaces every run of digits in s by '#' and reports whether
// there was one.
func maskDigits(s string) (string, bool) {
	var b strings.Builder
	found, inRun := false, false
	for _, r := range s {
		if unicode.IsDigit(r) {
			if !inRun {
				b.WriteByte('#')
			}
			found, inRun = true, true
			continue
		}
		inRun = false
		b.WriteRune(r)
	}
	return b.String(), found
}
