package route

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Default presence timings.
const (
	DefaultGrace = 30 * time.Second
	DefaultLease = 30 * time.Second
)

// PresenceOptions configures a Presence.
type PresenceOptions struct {
	Store  store.Store
	Route  *Service
	Chat   *chat.Service
	Logger *slog.Logger
	Now    func() time.Time
	// Node is this node's name: its leases are held under it.
	Node string
	// Grace is how long an agent whose last workbench socket closed stays
	// as they were; a reconnect within it changes nothing (default 30 s).
	Grace time.Duration
	// Lease is how long this node's word that an agent is connected
	// holds without renewal: a node that dies leaves its agents online at
	// most this long (default 30 s). It is renewed every third of it.
	Lease time.Duration
}

// Presence keeps agents' availability honest: an agent is there while at
// least one of their workbench sockets is open, on any node. Each node
// holds a lease per agent with a socket open on it and renews it; when the
// agent's last socket on the node closes, the lease is cut to the grace
// period. Every node sweeps the leases that ran out, on all nodes: an agent
// left without one (sockets gone for longer than the grace period, or their
// node dead for longer than the lease) is set offline, and AgentOffline
// gives their unanswered conversations back to the queue.
type Presence struct {
	st    store.Store
	route *Service
	chat  *chat.Service
	log   *slog.Logger
	now   func() time.Time
	node  string
	grace time.Duration
	lease time.Duration

	// mu guards sockets and serialises this node's writes of its leases,
	// so a renewal read before a socket closed cannot undo its cut.
	mu      sync.Mutex
	sockets map[store.Presence]int
}

// NewPresence returns a Presence; call Run to renew and sweep.
func NewPresence(opts PresenceOptions) *Presence {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Lease <= 0 {
		opts.Lease = DefaultLease
	}
	return &Presence{st: opts.Store, route: opts.Route, chat: opts.Chat, log: opts.Logger, now: opts.Now, node: opts.Node,
		grace: opts.Grace, lease: opts.Lease, sockets: map[store.Presence]int{}}
}

// Connect counts a workbench socket of an agent opening on this node; the
// first one holds a lease for them.
func (p *Presence) Connect(ctx context.Context, shopID, accountID int64) error {
	a := store.Presence{ShopID: shopID, AccountID: accountID}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sockets[a]++
	if p.sockets[a] > 1 {
		return nil
	}
	return p.st.HoldLeases(ctx, p.node, []store.Presence{a}, p.now().Add(p.lease))
}

// Disconnect counts one of an agent's sockets on this node closing; after
// the last one their lease here runs only until the end of the grace
// period.
func (p *Presence) Disconnect(ctx context.Context, shopID, accountID int64) error {
	a := store.Presence{ShopID: shopID, AccountID: accountID}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sockets[a] > 1 {
		p.sockets[a]--
		return nil
	}
	delete(p.sockets, a)
	return p.st.HoldLeases(ctx, p.node, []store.Presence{a}, p.now().Add(p.grace))
}

// Claim is called when an agent sets themselves available without a socket
// open on this node (through the API, or just before the workbench
// connects): they get the grace period to connect one somewhere, like an
// agent whose socket dropped. A socket here needs no claim.
func (p *Presence) Claim(ctx context.Context, shopID, accountID int64) error {
	a := store.Presence{ShopID: shopID, AccountID: accountID}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sockets[a] > 0 {
		return nil
	}
	return p.st.HoldLeases(ctx, p.node, []store.Presence{a}, p.now().Add(p.grace))
}

// Sockets is how many workbench sockets an agent has open on this node.
func (p *Presence) Sockets(shopID, accountID int64) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sockets[store.Presence{ShopID: shopID, AccountID: accountID}]
}

// Heartbeat renews the leases of every agent with a socket open on this
// node.
func (p *Presence) Heartbeat(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	held := make([]store.Presence, 0, len(p.sockets))
	for a := range p.sockets {
		held = append(held, a)
	}
	return p.st.HoldLeases(ctx, p.node, held, p.now().Add(p.lease))
}

// Sweep ends the leases that ran out, on every node, and takes each agent
// left without one offline: their status changes (and is logged for the
// statistics), their unanswered conversations go back to the queue, and a
// member event tells their sockets and this node's router. It returns how
// many agents went offline.
func (p *Presence) Sweep(ctx context.Context) (int, error) {
	gone, err := p.st.ExpireLeases(ctx, p.now())
	if err != nil {
		return 0, err
	}
	for _, a := range gone {
		moved, err := p.route.AgentOffline(ctx, a.ShopID, a.AccountID, 0, ReasonAgentDisconnected)
		if err != nil {
			p.log.Error("route: requeue a disconnected agent's conversations", "shop", a.ShopID, "agent", a.AccountID, "err", err)
		}
		p.chat.PublishMember(ctx, a.ShopID, a.AccountID)
		p.log.Info("agent offline: no workbench connected", "shop", a.ShopID, "agent", a.AccountID, "requeued", moved)
	}
	return len(gone), nil
}

// sweepEvery is how often the leases are swept: a quarter of the shorter
// of grace and lease, so an agent goes offline soon after either ends.
func (p *Presence) sweepEvery() time.Duration {
	return min(max(min(p.grace, p.lease)/4, 100*time.Millisecond), 10*time.Second)
}

// Run renews this node's leases every third of the lease and sweeps, until
// ctx ends. The leases are left to run out then: sockets closing at
// shutdown have cut theirs to the grace period already.
func (p *Presence) Run(ctx context.Context) {
	renew := time.NewTicker(p.lease / 3)
	defer renew.Stop()
	sweep := time.NewTicker(p.sweepEvery())
	defer sweep.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-renew.C:
			if err := p.Heartbeat(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("route: renew presence leases", "err", err)
			}
		case <-sweep.C:
			if _, err := p.Sweep(ctx); err != nil && ctx.Err() == nil {
				p.log.Error("route: sweep presence leases", "err", err)
			}
		}
	}
}
