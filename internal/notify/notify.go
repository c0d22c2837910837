// Package notify makes sure no buyer waits because nobody noticed. It tells
// agents about what concerns them (a conversation waiting in their group's
// queue, one given to them, a buyer's message, a bot handoff, a message left
// out of hours, a bad rating, a long wait), each as the agent chose: an
// alert in the workbench (sound, desktop notification, flashing title) and
// pushes to the shop's channels (DingTalk, WeCom and Feishu robots, email,
// a plain webhook), with quiet hours and no pushes while the agent has the
// workbench open. It also sends signed events to the merchant's own
// systems (webhooks).
//
// Pushes are durable. The store writes a fact to the outbox in the
// transaction of each change a shop subscribes to; the worker turns facts
// into deliveries (one per target and event, in one transaction with the
// fact's removal) and sends them, leasing each target so that one node
// sends to it at a time, within the target's rate limit (bursts become one
// summary message), with retries and exponential backoff, until it gives
// up and shows the delivery as failed. A restart resumes from the tables.
// Workbench alerts are live only: an agent who is not connected gets
// pushes instead.
package notify

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/netip"
	"sync"
	"time"
	_ "time/tzdata" // shops name IANA zones; a minimal host may have no zoneinfo

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options configures a Service. Zero values take the defaults.
type Options struct {
	Store  store.Store
	Bus    bus.Broker
	Hub    *hub.Hub // this node's sockets: who has the workbench open here
	Logger *slog.Logger
	Now    func() time.Time
	// Node is this node's name: alerts are made for the events of this
	// node, and leases are held in its name.
	Node string
	// BaseURL is the public URL, for links to conversations.
	BaseURL string
	// AllowPrivate lists the private or loopback networks pushes may go
	// to; every other private, loopback or link-local address is refused
	// when dialled.
	AllowPrivate []netip.Prefix
	// SingleNode releases the leases of a previous life at start-up.
	SingleNode bool
	// Timeout bounds each outgoing request (default 10 s).
	Timeout time.Duration
	// MaxAttempts is how many tries a delivery gets before it fails
	// (default 8).
	MaxAttempts int
	// Backoff is the wait after the n-th failed try (n from 1); default
	// 30 s doubling up to an hour.
	Backoff func(n int) time.Duration
	// Poll is how often the worker looks for work besides being woken
	// (default 1 s).
	Poll time.Duration
	// TLS is the base TLS configuration of SMTP's STARTTLS (tests give
	// their own roots).
	TLS *tls.Config
}

// Service is notifications and outgoing events.
type Service struct {
	st          store.Store
	bus         bus.Broker
	hub         *hub.Hub
	log         *slog.Logger
	now         func() time.Time
	node        string
	baseURL     string
	single      bool
	maxAttempts int
	backoff     func(int) time.Duration
	poll        time.Duration
	client      *client

	wake chan struct{}

	mu    sync.Mutex
	views map[int64]*shopView // per shop, loaded on demand
	// newBuyer remembers per conversation whether its buyer is new to the
	// shop, so a burst of messages asks the store once.
	newBuyer map[int64]bool

	alerts alertQueue
}

// New returns a Service; call Run to start its worker.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Backoff == nil {
		opts.Backoff = DefaultBackoff
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	return &Service{st: opts.Store, bus: opts.Bus, hub: opts.Hub, log: opts.Logger, now: opts.Now, node: opts.Node,
		baseURL: opts.BaseURL, single: opts.SingleNode, maxAttempts: opts.MaxAttempts, backoff: opts.Backoff, poll: opts.Poll,
		client: newClient(opts.Timeout, opts.AllowPrivate, opts.TLS), wake: make(chan struct{}, 1),
		views: map[int64]*shopView{}, newBuyer: map[int64]bool{}, alerts: newAlertQueue()}
}

// DefaultBackoff waits 30 s after the first failure, doubling each time, at
// most an hour.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Timings of the worker's periodic duties.
const (
	presenceEvery = 15 * time.Second
	onlineFor     = 45 * time.Second // seen this recently: the workbench is open
	sweepEvery    = 30 * time.Second
	pruneEvery    = time.Hour
	keepDelivered = 7 * 24 * time.Hour
)

// Run works until ctx ends: it makes the workbench alerts, moves facts
// from the outbox into deliveries and sends them, keeps presence, and
// looks for long waits.
func (s *Service) Run(ctx context.Context) {
	if s.single {
		if err := s.st.ReleaseLeases(ctx); err != nil {
			s.log.Error("notify: release leases", "err", err)
		}
	}
	if err := s.RefreshAll(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("notify: subscriptions", "err", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.runAlerts(ctx) }()
	defer wg.Wait()
	tick := time.NewTicker(s.poll)
	defer tick.Stop()
	var lastPresence, lastSweep, lastPrune time.Time
	for {
		if err := s.Step(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("notify: step", "err", err)
		}
		now := time.Now()
		if now.Sub(lastPresence) >= presenceEvery {
			lastPresence = now
			s.touchPresence(ctx)
		}
		if now.Sub(lastSweep) >= sweepEvery {
			lastSweep = now
			if err := s.SweepWaiting(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("notify: sweep", "err", err)
			}
		}
		if now.Sub(lastPrune) >= pruneEvery {
			lastPrune = now
			s.prune(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// Step does one round of the durable work now: every fact in the outbox
// becomes deliveries, and every target with deliveries due is sent to.
// Tests drive the worker with it.
func (s *Service) Step(ctx context.Context) error {
	if err := s.fanOut(ctx); err != nil {
		return err
	}
	return s.dispatch(ctx)
}

// Kick wakes the worker soon.
func (s *Service) Kick() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) prune(ctx context.Context) {
	before := s.now().Add(-keepDelivered)
	if _, err := s.st.PruneDeliveries(ctx, before); err != nil {
		s.log.Warn("notify: prune deliveries", "err", err)
	}
	if _, err := s.st.PruneOnce(ctx, s.now().Add(-30*24*time.Hour)); err != nil {
		s.log.Warn("notify: prune once keys", "err", err)
	}
}
