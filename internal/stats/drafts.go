package stats

import (
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// faqVectors is each live FAQ's centroid: its standard and similar
// questions together.
func faqVectors(faqs []store.LiveFAQ, vz *nlp.Vectorizer) []nlp.Vector {
	out := make([]nlp.Vector, len(faqs))
	for i, f := range faqs {
		var s nlp.Sum
		for _, q := range append([]string{f.Live.Question}, f.Live.Similar...) {
			s.Add(vz.Vector(q), 1)
		}
		out[i] = s.Vector()
	}
	return out
}

// draft makes the FAQ draft of one group of phrasings.
func (s *Service) draft(qs []store.Unanswered, phr []phrasing, g []int, vz *nlp.Vectorizer, faqs []store.LiveFAQ, fv []nlp.Vector) store.Gap {
	var sum nlp.Sum
	buyers := map[int64]bool{}
	why := map[string]int{}
	intents := map[string]int{}
	var members []int64
	var replies []string
	for _, p := range g {
		sum.Add(phr[p].vec, float64(len(phr[p].members)))
		for _, m := range phr[p].members {
			q := qs[m]
			buyers[q.BuyerID] = true
			why[q.Kind]++
			if q.Intent != "" {
				intents[q.Intent]++
			}
			members = append(members, q.MessageID)
			replies = append(replies, q.Replies...)
		}
	}
	cent := sum.Vector()
	// Phrasings by how often asked, then by how typical (closest to the
	// centroid): the first is the standard question.
	ordered := append([]int(nil), g...)
	closeness := map[int]float64{}
	for _, p := range g {
		closeness[p] = nlp.Cosine(phr[p].vec, cent)
	}
	sort.SliceStable(ordered, func(a, b int) bool {
		pa, pb := ordered[a], ordered[b]
		if len(phr[pa].members) != len(phr[pb].members) {
			return len(phr[pa].members) > len(phr[pb].members)
		}
		return closeness[pa] > closeness[pb]
	})
	d := Draft{Question: phr[ordered[0]].text, Why: why, Intent: top(intents)}
	for i, p := range ordered {
		if i > 0 && len(d.Similar) < maxSimilarOut {
			d.Similar = append(d.Similar, phr[p].text)
		}
		if len(d.Examples) < maxExamples {
			d.Examples = append(d.Examples, Example{Text: phr[p].text, Count: len(phr[p].members)})
		}
	}
	d.Answers = s.rankReplies(replies, cent, vz)
	if len(d.Answers) > 0 {
		d.Answer = d.Answers[0]
	}
	gap := store.Gap{Kind: store.GapNew, Buyers: len(buyers), Asks: len(members), Members: members}
	if best, i := nearest(cent, fv); i >= 0 && best >= similarAt {
		gap.Kind, gap.FAQID = store.GapSimilar, faqs[i].ID
		d.FAQQuestion, d.Closeness = faqs[i].Live.Question, roundTo(best, 3)
		d.Similar = newSimilar(append([]string{d.Question}, d.Similar...), faqs[i])
		d.Question = faqs[i].Live.Question
	}
	raw, _ := json.Marshal(d) // plain data always encodes
	gap.Draft = string(raw)
	return gap
}

// newSimilar is the phrasings a FAQ does not have yet.
func newSimilar(phrasings []string, f store.LiveFAQ) []string {
	have := map[string]bool{nlp.Normalize(f.Live.Question): true}
	for _, q := range f.Live.Similar {
		have[nlp.Normalize(q)] = true
	}
	var out []string
	for _, p := range phrasings {
		if k := nlp.Normalize(p); !have[k] {
			have[k] = true
			out = append(out, p)
		}
	}
	return out
}

func top(counts map[string]int) string {
	best := ""
	for k, n := range counts {
		if n > counts[best] || (n == counts[best] && k < best) {
			best = k
		}
	}
	return best
}

func roundTo(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// minReplyRunes: shorter agent replies ("好的", "稍等") answer nothing.
const minReplyRunes = 4

// pleasantry are the intents of replies that answer nothing.
var pleasantry = map[string]bool{"greeting": true, "thanks": true, "goodbye": true}

// analyzer reads the intent of agents' replies, to leave out greetings and
// thanks; the built-in intent model is shared with the shops' engines.
var analyzer = sync.OnceValue(func() *nlp.Analyzer {
	a, err := nlp.NewAnalyzer(nlp.Options{})
	if err != nil {
		return nil
	}
	return a
})

// isPleasantry reports whether an agent's reply answers nothing: too
// short, or a greeting, thanks or goodbye.
func isPleasantry(r string) bool {
	if utf8.RuneCountInString(nlp.Normalize(r)) < minReplyRunes {
		return true
	}
	an := analyzer()
	return an != nil && pleasantry[an.Analyze(r, nil).Intent.ID]
}

// rankReplies orders the agents' distinct replies to a group by how well
// each stands for them all: close to the other replies (what agents agree
// on) and to the group's questions (it is about them). Greetings, thanks
// and one-word replies are left out.
func (s *Service) rankReplies(replies []string, questions nlp.Vector, vz *nlp.Vectorizer) []string {
	type cand struct {
		text  string
		count int
		vec   nlp.Vector
		score float64
	}
	var cs []*cand
	at := map[string]*cand{}
	for _, r := range replies {
		r = strings.TrimSpace(r)
		key := nlp.Normalize(r)
		if c, ok := at[key]; ok {
			c.count++
			continue
		}
		if isPleasantry(r) {
			continue
		}
		c := &cand{text: r, count: 1, vec: vz.Vector(r)}
		at[key] = c
		cs = append(cs, c)
	}
	var all nlp.Sum
	for _, c := range cs {
		all.Add(c.vec, float64(c.count))
	}
	consensus := all.Vector()
	for _, c := range cs {
		c.score = nlp.Cosine(c.vec, consensus) + 0.5*nlp.Cosine(c.vec, questions)
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].score > cs[j].score })
	out := []string{}
	for _, c := range cs {
		if len(out) == maxAnswers {
			break
		}
		out = append(out, c.text)
	}
	return out
}
