// Package bot is the conversation brain: for every buyer message in a
// conversation the bot owns, it decides and explains a reply; for a
// conversation a person owns, it only suggests replies to the agent.
//
// A buyer message goes through the pipeline in order, and any step can end
// it: the off-hours notice (once, then on), keyword rules, the answer to a
// question the bot asked, the handoff triggers (asking for a person,
// keywords, always-human intents, frustration, VIP level), live answers
// from the shop's data (orders, logistics, refunds, stock, specs, price,
// size), the FAQ answer, small talk, "did you mean" choices, and the
// fallback, which hands over after too many misses in a row. The bot also
// greets a new conversation, invites a rating when one closes, and tells
// the buyer when a silent agent handed them back.
package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/route"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options configures a Bot.
type Options struct {
	Store    store.Store
	Chat     *chat.Service
	KB       *kb.Service
	Bus      bus.Broker
	Route    *route.Service    // made from Store, Chat and Bus when nil
	Commerce *commerce.Service // made from Store when nil
	Logger   *slog.Logger
	Now      func() time.Time
	Node     string // the bot handles the messages posted on its own node
	Workers  int    // parallel conversations (default 4)
}

// Bot replies to buyers. Messages of one conversation are handled one at a
// time and in order; different conversations in parallel.
type Bot struct {
	st    store.Store
	chat  *chat.Service
	kb    *kb.Service
	bus   bus.Broker
	route *route.Service
	data  *commerce.Service
	log   *slog.Logger
	now   func() time.Time
	node  string
	lanes []*lane
	wg    sync.WaitGroup
	rules ruleCache
}

// New returns a Bot; call Run to start it.
func New(opts Options) *Bot {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Route == nil {
		opts.Route = route.New(route.Options{Store: opts.Store, Chat: opts.Chat, Bus: opts.Bus, Logger: opts.Logger, Now: opts.Now, Node: opts.Node})
	}
	if opts.Commerce == nil {
		opts.Commerce = commerce.New(commerce.Options{Store: opts.Store, Logger: opts.Logger, Now: opts.Now})
	}
	b := &Bot{st: opts.Store, chat: opts.Chat, kb: opts.KB, bus: opts.Bus, route: opts.Route, data: opts.Commerce,
		log: opts.Logger, now: opts.Now, node: opts.Node}
	for range opts.Workers {
		b.lanes = append(b.lanes, newLane())
	}
	return b
}

// Run works until ctx ends, then finishes the messages it holds.
func (b *Bot) Run(ctx context.Context) {
	for _, l := range b.lanes {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for {
				m, ok := l.pop(ctx)
				if !ok {
					return
				}
				b.handle(context.WithoutCancel(ctx), m)
			}
		}()
	}
	<-ctx.Done()
	for _, l := range b.lanes {
		l.close()
	}
	b.wg.Wait()
}

// Handle takes bus events of this node: every buyer message, and the
// conversation events the bot speaks at (opened, closed, handed back by a
// silent agent). It runs on the publisher's goroutine, so it only queues;
// one conversation's jobs share a lane and keep their order.
func (b *Bot) Handle(e bus.Event) {
	if j, ok := b.jobOf(e); ok {
		b.lanes[e.ConversationID%int64(len(b.lanes))].push(j)
	}
}

// jobOf is the bot's work for a bus event, if any.
func (b *Bot) jobOf(e bus.Event) (job, bool) {
	if e.Node != b.node {
		return job{}, false
	}
	switch e.Type {
	case bus.TypeMessage:
		var me chat.MessageEvent
		if err := json.Unmarshal(e.Data, &me); err != nil || me.Message.Sender != string(model.SenderBuyer) {
			return job{}, false
		}
		return job{shopID: e.ShopID, msg: me.Message}, true
	case bus.TypeConversation:
		var ce chat.ConversationEvent
		if err := json.Unmarshal(e.Data, &ce); err != nil {
			return job{}, false
		}
		switch {
		case ce.Event.Kind == "opened":
			return job{shopID: e.ShopID, kind: jobOpened, conversationID: e.ConversationID}, true
		case ce.Event.To == string(model.OwnerClosed) && ce.Event.From != string(model.OwnerClosed):
			return job{shopID: e.ShopID, kind: jobClosed, conversationID: e.ConversationID, eventID: ce.Event.ID}, true
		case ce.Event.To == string(model.OwnerBot) && ce.Event.Reason == route.ReasonAgentSilent:
			return job{shopID: e.ShopID, kind: jobReturned, conversationID: e.ConversationID, eventID: ce.Event.ID}, true
		}
	}
	return job{}, false
}

// job is one thing for the bot to do: a buyer message to answer, or a
// conversation event to speak at.
type job struct {
	shopID         int64
	kind           string // "" for a buyer message
	msg            chat.MessageJSON
	conversationID int64
	eventID        int64
}

// Job kinds besides buyer messages.
const (
	jobOpened   = "opened"
	jobClosed   = "closed"
	jobReturned = "returned"
)

// lane is an unbounded FIFO: the bus must never wait for the bot, and a
// buyer message must never be dropped.
type lane struct {
	mu     sync.Mutex
	items  []job
	ready  chan struct{}
	closed bool
}

func newLane() *lane { return &lane{ready: make(chan struct{}, 1)} }

func (l *lane) push(j job) {
	l.mu.Lock()
	l.items = append(l.items, j)
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
}

// pop waits for the next job; after close it drains what is left.
func (l *lane) pop(ctx context.Context) (job, bool) {
	for {
		l.mu.Lock()
		if len(l.items) > 0 {
			j := l.items[0]
			l.items = l.items[1:]
			l.mu.Unlock()
			return j, true
		}
		closed := l.closed
		l.mu.Unlock()
		if closed {
			return job{}, false
		}
		select {
		case <-l.ready:
		case <-ctx.Done():
			l.close()
		}
	}
}

func (l *lane) close() {
	l.mu.Lock()
	l.closed = true
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
}
