package commerce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ErrBadSettings is returned for tag thresholds out of range.
var ErrBadSettings = errors.New("tag settings are not valid")

// ErrTooManyRules is returned for a new rule in a shop that has
// MaxTagRules: every rule is evaluated for every buyer.
var ErrTooManyRules = errors.New("the shop has as many tag rules as it may")

const (
	// MaxTagRules is how many custom tag rules a shop may have.
	MaxTagRules = 50
	// DefaultSyncRetag is the most buyers a shop may have for a change of
	// its rules or thresholds to retag them before it returns; a larger
	// shop is retagged by the refresh job in the minutes after.
	DefaultSyncRetag = 5000
	// DefaultPreviewBuyers is the most buyers a rule preview evaluates; a
	// larger shop is estimated from an even sample of that many.
	DefaultPreviewBuyers = 5000
)

// Retag says how a change of rules or thresholds reached the buyers:
// Pending is 0 when they were retagged before the change returned, else
// how many buyers the refresh job is retagging.
type Retag struct {
	Pending int `json:"retagging"`
}

// PutTagRule checks and saves a custom tag rule, then retags the shop's
// buyers (see Retag).
func (s *Service) PutTagRule(ctx context.Context, shopID int64, name, rule string) (model.TagRule, Retag, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 30 || strings.ContainsAny(name, ":\r\n\t") {
		return model.TagRule{}, Retag{}, &FieldError{Err: ErrBadRule, Field: "name", Problem: "1 to 30 characters, no colon or line break"}
	}
	if _, err := ParseRule(rule); err != nil {
		return model.TagRule{}, Retag{}, err
	}
	rules, err := s.st.ListTagRules(ctx, shopID)
	if err != nil {
		return model.TagRule{}, Retag{}, err
	}
	exists := false
	for _, r := range rules {
		exists = exists || r.Name == name
	}
	if !exists && len(rules) >= MaxTagRules {
		return model.TagRule{}, Retag{}, fmt.Errorf("%w (%d)", ErrTooManyRules, MaxTagRules)
	}
	r, err := s.st.PutTagRule(ctx, model.TagRule{ShopID: shopID, Name: name, Rule: rule})
	if err != nil {
		return r, Retag{}, err
	}
	rt, err := s.retagShop(ctx, shopID)
	return r, rt, err
}

// DeleteTagRule removes a custom rule, then retags the shop's buyers
// without its tag.
func (s *Service) DeleteTagRule(ctx context.Context, shopID int64, name string) (Retag, error) {
	if err := s.st.DeleteTagRule(ctx, shopID, name); err != nil {
		return Retag{}, err
	}
	return s.retagShop(ctx, shopID)
}

// TagSettings returns the shop's thresholds, or the defaults.
func (s *Service) TagSettings(ctx context.Context, shopID int64) (model.TagSettings, error) {
	set, err := s.st.GetTagSettings(ctx, shopID)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultTagSettings(), nil
	}
	return set, err
}

// PutTagSettings checks and saves the shop's thresholds, then retags the
// shop's buyers.
func (s *Service) PutTagSettings(ctx context.Context, shopID int64, set model.TagSettings) (Retag, error) {
	bad := func(field, problem string) error {
		return &FieldError{Err: ErrBadSettings, Field: field, Problem: problem}
	}
	switch {
	case set.HighValueFen < 0:
		return Retag{}, bad("high_value_fen", "must not be negative")
	case set.RefundDays < 1 || set.RefundDays > maxRuleDays:
		return Retag{}, bad("refund_days", fmt.Sprintf("must be 1 to %d", maxRuleDays))
	case set.InactiveDays < 1 || set.InactiveDays > maxRuleDays:
		return Retag{}, bad("inactive_days", fmt.Sprintf("must be 1 to %d", maxRuleDays))
	case set.BadRating < 1 || set.BadRating > 4:
		return Retag{}, bad("bad_rating", "must be 1 to 4")
	}
	if err := s.st.PutTagSettings(ctx, shopID, set); err != nil {
		return Retag{}, err
	}
	return s.retagShop(ctx, shopID)
}

// retagShop follows a change of the shop's rules or thresholds, which
// marked every buyer of the shop due: a small shop is retagged now, a
// large one by the refresh job, woken at once.
func (s *Service) retagShop(ctx context.Context, shopID int64) (Retag, error) {
	n, err := s.st.CountBuyerProfiles(ctx, shopID)
	if err != nil {
		return Retag{}, err
	}
	if n > s.syncRetag {
		s.Kick()
		return Retag{Pending: n}, nil
	}
	_, err = s.RefreshAllTags(ctx, shopID)
	return Retag{}, err
}

// RulePreview is how many of the shop's buyers a rule would tag now.
type RulePreview struct {
	Matched int      `json:"matched"` // among the buyers evaluated
	Scanned int      `json:"scanned"` // buyers evaluated: all, or an even sample
	Buyers  int      `json:"buyers"`  // the shop's verified buyers
	Sample  []string `json:"sample"`  // up to 10 of the matched buyers' ids
}

// PreviewRule evaluates a rule (as PutTagRule takes it) against the shop's
// buyers without saving it: every buyer of a shop of up to PreviewBuyers,
// else an even sample of that many (Scanned says which).
func (s *Service) PreviewRule(ctx context.Context, shopID int64, rule string) (RulePreview, error) {
	c, err := ParseRule(rule)
	if err != nil {
		return RulePreview{}, err
	}
	out := RulePreview{Sample: []string{}}
	if out.Buyers, err = s.st.CountBuyerProfiles(ctx, shopID); err != nil {
		return out, err
	}
	set, err := s.TagSettings(ctx, shopID)
	if err != nil {
		return out, err
	}
	every := (out.Buyers + s.preview - 1) / s.preview
	page := store.Page{Limit: 500}
	now := s.now()
	for out.Scanned < s.preview {
		ps, err := s.st.SampleBuyerProfiles(ctx, shopID, every, page)
		if err != nil {
			return out, err
		}
		ps = ps[:min(len(ps), s.preview-out.Scanned)]
		facts, err := s.factsOf(ctx, shopID, ps)
		if err != nil {
			return out, err
		}
		for i := range facts {
			out.Scanned++
			if c.match(&evalCtx{f: &facts[i], now: now, set: TagSettingsView{BadRating: set.BadRating}}) {
				out.Matched++
				if len(out.Sample) < 10 {
					out.Sample = append(out.Sample, ps[i].ExternalID)
				}
			}
		}
		if len(ps) < page.Limit {
			break
		}
		page.After = ps[len(ps)-1].ID
	}
	return out, nil
}
