package stats

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ErrFAQModified is returned when approving similar questions of a FAQ
// whose working copy has unpublished edits: publishing the additions would
// publish those edits too.
var ErrFAQModified = errors.New("the FAQ has unpublished edits; publish or revert them first")

// ErrNotOpen is returned when a draft was already approved or dismissed.
var ErrNotOpen = errors.New("the draft was already decided")

// Edit is what an admin changes in a draft before approving it; empty
// fields keep the draft's.
type Edit struct {
	Question *string  `json:"question"`
	Similar  []string `json:"similar"`
	Answer   *string  `json:"answer"`
}

// Approve puts a draft live at once: a new FAQ, published, with the
// draft's question, similar questions and answer; or the new similar
// questions added to the FAQ the draft extends. It returns the decided
// draft and the FAQ.
func (s *Service) Approve(ctx context.Context, shopID, id, actor int64, e Edit) (Gap, model.FAQ, error) {
	g, err := s.Gap(ctx, shopID, id)
	if err != nil {
		return Gap{}, model.FAQ{}, err
	}
	if g.Status != store.GapOpen {
		return g, model.FAQ{}, ErrNotOpen
	}
	d := g.Draft
	if e.Question != nil {
		d.Question = strings.TrimSpace(*e.Question)
	}
	if e.Similar != nil {
		d.Similar = e.Similar
	}
	if e.Answer != nil {
		d.Answer = strings.TrimSpace(*e.Answer)
	}
	var faq model.FAQ
	if g.Kind == store.GapSimilar {
		faq, err = s.addSimilar(ctx, shopID, actor, g.FAQID, d.Similar)
	} else {
		faq, err = s.createFAQ(ctx, shopID, actor, d)
	}
	if err != nil {
		return g, faq, err
	}
	raw, _ := json.Marshal(d) // plain data always encodes
	decided, err := s.st.DecideGap(ctx, store.GapDecision{ShopID: shopID, ID: id, Status: store.GapApproved, ActorID: actor,
		Draft: string(raw), FAQID: faq.ID})
	if errors.Is(err, store.ErrStale) {
		err = ErrNotOpen
	}
	return gapOf(decided), faq, err
}

func (s *Service) createFAQ(ctx context.Context, shopID, actor int64, d Draft) (model.FAQ, error) {
	if d.Answer == "" {
		return model.FAQ{}, &FieldError{"answer", "the draft has no answer: write one"}
	}
	in := kb.Input{Publish: true, Content: model.FAQContent{Question: d.Question, Similar: d.Similar,
		Answers: []model.Answer{{Type: model.AnswerText, Text: d.Answer}}}}
	f, _, err := s.kb.Create(ctx, shopID, actor, in)
	return f, err
}

// addSimilar adds questions to a published FAQ's live copy and publishes
// it.
func (s *Service) addSimilar(ctx context.Context, shopID, actor, faqID int64, similar []string) (model.FAQ, error) {
	f, err := s.st.GetFAQ(ctx, shopID, faqID)
	if err != nil {
		return f, err
	}
	if f.Status == model.FAQModified {
		return f, ErrFAQModified
	}
	c := f.Content
	if f.Live != nil {
		c = *f.Live
	}
	c.Similar = append(append([]string(nil), c.Similar...), similar...)
	out, _, err := s.kb.Update(ctx, shopID, actor, faqID, f.Revision, kb.Input{Content: c, Publish: true})
	return out, err
}

// Dismiss closes a draft without a FAQ; its questions leave the miner's
// input.
func (s *Service) Dismiss(ctx context.Context, shopID, id, actor int64) (Gap, error) {
	g, err := s.st.DecideGap(ctx, store.GapDecision{ShopID: shopID, ID: id, Status: store.GapDismissed, ActorID: actor})
	if errors.Is(err, store.ErrStale) {
		return Gap{}, ErrNotOpen
	}
	if err != nil {
		return Gap{}, err
	}
	return gapOf(g), nil
}
