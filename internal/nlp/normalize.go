package nlp

import (
	_ "embed"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

//go:embed data/t2s.txt
var t2sData string

// t2s maps traditional Chinese characters to simplified ones. It is built once
// from embedded data and only read afterwards.
var t2s = func() map[rune]rune {
	m := make(map[rune]rune, 2700)
	for _, line := range strings.Split(t2sData, "\n") {
		rs := []rune(line)
		if len(rs) == 2 {
			m[rs[0]] = rs[1]
		}
	}
	return m
}()

// Normalize returns text in the canonical form the engine indexes: NFKC
// (which also turns full-width letters and digits into ASCII), lower case,
// simplified Chinese, punctuation and emoji replaced by spaces, runs of three
// or more identical letters squeezed to one (在吗吗吗 → 在吗, sooo → so) and
// whitespace collapsed. Typographic apostrophes become ASCII. Digits are never squeezed: they may be order numbers.
// A decimal point or separator between two digits is kept.
func Normalize(text string) string {
	text = norm.NFKC.String(text)
	rs := []rune(text)
	var b strings.Builder
	b.Grow(len(text))
	space := true
	for i := 0; i < len(rs); i++ {
		r := unicode.ToLower(rs[i])
		if r == '’' || r == '‘' || r == '`' || r == '´' {
			r = '\''
			rs[i] = r
		}
		if s, ok := t2s[r]; ok {
			r = s
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if !unicode.IsDigit(r) && repeatedRun(rs, i) {
				for i+1 < len(rs) && unicode.ToLower(rs[i+1]) == unicode.ToLower(rs[i]) {
					i++
				}
			}
			b.WriteRune(r)
			space = false
		case (r == '.' || r == ':' || r == '-' || r == '/') && i > 0 && i+1 < len(rs) &&
			unicode.IsDigit(rs[i-1]) && unicode.IsDigit(rs[i+1]):
			b.WriteRune(r)
		case r == '\'' && i > 0 && i+1 < len(rs) && isLatin(rs[i-1]) && isLatin(rs[i+1]):
			// Keep apostrophes inside English words (don't, I'm) for the tokenizer.
			b.WriteRune(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// repeatedRun reports whether rs[i] starts a run of at least three identical
// (case-insensitive) runes.
func repeatedRun(rs []rune, i int) bool {
	if i+2 >= len(rs) {
		return false
	}
	r := unicode.ToLower(rs[i])
	return unicode.ToLower(rs[i+1]) == r && unicode.ToLower(rs[i+2]) == r
}

func isLatin(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }

// isHan reports whether r is a Chinese character.
func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
