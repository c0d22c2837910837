package kb

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Bot modes, after Alibaba RetailBot's AUTO and ASSIST service modes.
const (
	ModeAuto   = "auto"   // the bot replies to buyers
	ModeAssist = "assist" // the bot only suggests replies to agents
)

// Settings are the bot's switches for one shop.
type Settings struct {
	// Enabled turns the bot on; off, every message waits for a human.
	Enabled bool   `json:"enabled"`
	Mode    string `json:"mode"`
	// AnswerThreshold and SuggestThreshold override the thresholds the
	// engine calibrates from the shop's own FAQ; 0 keeps the calibrated one.
	AnswerThreshold  float64 `json:"answer_threshold,omitempty"`
	SuggestThreshold float64 `json:"suggest_threshold,omitempty"`
	// FallbackText is what the bot says when it does not know, by language.
	FallbackText map[string]string `json:"fallback_text"`
	// SuggestText introduces "did you mean" choices, by language.
	SuggestText map[string]string `json:"suggest_text"`
	// AutoIntents are the intents the bot may answer by itself; empty means
	// all. A message with another intent gets suggestions for an agent only.
	AutoIntents []string `json:"auto_intents,omitempty"`
	// PublishImmediately makes saved FAQs live at once instead of drafts.
	PublishImmediately bool `json:"publish_immediately"`
}

// DefaultSettings are a new shop's switches.
func DefaultSettings() Settings {
	return Settings{
		Enabled: true,
		Mode:    ModeAuto,
		FallbackText: map[string]string{
			"zh-CN": "抱歉，这个问题我还不太会回答～您可以换个说法问我，或者点「转人工」找客服小姐姐。",
			"en":    "Sorry, I can't answer that yet. Try asking another way, or tap \"Talk to a human\".",
		},
		SuggestText: map[string]string{
			"zh-CN": "您是不是想问：",
			"en":    "Did you mean:",
		},
	}
}

// ParseSettings reads stored settings over the defaults, so that settings
// added in later versions get their defaults.
func ParseSettings(raw string) (Settings, error) {
	s := DefaultSettings()
	if raw == "" {
		return s, nil
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, fmt.Errorf("kb: bot settings: %w", err)
	}
	return s, nil
}

// Validate checks the settings; the error names the field.
func (s Settings) Validate(knownIntent func(string) bool) error {
	if s.Mode != ModeAuto && s.Mode != ModeAssist {
		return &FieldError{Field: "mode", Message: "mode must be auto or assist"}
	}
	for name, v := range map[string]float64{"answer_threshold": s.AnswerThreshold, "suggest_threshold": s.SuggestThreshold} {
		if v < 0 || v > 1 {
			return &FieldError{Field: name, Message: name + " must be between 0 and 1 (0 = calibrated)"}
		}
	}
	if s.AnswerThreshold > 0 && s.SuggestThreshold > s.AnswerThreshold {
		return &FieldError{Field: "suggest_threshold", Message: "suggest_threshold must not exceed answer_threshold"}
	}
	for field, texts := range map[string]map[string]string{"fallback_text": s.FallbackText, "suggest_text": s.SuggestText} {
		for lang, t := range texts {
			if lang != "zh-CN" && lang != "en" {
				return &FieldError{Field: field, Message: "languages are zh-CN and en"}
			}
			if strings.TrimSpace(t) == "" || len([]rune(t)) > 500 {
				return &FieldError{Field: field, Message: "each text must be 1-500 characters"}
			}
		}
	}
	for i, it := range s.AutoIntents {
		if !knownIntent(it) {
			return &FieldError{Field: fmt.Sprintf("auto_intents[%d]", i), Message: fmt.Sprintf("unknown intent %q", it)}
		}
	}
	return nil
}

// Text returns the text for lang, falling back to Chinese.
func Text(texts map[string]string, lang string) string {
	if t, ok := texts[lang]; ok {
		return t
	}
	return texts["zh-CN"]
}

// FieldError is bad input in one field.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }
