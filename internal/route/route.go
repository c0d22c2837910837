// Package route gives waiting conversations to agents. A conversation the
// bot hands over waits in the queue of an agent group (mapped from the
// buyer's intent), ordered by priority and then by waiting time; an online
// agent with room under their cap (接待上限) gets it by the group's
// strategy: round robin, least busy, or sticky to the buyer's last agent.
// Whenever an agent frees up (a conversation closes or moves, the agent
// comes online, a cap is raised) the queue drains again. A periodic sweep
// over the store escalates long waits to a fallback group, returns
// conversations whose agent went silent to the bot and closes idle ones,
// so the timers survive restarts.
//
// Every assignment is a compare-and-set in the store with the agent's row
// locked, so concurrent drains on one node or many never give a
// conversation twice or push an agent past their cap.
package route

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options configures a Service.
type Options struct {
	Store  store.Store
	Chat   *chat.Service
	Bus    bus.Broker
	Logger *slog.Logger
	Now    func() time.Time
	// Node is this node's name: the service acts on the events of its own
	// node (every node sweeps).
	Node string
	// SweepEvery is how often the timers are checked (default 30 s).
	SweepEvery time.Duration
}

// Service is the router.
type Service struct {
	st    store.Store
	chat  *chat.Service
	bus   bus.Broker
	log   *slog.Logger
	now   func() time.Time
	node  string
	every time.Duration

	mu    sync.Mutex
	shops map[int64]*sync.Mutex // one drain at a time per shop on this node
	dirty map[int64]bool        // shops to drain at the next wake-up
	wake  chan struct{}
	// posted is the queue position last published per waiting
	// conversation, by shop, so only changes are sent.
	posted map[int64]map[int64]int
	// stats are the queues' stats when positions were last published.
	stats map[int64][]store.QueueStat
}

// New returns a Service; call Run to start its worker.
func New(opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = 30 * time.Second
	}
	return &Service{st: opts.Store, chat: opts.Chat, bus: opts.Bus, log: opts.Logger, now: opts.Now, node: opts.Node,
		every: opts.SweepEvery, shops: map[int64]*sync.Mutex{}, dirty: map[int64]bool{}, wake: make(chan struct{}, 1),
		posted: map[int64]map[int64]int{}, stats: map[int64][]store.QueueStat{}}
}

// Run drains the queues of shops where something changed and sweeps the
// timers periodically, until ctx ends.
func (s *Service) Run(ctx context.Context) {
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
			for _, shop := range s.takeDirty() {
				if err := s.DrainShop(ctx, shop); err != nil && ctx.Err() == nil {
					s.log.Error("route: drain", "shop", shop, "err", err)
				}
			}
		case <-tick.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("route: sweep", "err", err)
			}
		}
	}
}

// Handle takes bus events (hub-style, on the publisher's goroutine, so it
// only marks work): a conversation entering or leaving a queue or leaving
// an agent, and a member's change (status, cap, groups), wake the shop's
// drain.
func (s *Service) Handle(e bus.Event) {
	if e.Node != s.node {
		return
	}
	switch e.Type {
	case bus.TypeMember:
		s.Kick(e.ShopID)
	case bus.TypeConversation:
		var ce chat.ConversationEvent
		if json.Unmarshal(e.Data, &ce) != nil {
			return
		}
		// Into or out of a queue (places change), or away from an agent
		// (room frees up).
		from, to := model.Owner(ce.Event.From), model.Owner(ce.Event.To)
		if to == model.OwnerQueue || from == model.OwnerQueue || from == model.OwnerAgent || ce.PrevAgentID != 0 {
			s.Kick(e.ShopID)
		}
	}
}

// Kick asks the worker to drain a shop's queues soon.
func (s *Service) Kick(shopID int64) {
	s.mu.Lock()
	s.dirty[shopID] = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) takeDirty() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int64, 0, len(s.dirty))
	for id := range s.dirty {
		out = append(out, id)
	}
	clear(s.dirty)
	return out
}

// shopLock serialises this node's drains of one shop, so its queue is
// served strictly in order; other nodes are kept honest by the store.
func (s *Service) shopLock(shopID int64) *sync.Mutex {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.shops[shopID]
	if !ok {
		m = &sync.Mutex{}
		s.shops[shopID] = m
	}
	return m
}
