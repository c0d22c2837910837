package kb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Settings returns the shop's bot switches (the defaults when never saved).
func (s *Service) Settings(ctx context.Context, shopID int64) (Settings, error) {
	raw, err := s.st.BotSettings(ctx, shopID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Settings{}, err
	}
	return ParseSettings(raw)
}

// PutSettings validates and saves the shop's bot switches and rebuilds the
// engine with the new thresholds.
func (s *Service) PutSettings(ctx context.Context, shopID int64, set Settings) error {
	se, err := s.engines.Get(ctx, shopID)
	if err != nil {
		return err
	}
	if err := set.Validate(knownIntent(se)); err != nil {
		return err
	}
	b, err := json.Marshal(set)
	if err != nil {
		return err
	}
	if err := s.st.PutBotSettings(ctx, shopID, string(b)); err != nil {
		return err
	}
	return s.changed(ctx, shopID)
}

// knownIntent reports whether the shop's engine knows an intent id.
func knownIntent(se *ShopEngine) func(string) bool {
	ids := map[string]bool{}
	for _, id := range se.Analyzer.IntentIDs() {
		ids[id] = true
	}
	return func(id string) bool { return ids[id] }
}

// PutSynonyms validates and saves the shop's synonym groups, then rebuilds.
func (s *Service) PutSynonyms(ctx context.Context, shopID int64, groups [][]string) error {
	if len(groups) > 1000 {
		return &FieldError{Field: "groups", Message: "at most 1000 synonym groups"}
	}
	for i := range groups {
		groups[i] = cleanList(groups[i], "")
		if len(groups[i]) < 2 || len(groups[i]) > 50 {
			return &FieldError{Field: fmt.Sprintf("groups[%d]", i), Message: "a group holds 2-50 words"}
		}
		for _, w := range groups[i] {
			if utf8.RuneCountInString(w) > 30 {
				return &FieldError{Field: fmt.Sprintf("groups[%d]", i), Message: "a word is at most 30 characters"}
			}
		}
	}
	if err := s.st.PutSynonyms(ctx, shopID, groups); err != nil {
		return err
	}
	return s.changed(ctx, shopID)
}

// PutIntents validates and saves the shop's own intent examples (for
// built-in intents or new ones), then rebuilds.
func (s *Service) PutIntents(ctx context.Context, shopID int64, intents []store.IntentExamples) error {
	if len(intents) > 200 {
		return &FieldError{Field: "intents", Message: "at most 200 intents"}
	}
	seen := map[string]bool{}
	for i := range intents {
		ie := &intents[i]
		ie.Intent = strings.TrimSpace(ie.Intent)
		field := fmt.Sprintf("intents[%d]", i)
		if ie.Intent == "" || len(ie.Intent) > 50 || seen[ie.Intent] {
			return &FieldError{Field: field + ".intent", Message: "intent ids are 1-50 characters and unique"}
		}
		seen[ie.Intent] = true
		ie.Examples = cleanList(ie.Examples, "")
		if len(ie.Examples) == 0 || len(ie.Examples) > 500 {
			return &FieldError{Field: field + ".examples", Message: "1-500 examples per intent"}
		}
		switch ie.Category {
		case "", "presale", "shipping", "order", "aftersale", "chat", "handoff":
		default:
			return &FieldError{Field: field + ".category", Message: "category is presale, shipping, order, aftersale, chat or handoff"}
		}
	}
	if err := s.st.PutShopIntents(ctx, shopID, intents); err != nil {
		return err
	}
	return s.changed(ctx, shopID)
}

// Test runs a question through the shop's live engine and returns the full
// decision with its explanation. It stores nothing.
func (s *Service) Test(ctx context.Context, shopID int64, text, shopLang string) (Match, error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 5000 {
		return Match{}, &FieldError{Field: "text", Message: "text must be 1-5000 characters"}
	}
	se, err := s.engines.Get(ctx, shopID)
	if err != nil {
		return Match{}, err
	}
	return se.Match(text, nil, s.now(), shopLang), nil
}
