// Package commerce holds the shop's own data as xiaoer serves it: products
// with SKUs and size charts, buyer profiles, orders with logistics, carts,
// favourites, coupons and reviews. It validates what merchants push (by API,
// signed webhook or file), applies a batch whole or not at all, keeps buyer
// tags current, masks what a role may not see, assembles the buyer panel of
// the agent workbench and answers the bot's questions about orders,
// products and sizes. All SQL is in store; this package decides.
package commerce

import (
	"errors"
	"log/slog"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Errors callers map to stable API codes.
var (
	ErrUnknownEntity = errors.New("unknown entity")
	ErrEmptyBatch    = errors.New("batch has no records")
	ErrBatchTooLarge = errors.New("batch has too many records")
	ErrInvalidBatch  = errors.New("batch has invalid records; nothing was applied")
	ErrBadFormat     = errors.New("unknown file format")
	ErrBadFile       = errors.New("file cannot be read")
	ErrBadKey        = errors.New("API key is not valid")
	ErrBadSignature  = errors.New("webhook signature does not verify")
	ErrStaleRequest  = errors.New("webhook timestamp is outside the replay window")
	ErrReplayed      = errors.New("webhook delivery was already received")
	ErrBadRule       = errors.New("tag rule is not valid")
)

// DefaultMaxBatch is the most records one batch (request, webhook or file)
// may hold unless Options say otherwise.
const DefaultMaxBatch = 1000

// Options configures a Service.
type Options struct {
	Store    store.Store
	Logger   *slog.Logger
	Now      func() time.Time
	MaxBatch int // records per batch; DefaultMaxBatch when 0
	// ReplayWindow is how far a webhook timestamp may be from now, and how
	// long delivery ids and signatures are remembered; 5 minutes when 0.
	ReplayWindow time.Duration
	// Node names this process among the nodes of a deployment, for the
	// lease of the tag refresh job (Run).
	Node string
	// SingleNode says no other node shares the database: Run then ends a
	// lease left by this process's previous life at once.
	SingleNode bool
	// RefreshEvery is how often Run looks for buyers whose tags are due;
	// DefaultRefreshEvery when 0.
	RefreshEvery time.Duration
	// RefreshBatch is how many buyers Run refreshes between renewals of
	// its lease (1-1000); DefaultRefreshBatch when 0.
	RefreshBatch int
	// SyncRetag is the most buyers a shop may have for a change of its tag
	// rules or thresholds to retag them before returning; DefaultSyncRetag
	// when 0.
	SyncRetag int
	// PreviewBuyers is the most buyers a rule preview evaluates;
	// DefaultPreviewBuyers when 0.
	PreviewBuyers int
}

// Service is the commerce domain over a store.
type Service struct {
	st         store.Store
	log        *slog.Logger
	now        func() time.Time
	maxBatch   int
	window     time.Duration
	node       string
	singleNode bool
	every      time.Duration
	batch      int
	kick       chan struct{} // wakes Run
	syncRetag  int
	preview    int
}

// New returns a Service.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.ReplayWindow <= 0 {
		opts.ReplayWindow = 5 * time.Minute
	}
	if opts.RefreshEvery <= 0 {
		opts.RefreshEvery = DefaultRefreshEvery
	}
	if opts.RefreshBatch <= 0 || opts.RefreshBatch > 1000 {
		opts.RefreshBatch = DefaultRefreshBatch
	}
	if opts.Node == "" {
		opts.Node = "node"
	}
	if opts.SyncRetag <= 0 {
		opts.SyncRetag = DefaultSyncRetag
	}
	if opts.PreviewBuyers <= 0 {
		opts.PreviewBuyers = DefaultPreviewBuyers
	}
	return &Service{st: opts.Store, log: opts.Logger, now: opts.Now, maxBatch: opts.MaxBatch, window: opts.ReplayWindow,
		node: opts.Node, singleNode: opts.SingleNode, every: opts.RefreshEvery, batch: opts.RefreshBatch,
		kick: make(chan struct{}, 1), syncRetag: opts.SyncRetag, preview: opts.PreviewBuyers}
}

// MaxBatch is the most records a batch may hold.
func (s *Service) MaxBatch() int { return s.maxBatch }
