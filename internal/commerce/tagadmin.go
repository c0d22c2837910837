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

// PutTagRule checks and saves a custom tag rule, then recomputes every
// buyer's tags so the new tag shows at once.
func (s *Service) PutTagRule(ctx context.Context, shopID int64, name, rule string) (model.TagRule, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 30 || strings.ContainsAny(name, ":\n\t") {
		return model.TagRule{}, fmt.Errorf("%w: name: 1-30 characters, no colon", ErrBadRule)
	}
	if _, err := ParseRule(rule); err != nil {
		return model.TagRule{}, err
	}
	r, err := s.st.PutTagRule(ctx, model.TagRule{ShopID: shopID, Name: name, Rule: rule})
	if err != nil {
		return r, err
	}
	_, err = s.RefreshAllTags(ctx, shopID)
	return r, err
}

// DeleteTagRule removes a custom rule and its tag from every buyer.
func (s *Service) DeleteTagRule(ctx context.Context, shopID int64, name string) error {
	if err := s.st.DeleteTagRule(ctx, shopID, name); err != nil {
		return err
	}
	_, err := s.RefreshAllTags(ctx, shopID)
	return err
}

// TagSettings returns the shop's thresholds, or the defaults.
func (s *Service) TagSettings(ctx context.Context, shopID int64) (model.TagSettings, error) {
	set, err := s.st.GetTagSettings(ctx, shopID)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultTagSettings(), nil
	}
	return set, err
}

// PutTagSettings checks and saves the shop's thresholds, then recomputes
// every buyer's tags.
func (s *Service) PutTagSettings(ctx context.Context, shopID int64, set model.TagSettings) error {
	switch {
	case set.HighValueFen < 0:
		return fmt.Errorf("%w: high_value_fen must not be negative", ErrBadSettings)
	case set.RefundDays < 1 || set.RefundDays > maxRuleDays:
		return fmt.Errorf("%w: refund_days must be 1 to %d", ErrBadSettings, maxRuleDays)
	case set.InactiveDays < 1 || set.InactiveDays > maxRuleDays:
		return fmt.Errorf("%w: inactive_days must be 1 to %d", ErrBadSettings, maxRuleDays)
	case set.BadRating < 1 || set.BadRating > 4:
		return fmt.Errorf("%w: bad_rating must be 1 to 4", ErrBadSettings)
	}
	if err := s.st.PutTagSettings(ctx, shopID, set); err != nil {
		return err
	}
	_, err := s.RefreshAllTags(ctx, shopID)
	return err
}
