// Package stats measures how well the bot and the agents serve buyers, and
// turns what the bot could not answer into FAQ drafts.
//
// Every measure (docs/metrics.md) is pre-aggregated per shop-local hour,
// day and month, by channel, agent group and agent, so a dashboard over a
// million conversations sums a few thousand rows instead of scanning
// messages. A periodic job finds the conversations that changed since its
// cursors (new messages, events, ratings, and conversations whose day after
// closing ended), recomputes each one's whole contribution, and stores the
// difference from what it had added before, in one transaction with the
// cursors: it is restart-safe and idempotent. In a deployment of several
// nodes it runs on one at a time, the holder of a lease in the database
// that its batches renew; another node takes over when the lease expires.
// The job also prunes unanswered questions past the shop's retention.
//
// The knowledge-gap miner groups the unanswered questions by meaning with
// the answer engine's features, ranks the groups by how many buyers asked,
// and drafts a FAQ for each from the agents' actual replies; an approved
// draft goes live at once through internal/kb.
package stats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
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
	// Node names this node (host-pid by default): the job runs on the node
	// holding the statistics lease, in its name. Nodes need distinct names.
	Node string
	// LeaseFor is how long the lease lasts unless renewed (1 min): every
	// stored batch and every round renews it, and when its holder stops,
	// another node takes over within LeaseFor and an Interval.
	LeaseFor time.Duration
	// SingleNode frees the lease at start-up: it can only be this node's
	// previous life's, and waiting for it to expire would only delay the
	// figures.
	SingleNode bool
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
	node      string
	leaseFor  time.Duration
	single    bool
	// months reads whole calendar months of reports by day from the
	// monthly rollup; tests turn it off to compare with the daily path.
	months bool

	// refresh lets one Refresh run at a time in this process (the lease
	// orders several processes).
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
	if opts.LeaseFor <= 0 {
		opts.LeaseFor = time.Minute
	}
	if opts.Node == "" {
		host, _ := os.Hostname()
		opts.Node = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	return &Service{st: opts.Store, kb: opts.KB, log: opts.Logger, now: opts.Now, interval: opts.Interval,
		mineEvery: opts.MineEvery, batch: opts.Batch, lag: opts.Lag, node: opts.Node, leaseFor: opts.LeaseFor,
		single: opts.SingleNode, months: true}
}

// Run keeps the statistics current until ctx ends: every Interval it
// brings the rollups up to date, and every MineEvery it prunes every shop's
// unanswered questions past their retention and regroups the rest, all
// while this node holds the job's lease (other nodes wait their turn). It
// frees the lease when it returns.
func (s *Service) Run(ctx context.Context) {
	if s.single {
		if err := s.st.ReleaseStatsLease(ctx, ""); err != nil {
			s.log.Error("stats: free the lease", "err", err)
		}
	}
	defer func() {
		if err := s.st.ReleaseStatsLease(context.WithoutCancel(ctx), s.node); err != nil {
			s.log.Error("stats: release the lease", "err", err)
		}
	}()
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	var tidied time.Time
	for {
		s.round(ctx, &tidied)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// round is one turn of Run: it refreshes the rollups if this node holds (or
// can take) the lease, and prunes and mines every shop when the last time
// (*tidied) is MineEvery ago. It reports whether this node did the work.
func (s *Service) round(ctx context.Context, tidied *time.Time) bool {
	err := s.Refresh(ctx)
	switch {
	case errors.Is(err, ErrNotHolder):
		return false
	case errors.Is(err, store.ErrStale):
		s.log.Warn("stats: lost the lease to another node", "node", s.node)
		return false
	case ctx.Err() != nil:
		return false
	case err != nil:
		s.log.Error("stats: refresh", "err", err)
	}
	if now := s.now(); now.Sub(*tidied) >= s.mineEvery {
		*tidied = now
		s.tidyAll(ctx)
	}
	return true
}

// tidyAll prunes and regroups the unanswered questions of every shop,
// renewing the lease before each; it stops if another node took it.
func (s *Service) tidyAll(ctx context.Context) {
	shops, err := s.st.ListShops(ctx)
	if err != nil {
		s.log.Error("stats: mine", "err", err)
		return
	}
	for _, sh := range shops {
		if held, err := s.st.TakeStatsLease(ctx, s.node, s.leaseFor); err != nil || !held {
			return
		}
		n, err := s.prune(ctx, sh.ID)
		switch {
		case errors.Is(err, ErrNotHolder) || ctx.Err() != nil:
			return
		case err != nil:
			s.log.Error("stats: prune unanswered questions", "shop", sh.ID, "err", err)
		case n > 0:
			s.log.Info("stats: pruned unanswered questions past the retention", "shop", sh.ID, "questions", n)
		}
		if _, err := s.Mine(ctx, sh.ID); err != nil && ctx.Err() == nil {
			s.log.Error("stats: mine", "shop", sh.ID, "err", err)
		}
	}
}
