package nlp

import (
	"strings"
	"sync"

	"github.com/kljensen/snowball/english"
)

// synonyms maps a word (an English stem or a Chinese word) to the name of its
// synonym group. Group names are the first word of each group.
type synonyms struct {
	group map[string]string
	// phrases are shop-defined Chinese words of two or more characters that
	// the shared segmenter may not keep whole; they are found by substring.
	phrases map[string]string
}

var builtinSynonyms = sync.OnceValue(func() *synonyms {
	s := &synonyms{group: make(map[string]string), phrases: map[string]string{}}
	for _, line := range dataLines(synonymData) {
		s.addGroup(strings.Fields(line), false)
	}
	return s
})

// withGroups returns a copy of s extended with the shop's own groups.
func (s *synonyms) withGroups(groups [][]string) *synonyms {
	if len(groups) == 0 {
		return s
	}
	out := &synonyms{group: make(map[string]string, len(s.group)), phrases: make(map[string]string, len(s.phrases))}
	for k, v := range s.group {
		out.group[k] = v
	}
	for k, v := range s.phrases {
		out.phrases[k] = v
	}
	for _, g := range groups {
		var words []string
		for _, w := range g {
			if w = Normalize(w); w != "" {
				words = append(words, w)
			}
		}
		out.addGroup(words, true)
	}
	return out
}

func (s *synonyms) addGroup(words []string, shop bool) {
	if len(words) < 2 {
		return
	}
	name := synKey(words[0])
	// A word already in a group joins the new group's words to that group,
	// so groups sharing a word merge instead of shadowing each other.
	for _, w := range words {
		if g, ok := s.group[synKey(w)]; ok {
			name = g
			break
		}
	}
	for _, w := range words {
		k := synKey(w)
		s.group[k] = name
		if shop && hasHan(w) && len([]rune(w)) >= 2 {
			s.phrases[w] = name
		}
	}
}

// synKey is the form a word is looked up by: English is stemmed like tokens
// are. An English phrase of the built-in groups is written with "_" between
// its words ("send_back") and looked up as its stems joined by a space.
func synKey(w string) string {
	if hasHan(w) || strings.ContainsRune(w, ' ') {
		return w
	}
	if strings.Contains(w, "_") {
		parts := strings.Split(w, "_")
		for i, p := range parts {
			parts[i] = english.Stem(p, false)
		}
		return strings.Join(parts, " ")
	}
	return english.Stem(w, false)
}
