package stats

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/nlp"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Limits of the miner.
const (
	mineWindow    = 30 * 24 * time.Hour // questions older than this are left out
	mineQuestions = 5000                // the newest this many open questions are grouped
	maxGaps       = 100                 // drafts kept per shop, most asked first
	maxSimilarOut = 30                  // phrasings a draft proposes
	maxExamples   = 5
	maxAnswers    = 5
	// similarAt is how close (cosine) a group's questions must be to the
	// questions of a live FAQ for the group to become that FAQ's similar
	// questions instead of a new FAQ (unrelated groups stay under 0.1).
	similarAt = 0.3
)

// Draft is the FAQ proposed for one group of unanswered questions.
type Draft struct {
	// Question is the group's most typical phrasing; Similar the others.
	Question string   `json:"question"`
	Similar  []string `json:"similar"`
	// Answer is the candidate taken from what agents replied; Answers are
	// the agents' replies, best first.
	Answer  string   `json:"answer"`
	Answers []string `json:"answers"`
	// Examples are phrasings with how often each was asked.
	Examples []Example `json:"examples"`
	// Why counts the group's questions by what happened: fallback,
	// choices (not taken), handoff.
	Why    map[string]int `json:"why"`
	Intent string         `json:"intent,omitempty"`
	// For a similar draft: the FAQ's question and how close the group is.
	FAQQuestion string  `json:"faq_question,omitempty"`
	Closeness   float64 `json:"closeness,omitempty"`
}

// Example is one phrasing and how often buyers asked it.
type Example struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// Gap is a draft with its state, as the API shows it.
type Gap struct {
	ID        int64     `json:"id"`
	Status    string    `json:"status"`
	Kind      string    `json:"kind"`
	FAQID     int64     `json:"faq_id,omitempty"`
	Buyers    int       `json:"buyers"`
	Asks      int       `json:"asks"`
	Draft     Draft     `json:"draft"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	DecidedBy int64     `json:"decided_by,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}

func gapOf(g store.Gap) Gap {
	out := Gap{ID: g.ID, Status: g.Status, Kind: g.Kind, FAQID: g.FAQID, Buyers: g.Buyers, Asks: g.Asks,
		CreatedAt: g.CreatedAt.UTC(), UpdatedAt: g.UpdatedAt.UTC(), DecidedBy: g.DecidedBy}
	if !g.DecidedAt.IsZero() {
		out.DecidedAt = g.DecidedAt.UTC()
	}
	_ = json.Unmarshal([]byte(g.Draft), &out.Draft) // written by Mine
	return out
}

// Gaps lists a shop's drafts in a status (open, approved, dismissed),
// most asked first.
func (s *Service) Gaps(ctx context.Context, shopID int64, status string, limit int) ([]Gap, error) {
	gs, err := s.st.ListGaps(ctx, shopID, status, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Gap, len(gs))
	for i, g := range gs {
		out[i] = gapOf(g)
	}
	return out, nil
}

// Gap reads one draft.
func (s *Service) Gap(ctx context.Context, shopID, id int64) (Gap, error) {
	g, err := s.st.GetGap(ctx, shopID, id)
	if err != nil {
		return Gap{}, err
	}
	return gapOf(g), nil
}

// Mine regroups the shop's open unanswered questions of the last 30 days
// into drafts, replacing the open drafts (a group that keeps most of a
// draft's questions keeps its id). It returns the open drafts.
func (s *Service) Mine(ctx context.Context, shopID int64) ([]Gap, error) {
	qs, err := s.st.ListUnanswered(ctx, shopID, s.now().Add(-mineWindow), mineQuestions)
	if err != nil {
		return nil, err
	}
	faqs, err := s.st.LiveFAQs(ctx, shopID)
	if err != nil {
		return nil, err
	}
	syn, err := s.st.Synonyms(ctx, shopID)
	if err != nil {
		return nil, err
	}
	gaps := s.draftAll(qs, faqs, syn)
	if _, err := s.st.SaveGaps(ctx, shopID, gaps); err != nil {
		return nil, err
	}
	return s.Gaps(ctx, shopID, store.GapOpen, maxGaps)
}

// draftAll groups the questions and drafts a FAQ for each group.
func (s *Service) draftAll(qs []store.Unanswered, faqs []store.LiveFAQ, syn [][]string) []store.Gap {
	if len(qs) == 0 {
		return nil
	}
	texts := make([]string, 0, len(qs))
	for _, q := range qs {
		texts = append(texts, q.Text)
		texts = append(texts, q.Replies...)
	}
	for _, f := range faqs {
		texts = append(texts, f.Live.Question)
		texts = append(texts, f.Live.Similar...)
	}
	vz := nlp.NewVectorizer(texts, syn)
	phr, groups := GroupQuestions(qs, vz, ReplyWeight)
	fv := faqVectors(faqs, vz)
	var out []store.Gap
	taken := map[int64]bool{}
	for _, g := range groups {
		gap := s.draft(qs, phr, g, vz, faqs, fv)
		gap.ID = previousGap(qs, phr, g, taken)
		out = append(out, gap)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Buyers != out[j].Buyers {
			return out[i].Buyers > out[j].Buyers
		}
		return out[i].Asks > out[j].Asks
	})
	if len(out) > maxGaps {
		out = out[:maxGaps]
	}
	return out
}

