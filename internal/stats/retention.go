package stats

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// SettingsName is the name of a shop's statistics settings among its
// service settings (store.ServiceSettings).
const SettingsName = "stats"

// Limits of the retention of unanswered questions, in days. Below the
// miner's window (30 days) questions would go before they are grouped.
const (
	DefaultUnansweredDays = 180
	MinUnansweredDays     = 30
	MaxUnansweredDays     = 3650
)

// pruneBatch is how many questions one pruning transaction deletes.
const pruneBatch = 1000

// Settings are a shop's statistics settings.
type Settings struct {
	// UnansweredDays is how long the buyer questions the bot did not
	// answer are kept (docs/metrics.md): the job deletes older ones,
	// whatever became of them; the drafts keep their record.
	UnansweredDays int `json:"unanswered_days"`
}

// DefaultSettings are the settings of a shop that never saved any.
func DefaultSettings() Settings { return Settings{UnansweredDays: DefaultUnansweredDays} }

func (set Settings) validate() error {
	if set.UnansweredDays < MinUnansweredDays || set.UnansweredDays > MaxUnansweredDays {
		return &FieldError{"unanswered_days", fmt.Sprintf("unanswered_days must be %d to %d", MinUnansweredDays, MaxUnansweredDays)}
	}
	return nil
}

func (set Settings) retention() time.Duration {
	return time.Duration(set.UnansweredDays) * 24 * time.Hour
}

// readSettings reads a shop's settings; a shop that never saved them has
// the defaults.
func readSettings(ctx context.Context, st store.Store, shopID int64) (Settings, error) {
	set := DefaultSettings()
	raw, err := st.ServiceSettings(ctx, shopID, SettingsName)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return set, nil
	case err != nil:
		return set, err
	}
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return set, fmt.Errorf("stats: settings of shop %d: %w", shopID, err)
	}
	return set, nil
}

// Settings reads a shop's statistics settings.
func (s *Service) Settings(ctx context.Context, shopID int64) (Settings, error) {
	return readSettings(ctx, s.st, shopID)
}

// PutSettings validates and saves a shop's statistics settings; bad ones
// give a *FieldError naming the field. A shorter retention takes effect at
// the job's next pruning.
func (s *Service) PutSettings(ctx context.Context, shopID int64, set Settings) error {
	if err := set.validate(); err != nil {
		return err
	}
	raw, err := json.Marshal(set)
	if err != nil {
		return err
	}
	return s.st.PutServiceSettings(ctx, shopID, SettingsName, string(raw))
}

// prune deletes the shop's unanswered questions older than its retention,
// open or decided, in transactions of pruneBatch questions, and returns
// how many went. The drafts stay, approved and dismissed ones with their
// record (the draft as decided, its phrasings and counts). Between
// batches it renews the job's lease and stops if another node took it.
func (s *Service) prune(ctx context.Context, shopID int64) (int, error) {
	set, err := readSettings(ctx, s.st, shopID)
	if err != nil {
		return 0, err
	}
	before := s.now().Add(-set.retention())
	total := 0
	for {
		n, err := s.st.PruneUnanswered(ctx, shopID, before, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
		held, err := s.st.TakeStatsLease(ctx, s.node, s.leaseFor)
		if err != nil {
			return total, err
		}
		if !held {
			return total, ErrNotHolder
		}
	}
}
