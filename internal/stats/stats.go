// Package stats measures how well the bot and the agents serve buyers, and
// turns what the bot could not answer into FAQ drafts.
//
// Every measure (docs/metrics.md) is pre-aggregated per shop-local hour,
// day and month, by channel, agent group and agent, so a dashboard over a million
// conversations sums a few thousand rows instead of scanning messages. A
// periodic job finds the conversations that changed since its cursors
// (new messages, events, ratings, and conversations whose day after closing
// ended), recomputes each one's whole contribution, and stores the
// difference from what it had added before, in one transaction with the
// cursors: it is restart-safe and idempotent, and several nodes take turns.
//
// The knowledge-gap miner groups the unanswered questions by meaning with
// the answer engine's features, ranks the groups by how many buyers asked,
// and drafts a FAQ for each from the agents' actual replies; an approved
// draft goes live at once through internal/kb.
package stats

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options configures a Service. Zero durations take the defaults.
type Options struct {
	Store  store.Store
	KB     *kb.Service // the shops' engines and FAQs, for the miner
	Logger *slog.Logger
	Now    func() time.Time
	// Interval is how often Run brings the rollups up to date (15 s).
	Interval time.Duration
	// MineEvery is how often Run regroups every shop's unanswered
	// questions (1 h).
	MineEvery time.Duration
	// Batch is how many conversations one transaction recomputes (500).
	Batch int
	// Lag is how far behind now the cursors stay (1 min): a row written
	// with an earlier time by a transaction that commits late (another
	// node, PostgreSQL) is still ahead of them. What lies inside the lag is
	// recomputed on every run, which changes nothing.
	Lag time.Duration
}

// Service computes and serves the statistics.
type Service struct {
	st        store.Store
	kb        *kb.Service
	log       *slog.Logger
	now       func() time.Time
	interval  time.Duration
	mineEvery time.Duration
	batch     int
	lag       time.Duration
	// months reads whole calendar months of reports by day from the
	// monthly rollup; tests turn it off to compare with the daily path.
	months bool

	// refresh lets one Refresh run at a time in this process (the store's
	// lock orders several processes).
	refresh sync.Mutex
}

// New returns a Service; call Run to keep the rollups current.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Interval <= 0 {
		opts.Interval = 15 * time.Second
	}
	if opts.MineEvery <= 0 {
		opts.MineEvery = time.Hour
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Lag <= 0 {
		opts.Lag = time.Minute
	}
	return &Service{st: opts.Store, kb: opts.KB, log: opts.Logger, now: opts.Now, interval: opts.Interval,
		mineEvery: opts.MineEvery, batch: opts.Batch, lag: opts.Lag, months: true}
}

// Run refreshes the rollups every Interval and mines every shop's
// unanswered questions every MineEvery, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	var mined time.Time
	for {
		if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("stats: refresh", "err", err)
		}
		if now := s.now(); now.Sub(mined) >= s.mineEvery {
			mined = now
			s.mineAll(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// mineAll regroups the unanswered questions of every shop.
func (s *Service) mineAll(ctx context.Context) {
	shops, err := s.st.ListShops(ctx)
	if err != nil {
		s.log.Error("stats: mine", "err", err)
		return
	}
	for _, sh := range shops {
		if _, err := s.Mine(ctx, sh.ID); err != nil && ctx.Err() == nil {
			s.log.Error("stats: mine", "shop", sh.ID, "err", err)
		}
	}
}
