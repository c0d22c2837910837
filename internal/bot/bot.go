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
// fallback, which hands over after too many misses in a row. An image
// skips them all (see media.go): it is acknowledged, or handed over during
// after-sales, and never counts as a miss. The bot also
// greets a new conversation, invites a rating when one closes, and tells
// the buyer when a silent agent handed them back.
package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
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
	// Backlog bounds the conversations waiting for the pipeline on this
	// node, and separately those waiting for the overload handover
	// (default DefaultBacklog).
	Backlog int
}

// Bot replies to buyers. Messages of one conversation are handled one at a
// time and in order; different conversations in parallel. Buyer messages
// that arrive while an earlier one of the conversation is still waiting or
// being answered are answered together, once; conversations beyond the
// backlog's bound go to people (see backlog).
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
	queue *backlog
	wg    sync.WaitGroup
	rules ruleCache
	// posted counts the messages the bot stored on this node (replies,
	// greetings, notices), for /metrics.
	posted atomic.Uint64
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
	if opts.Backlog <= 0 {
		opts.Backlog = DefaultBacklog
	}
	if opts.Route == nil {
		opts.Route = route.New(route.Options{Store: opts.Store, Chat: opts.Chat, Bus: opts.Bus, Logger: opts.Logger, Now: opts.Now, Node: opts.Node})
	}
	if opts.Commerce == nil {
		opts.Commerce = commerce.New(commerce.Options{Store: opts.Store, Logger: opts.Logger, Now: opts.Now})
	}
	b := &Bot{st: opts.Store, chat: opts.Chat, kb: opts.KB, bus: opts.Bus, route: opts.Route, data: opts.Commerce,
		log: opts.Logger, now: opts.Now, node: opts.Node}
	b.queue = newBacklog(opts.Workers, opts.Backlog)
	return b
}

// Run works until ctx ends, then finishes the jobs it holds (a bounded
// number). A worker per lane runs the pipeline; one more hands the
// overflow to people.
func (b *Bot) Run(ctx context.Context) {
	work := func(l *lane, do func(context.Context, job)) {
		defer b.wg.Done()
		for {
			j, ok := l.pop(ctx)
			if !ok {
				return
			}
			b.queue.busy.Add(1)
			do(context.WithoutCancel(ctx), *j)
			l.done()
			b.queue.busy.Add(-1)
		}
	}
	for _, l := range b.queue.lanes {
		b.wg.Add(1)
		go work(l, b.handle)
	}
	b.wg.Add(1)
	go work(b.queue.overflow, b.overload)
	<-ctx.Done()
	for _, l := range b.queue.lanes {
		l.close()
	}
	b.queue.overflow.close()
	b.wg.Wait()
}

// Handle takes bus events of this node: every buyer message, and the
// conversation events the bot speaks at (opened, closed, handed back by a
// silent agent). It runs on the publisher's goroutine, so it only queues;
// one conversation's jobs share a lane and keep their order.
func (b *Bot) Handle(e bus.Event) {
	if j, ok := b.jobOf(e); ok {
		b.enqueue(j)
	}
}

// enqueue offers a job to the backlog (accepted, overflowed, shed or
// skipped), and logs (at most every shedLogEvery) when jobs are dropped.
func (b *Bot) enqueue(j job) int {
	outcome := b.queue.add(&j)
	if outcome != shed && outcome != skipped {
		return outcome
	}
	now := time.Now().UnixNano()
	last := b.queue.lastShed.Load()
	if now-last >= int64(shedLogEvery) && b.queue.lastShed.CompareAndSwap(last, now) {
		st := b.queue.stats()
		b.log.Warn("bot: backlog full: dropping work (shed: buyer messages stored but not answered by the bot; skipped: suggestions and courtesies)",
			"shed_total", st.Shed, "skipped_total", st.Skipped, "waiting", st.Waiting, "overflow", st.Overflow, "limit", st.Limit)
	}
	return outcome
}

// shedLogEvery spaces the warnings about shed jobs.
const shedLogEvery = 10 * time.Second

// Backlog reports the bot's backlog on this node, for metrics and tests.
func (b *Bot) Backlog() BacklogStats { return b.queue.stats() }

// Posted counts the messages the bot stored on this node (replies,
// greetings, notices): beside people's messages, the whole traffic.
func (b *Bot) Posted() uint64 { return b.posted.Load() }

// HandleNow does at once, on the caller's goroutine, what Handle would
// queue for a bus event of this node, and returns when the bot's replies
// and handovers are stored. It is for tools that play whole conversations
// through the real pipeline (the demo shop's history); the server queues
// with Handle.
func (b *Bot) HandleNow(ctx context.Context, e bus.Event) {
	if j, ok := b.jobOf(e); ok {
		b.handle(ctx, j)
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
		return job{shopID: e.ShopID, msg: me.Message, forPeople: e.Owner != "" && e.Owner != string(model.OwnerBot)}, true
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

// job is one thing for the bot to do: buyer messages to answer, or a
// conversation event to speak at.
type job struct {
	shopID int64
	kind   string // "" for buyer messages
	// msg is the newest buyer message of the job; firstSeq the sequence
	// number of its first and burst how many it holds (0 or 1: just msg).
	msg      chat.MessageJSON
	firstSeq int64
	burst    int
	// forPeople: a person had the conversation when the message came, so
	// the job only suggests replies to them.
	forPeople      bool
	conversationID int64
	eventID        int64
}

// conversation is the conversation the job is about.
func (j *job) conversation() int64 {
	if j.kind == "" {
		return j.msg.ConversationID
	}
	return j.conversationID
}

// merge folds a later buyer message job of the same conversation into j.
func (j *job) merge(later *job) {
	first := min(j.first(), later.first())
	if later.msg.Seq > j.msg.Seq {
		j.msg = later.msg
	}
	j.firstSeq = first
	j.burst = max(j.burst, 1) + max(later.burst, 1)
}

// first is the sequence number of the job's first buyer message.
func (j *job) first() int64 {
	if j.firstSeq == 0 {
		return j.msg.Seq
	}
	return j.firstSeq
}

// Job kinds besides buyer messages.
const (
	jobOpened   = "opened"
	jobClosed   = "closed"
	jobReturned = "returned"
)
