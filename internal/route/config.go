package route

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// SettingsName names the routing document among a shop's service settings.
const SettingsName = "routing"

// Strategy is how a group picks the agent for a waiting conversation.
type Strategy string

// Strategies.
const (
	// RoundRobin takes the group's agents in turn.
	RoundRobin Strategy = "round_robin"
	// LeastBusy takes the agent with the fewest open conversations.
	LeastBusy Strategy = "least_busy"
	// Sticky takes the agent who served the buyer last when they are
	// online and have room, else the least busy.
	Sticky Strategy = "sticky"
)

// Categories are the intent categories a group can be mapped from.
var Categories = []string{"presale", "shipping", "order", "aftersale", "handoff", "chat"}

// GroupRule maps intents to an agent group and says how it assigns.
type GroupRule struct {
	GroupID int64 `json:"group_id"`
	// Categories of intents (presale, shipping, order, aftersale, handoff,
	// chat) this group serves; Intents name single intents and win over
	// any category.
	Categories []string `json:"categories,omitempty"`
	Intents    []string `json:"intents,omitempty"`
	// Strategy overrides the shop's default for this group.
	Strategy Strategy `json:"strategy,omitempty"`
}

// Config is a shop's routing: which group gets which conversation, how each
// group assigns, and the timers of the sweep.
type Config struct {
	Groups []GroupRule `json:"groups"`
	// DefaultGroup gets what no rule maps; 0 is the shop's general queue,
	// which every agent serves.
	DefaultGroup int64 `json:"default_group"`
	// Strategy is the default strategy.
	Strategy Strategy `json:"strategy"`
	// A conversation waiting longer than EscalateMinutes moves to
	// FallbackGroup (0: the general queue); 0 minutes turns it off.
	EscalateMinutes int   `json:"escalate_minutes"`
	FallbackGroup   int64 `json:"fallback_group"`
	// A conversation whose agent wrote nothing for AgentSilentMinutes goes
	// back to the bot; 0 turns it off.
	AgentSilentMinutes int `json:"agent_silent_minutes"`
	// A conversation the bot owns with no message for IdleCloseMinutes is
	// closed; 0 turns it off.
	IdleCloseMinutes int `json:"idle_close_minutes"`
}

// DefaultConfig is a new shop's routing: every conversation in the general
// queue, round robin, escalation after 10 minutes, back to the bot after 30
// silent minutes, closed after an idle hour.
func DefaultConfig() Config {
	return Config{Strategy: RoundRobin, EscalateMinutes: 10, AgentSilentMinutes: 30, IdleCloseMinutes: 60}
}

// ParseConfig reads a stored document over the defaults.
func ParseConfig(raw string) (Config, error) {
	c := DefaultConfig()
	if raw == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return c, fmt.Errorf("route: config: %w", err)
	}
	return c, nil
}

// FieldError is bad input in one field of a config.
type FieldError struct {
	Field   string
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Limits of a config.
const (
	maxGroupRules = 50
	maxMinutes    = 7 * 24 * 60
)

// Validate checks the config against the shop's groups and the known
// intents; the error names the field.
func (c Config) Validate(groups []store.Group, knownIntent func(string) bool) error {
	hasGroup := func(id int64) bool {
		return id == 0 || slices.ContainsFunc(groups, func(g store.Group) bool { return g.ID == id })
	}
	if !c.Strategy.valid() {
		return &FieldError{"strategy", "strategy must be round_robin, least_busy or sticky"}
	}
	if len(c.Groups) > maxGroupRules {
		return &FieldError{"groups", fmt.Sprintf("at most %d group rules", maxGroupRules)}
	}
	seen := map[int64]bool{}
	for i, g := range c.Groups {
		f := fmt.Sprintf("groups[%d]", i)
		switch {
		case g.GroupID == 0 || !hasGroup(g.GroupID):
			return &FieldError{f + ".group_id", "no such agent group in this shop"}
		case seen[g.GroupID]:
			return &FieldError{f + ".group_id", "each group has one rule"}
		case g.Strategy != "" && !g.Strategy.valid():
			return &FieldError{f + ".strategy", "strategy must be round_robin, least_busy or sticky"}
		}
		seen[g.GroupID] = true
		for j, cat := range g.Categories {
			if !slices.Contains(Categories, cat) {
				return &FieldError{fmt.Sprintf("%s.categories[%d]", f, j), fmt.Sprintf("unknown category %q", cat)}
			}
		}
		for j, it := range g.Intents {
			if !knownIntent(it) {
				return &FieldError{fmt.Sprintf("%s.intents[%d]", f, j), fmt.Sprintf("unknown intent %q", it)}
			}
		}
	}
	if !hasGroup(c.DefaultGroup) {
		return &FieldError{"default_group", "no such agent group in this shop"}
	}
	if !hasGroup(c.FallbackGroup) {
		return &FieldError{"fallback_group", "no such agent group in this shop"}
	}
	for name, v := range map[string]int{"escalate_minutes": c.EscalateMinutes, "agent_silent_minutes": c.AgentSilentMinutes,
		"idle_close_minutes": c.IdleCloseMinutes} {
		if v < 0 || v > maxMinutes {
			return &FieldError{name, fmt.Sprintf("%s must be 0 (off) to %d", name, maxMinutes)}
		}
	}
	return nil
}

func (s Strategy) valid() bool { return s == RoundRobin || s == LeastBusy || s == Sticky }

// GroupFor is the group that serves an intent: the first rule naming the
// intent, else the first naming its category, else the default group.
func (c Config) GroupFor(intentID, category string) int64 {
	for _, g := range c.Groups {
		if slices.Contains(g.Intents, intentID) {
			return g.GroupID
		}
	}
	for _, g := range c.Groups {
		if slices.Contains(g.Categories, category) {
			return g.GroupID
		}
	}
	return c.DefaultGroup
}

// StrategyOf is how a group assigns.
func (c Config) StrategyOf(groupID int64) Strategy {
	for _, g := range c.Groups {
		if g.GroupID == groupID && g.Strategy != "" {
			return g.Strategy
		}
	}
	return c.Strategy
}

// Config returns a shop's routing config (the defaults when never saved).
func (s *Service) Config(ctx context.Context, shopID int64) (Config, error) {
	raw, err := s.st.ServiceSettings(ctx, shopID, SettingsName)
	if errors.Is(err, store.ErrNotFound) {
		return DefaultConfig(), nil
	}
	if err != nil {
		return Config{}, err
	}
	return ParseConfig(raw)
}

// PutConfig validates and saves a shop's routing config, then assigns what
// the new rules allow.
func (s *Service) PutConfig(ctx context.Context, shopID int64, c Config, knownIntent func(string) bool) error {
	groups, err := s.st.ListGroups(ctx, shopID)
	if err != nil {
		return err
	}
	if err := c.Validate(groups, knownIntent); err != nil {
		return err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if err := s.st.PutServiceSettings(ctx, shopID, SettingsName, string(raw)); err != nil {
		return err
	}
	s.Kick(shopID)
	return nil
}