// phrasing is one distinct question text and the questions asking it.
type phrasing struct {
	text    string
	members []int // indexes into the questions
	vec     nlp.Vector
}

// GroupQuestions groups questions by meaning: identical texts (after the
// engine's normalisation) are one phrasing, and phrasings whose features
// are close form one group; replyWeight (ReplyWeight; 0: the questions'
// words alone) says how much what agents replied counts. It returns the
// phrasings and the groups as phrasing indexes, most asked first.
func GroupQuestions(qs []store.Unanswered, vz *nlp.Vectorizer, replyWeight float64) ([]phrasing, [][]int) {
	var phr []phrasing
	at := map[string]int{}
	for i, q := range qs {
		key := nlp.Normalize(q.Text)
		j, ok := at[key]
		if !ok {
			j = len(phr)
			at[key] = j
			phr = append(phr, phrasing{text: q.Text, vec: vz.Vector(q.Text)})
		}
		phr[j].members = append(phr[j].members, i)
	}
	points := make([]point, len(phr))
	for i, p := range phr {
		points[i] = point{vec: withReplies(p, qs, vz, replyWeight), weight: float64(len(p.members))}
	}
	return phr, cluster(points)
}

// ReplyWeight is how much what agents replied to a phrasing counts beside
// its own words when grouping: two questions agents answered alike are
// likely one question, but the words asked come first.
const ReplyWeight = 0.5

// withReplies is a phrasing's vector pulled towards what agents replied to
// it (greetings and thanks left out).
func withReplies(p phrasing, qs []store.Unanswered, vz *nlp.Vectorizer, replyWeight float64) nlp.Vector {
	var replies nlp.Sum
	n := 0
	for _, m := range p.members {
		for _, r := range qs[m].Replies {
			if isPleasantry(r) {
				continue
			}
			replies.Add(vz.Vector(r), 1)
			n++
		}
	}
	if n == 0 || replyWeight == 0 {
		return p.vec
	}
	var s nlp.Sum
	s.Add(p.vec, 1)
	s.Add(replies.Vector(), replyWeight)
	return s.Vector()
}

// previousGap is the open draft most of the group's questions were in, so
// that a draft keeps its id from one mining to the next; 0 for a new one.
func previousGap(qs []store.Unanswered, phr []phrasing, g []int, taken map[int64]bool) int64 {
	votes := map[int64]int{}
	for _, p := range g {
		for _, m := range phr[p].members {
			if id := qs[m].GapID; id != 0 && !taken[id] {
				votes[id]++
			}
		}
	}
	var best int64
	for id, n := range votes {
		if n > votes[best] || (n == votes[best] && id < best) {
			best = id
		}
	}
	if best != 0 {
		taken[best] = true
	}
	return best
}
