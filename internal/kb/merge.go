package kb

import (
	"encoding/json"
	"slices"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// merge3 merges a pack's new content (theirs) into the merchant's copy
// (mine), given the pack content the copy was made from (base). A field
// only one side changed takes that change; a field both changed differently
// keeps the merchant's value and is reported as a conflict. Similar
// questions and tags merge as sets and never conflict. Category and
// validity are the merchant's.
func merge3(base, mine, theirs model.FAQContent) (out model.FAQContent, changed []string, conflicts []model.MergeConflict) {
	out = mine
	pick := func(field string, b, m, t any, set func(any)) {
		switch {
		case equalJSON(m, t), equalJSON(t, b):
			return
		case equalJSON(m, b):
			set(t)
			changed = append(changed, field)
		default:
			conflicts = append(conflicts, model.MergeConflict{Field: field, Mine: toJSON(m), Theirs: toJSON(t)})
		}
	}
	pick("question", base.Question, mine.Question, theirs.Question, func(v any) { out.Question = v.(string) })
	pick("answers", base.Answers, mine.Answers, theirs.Answers, func(v any) { out.Answers = v.([]model.Answer) })
	if s := mergeSet(base.Similar, mine.Similar, theirs.Similar); !slices.Equal(s, mine.Similar) {
		out.Similar = s
		changed = append(changed, "similar")
	}
	if s := mergeSet(base.Tags, mine.Tags, theirs.Tags); !slices.Equal(s, mine.Tags) {
		out.Tags = s
		changed = append(changed, "tags")
	}
	return out, changed, conflicts
}

// mergeSet applies theirs' additions and removals (against base) to mine,
// keeping mine's order and appending additions.
func mergeSet(base, mine, theirs []string) []string {
	removed := map[string]bool{}
	for _, b := range base {
		if !slices.Contains(theirs, b) {
			removed[b] = true
		}
	}
	out := make([]string, 0, len(mine))
	for _, m := range mine {
		if !removed[m] {
			out = append(out, m)
		}
	}
	for _, t := range theirs {
		if !slices.Contains(base, t) && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// sameContent compares what a pack controls: question, similar questions,
// answers and tags.
func sameContent(a, b model.FAQContent) bool {
	return a.Question == b.Question && slices.Equal(a.Similar, b.Similar) && equalJSON(a.Answers, b.Answers) && slices.Equal(a.Tags, b.Tags)
}

func equalJSON(a, b any) bool { return toJSON(a) == toJSON(b) }

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
