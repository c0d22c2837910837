// Package bot is the conversation brain: for every buyer message in a
// conversation the bot owns, it decides and explains a reply; for a
// conversation a person owns, it only suggests replies to the agent.
package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/kb"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Options configures a Bot.
type Options struct {
	Store   store.Store
	Chat    *chat.Service
	KB      *kb.Service
	Bus     bus.Broker
	Logger  *slog.Logger
	Now     func() time.Time
	Node    string // the bot handles the messages posted on its own node
	Workers int    // parallel conversations (default 4)
}

// Bot replies to buyers. Messages of one conversation are handled one at a
// time and in order; different conversations in parallel.
type Bot struct {
	st    store.Store
	chat  *chat.Service
	kb    *kb.Service
	bus   bus.Broker
	log   *slog.Logger
	now   func() time.Time
	node  string
	lanes []*lane
	wg    sync.WaitGroup
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
	b := &Bot{st: opts.Store, chat: opts.Chat, kb: opts.KB, bus: opts.Bus, log: opts.Logger, now: opts.Now, node: opts.Node}
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

// Handle takes bus events: every buyer message posted on this node. It
// runs on the publisher's goroutine, so it only queues.
func (b *Bot) Handle(e bus.Event) {
	if e.Type != bus.TypeMessage || e.Node != b.node {
		return
	}
	var me chat.MessageEvent
	if err := json.Unmarshal(e.Data, &me); err != nil || me.Message.Sender != string(model.SenderBuyer) {
		return
	}
	b.lanes[e.ConversationID%int64(len(b.lanes))].push(job{shopID: e.ShopID, msg: me.Message})
}

// job is one buyer message to handle.
type job struct {
	shopID int64
	msg    chat.MessageJSON
}

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
