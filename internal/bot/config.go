package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// ConfigName names the bot's pipeline document among a shop's service
// settings.
const ConfigName = "bot"

// Texts are one text in each language: zh-CN and en.
type Texts map[string]string

// Config is a shop's reply pipeline: the welcome, keyword rules, business
// hours, when to hand over to a person, and the shop's own wording of any
// reply (Templates, by catalogue key). The bot's on/off switch, mode and
// FAQ thresholds stay in kb.Settings.
type Config struct {
	// Welcome is sent when a conversation opens; no text turns it off.
	Welcome Texts   `json:"welcome"`
	Rules   []Rule  `json:"rules"`
	Hours   Hours   `json:"hours"`
	Handoff Handoff `json:"handoff"`
	// SmallTalk answers greetings, thanks and goodbyes the FAQ did not.
	SmallTalk bool `json:"small_talk"`
	// Templates replace catalogue texts by key (see Catalogue).
	Templates map[string]Texts `json:"templates"`
}

// Rule is a keyword auto-reply: when a buyer message matches one of the
// patterns, the reply is sent and nothing else runs. Rules are tried by
// descending priority, then in order.
type Rule struct {
	Name     string   `json:"name"`
	Match    string   `json:"match"` // exact, contains or regexp
	Patterns []string `json:"patterns"`
	Reply    Texts    `json:"reply"`
	Priority int      `json:"priority"`
}

// Rule match kinds. Exact and contains compare case-folded text without
// surrounding spaces and punctuation; regexp uses RE2 syntax (linear time,
// no back-references) on the case-folded text.
const (
	MatchExact    = "exact"
	MatchContains = "contains"
	MatchRegexp   = "regexp"
)

// Handoff says when the bot hands a buyer to a person.
type Handoff struct {
	// HumanWords are how buyers ask for a person (转人工, 人工, human, agent).
	HumanWords []string `json:"human_words"`
	// Keywords hand over whatever else is said (律师, 12315 ...).
	Keywords []string `json:"keywords"`
	// AlwaysHuman are intents the bot never answers itself.
	AlwaysHuman []string `json:"always_human"`
	// MaxMisses hands over after this many unanswered messages in a row;
	// 0 never.
	MaxMisses int `json:"max_misses"`
	// Frustration hands over when the buyer's frustration (0-1) reaches it;
	// 0 never.
	Frustration float64 `json:"frustration"`
	// VIPLevel hands over, once per conversation, a buyer whose member
	// level is this or higher (vip1, vip2, vip3); empty never.
	VIPLevel string `json:"vip_level"`
}

// DefaultConfig is a new shop's pipeline.
func DefaultConfig() Config {
	return Config{
		Welcome:   Texts{"zh-CN": catalogue["welcome"].texts["zh-CN"], "en": catalogue["welcome"].texts["en"]},
		Rules:     []Rule{},
		Hours:     Hours{Periods: []Period{}, ClosedDates: []string{}},
		SmallTalk: true,
		Handoff: Handoff{
			HumanWords:  []string{"转人工", "人工客服", "人工", "真人", "找客服", "human", "agent", "real person", "representative"},
			Keywords:    []string{},
			AlwaysHuman: []string{"complaint", "aftersale.quality"},
			MaxMisses:   2,
			Frustration: 0.6,
			VIPLevel:    "vip3",
		},
		Templates: map[string]Texts{},
	}
}

// ParseConfig reads a stored document over the defaults, so fields added
// later get their defaults.
func ParseConfig(raw string) (Config, error) {
	if raw == "" {
		return DefaultConfig(), nil
	}
	c, err := decodeConfig([]byte(raw), false)
	if err != nil {
		return c, fmt.Errorf("bot: config: %w", err)
	}
	return c, nil
}

// DecodeConfig reads a config a client sent: fields left out keep their
// defaults, and an unknown field is an error (the json package's, which
// names it).
func DecodeConfig(raw []byte) (Config, error) { return decodeConfig(raw, true) }

func decodeConfig(raw []byte, strict bool) (Config, error) {
	c := DefaultConfig()
	// Decoding adds a document's map entries to the default map instead of
	// replacing it, and a shop that cleared its welcome means no welcome:
	// drop the defaults of the maps the document holds.
	var present map[string]json.RawMessage
	if err := json.Unmarshal(raw, &present); err != nil {
		return c, err
	}
	if _, ok := present["welcome"]; ok {
		c.Welcome = nil
	}
	if _, ok := present["templates"]; ok {
		c.Templates = nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&c); err != nil {
		return c, err
	}
	if c.Templates == nil {
		c.Templates = map[string]Texts{}
	}
	return c, nil
}

// Config returns a shop's pipeline (the defaults when never saved).
func (b *Bot) Config(ctx context.Context, shopID int64) (Config, error) {
	raw, err := b.st.ServiceSettings(ctx, shopID, ConfigName)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(raw)
}

// PutConfig validates and saves a shop's pipeline.
func (b *Bot) PutConfig(ctx context.Context, shopID int64, c Config, knownIntent func(string) bool) error {
	if err := c.Validate(knownIntent); err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := b.st.PutServiceSettings(ctx, shopID, ConfigName, string(raw)); err != nil {
		return err
	}
	b.rules.forget(shopID)
	return nil
}
