package bot

import (
	"context"
	"sync"
	"sync/atomic"
)

// DefaultBacklog bounds the conversations waiting for the bot on a node.
const DefaultBacklog = 1000

// overflowFactor sizes the overflow lane against the backlog: its jobs are
// small (the message text is left to the store) and its work cheap.
const overflowFactor = 10

// The ways a job can be taken by a lane.
const (
	queued = iota // a new job at the end of the lane
	merged        // folded into the conversation's message job that waits already
	full          // the lane's bound is reached: not taken
)

// lane is a FIFO of the bot's jobs with one worker, bounded in jobs
// (shared with other lanes through count). A buyer message whose
// conversation already has a message job waiting, with nothing of that
// conversation queued after it, is folded into that job: the bot answers a
// burst once, reading every message of it. A message of the conversation
// the worker is busy with is always taken, past the bound if need be (at
// most one job per lane), so a conversation is never split between the
// pipeline and the overload handover. The bus never waits for the bot: a
// lane that is full says so and the caller decides.
type lane struct {
	count *atomic.Int64 // jobs waiting in the lanes sharing the bound
	limit int64
	peak  *atomic.Int64 // the most jobs count has held

	mu     sync.Mutex
	items  []*job
	open   map[int64]*job // conversation → its message job, while it is the conversation's last job here
	busy   int64          // the conversation the worker is handling
	ready  chan struct{}
	closed bool
}

func newLane(count, peak *atomic.Int64, limit int) *lane {
	return &lane{count: count, peak: peak, limit: int64(limit), open: map[int64]*job{}, ready: make(chan struct{}, 1)}
}

// push offers a job: queued, merged into a waiting one, or full.
func (l *lane) push(j *job) int {
	conv := j.conversation()
	l.mu.Lock()
	if j.kind == "" {
		if w := l.open[conv]; w != nil {
			w.merge(j)
			l.mu.Unlock()
			return merged
		}
	}
	if !l.reserve(j.kind == "" && conv == l.busy) {
		l.mu.Unlock()
		return full
	}
	l.items = append(l.items, j)
	if j.kind == "" {
		l.open[conv] = j
	} else {
		// A buyer message after this event must not be answered before it.
		delete(l.open, conv)
	}
	l.mu.Unlock()
	select {
	case l.ready <- struct{}{}:
	default:
	}
	return queued
}

// holds reports whether the lane has a conversation's message job waiting
// or its worker is on that conversation.
func (l *lane) holds(conv int64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open[conv] != nil || l.busy == conv
}

// reserve takes a place under the shared bound (past it when forced).
func (l *lane) reserve(force bool) bool {
	for {
		n := l.count.Load()
		if n >= l.limit && !force {
			return false
		}
		if l.count.CompareAndSwap(n, n+1) {
			for {
				p := l.peak.Load()
				if n+1 <= p || l.peak.CompareAndSwap(p, n+1) {
					return true
				}
			}
		}
	}
}

// pop waits for the next job; after close it drains what is left. Once
// popped, a job takes no more messages: later ones make a new job.
func (l *lane) pop(ctx context.Context) (*job, bool) {
	for {
		l.mu.Lock()
		if len(l.items) > 0 {
			j := l.items[0]
			l.items[0] = nil
			l.items = l.items[1:]
			conv := j.conversation()
			if l.open[conv] == j {
				delete(l.open, conv)
			}
			l.busy = conv
			l.count.Add(-1)
			l.mu.Unlock()
			return j, true
		}
		closed := l.closed
		l.mu.Unlock()
		if closed {
			return nil, false
		}
		select {
		case <-l.ready:
		case <-ctx.Done():
			l.close()
		}
	}
}

// done says the worker finished the job it popped.
func (l *lane) done() {
	l.mu.Lock()
	l.busy = 0
	l.mu.Unlock()
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

// backlog is the bot's work on this node: lanes that run the pipeline
// (a conversation always in the same lane, so its jobs keep their order),
// bounded together; and, when they are full, an overflow lane with its
// own bound (overflowFactor times larger), whose conversations are handed
// to people rather than waiting for the pipeline. With both full, the job is shed: the buyer's message
// stays stored and acknowledged, only the bot's answer is lost. Work that
// only helps people (suggestions for a conversation a person has) or is a
// courtesy (greeting, rating invitation, "the bot is back") is skipped
// when the lanes are full rather than overflowing.
type backlog struct {
	lanes    []*lane
	overflow *lane
	waiting  atomic.Int64 // jobs in the lanes
	over     atomic.Int64 // jobs in the overflow lane
	peak     atomic.Int64
	overPeak atomic.Int64
	busy     atomic.Int64 // jobs being handled now

	coalesced  atomic.Uint64
	overloaded atomic.Uint64
	shed       atomic.Uint64
	skipped    atomic.Uint64
	lastShed   atomic.Int64 // unix nanoseconds of the last shed log line
}

func newBacklog(workers, limit int) *backlog {
	q := &backlog{}
	for range workers {
		q.lanes = append(q.lanes, newLane(&q.waiting, &q.peak, limit))
	}
	q.overflow = newLane(&q.over, &q.overPeak, overflowFactor*limit)
	return q
}

// Outcomes of offering a job to the backlog.
const (
	accepted   = iota // queued or merged for the pipeline
	overflowed        // queued or merged for the overload handover
	shed              // a buyer message for the bot dropped: both bounds reached
	skipped           // suggestions or a courtesy dropped: the lanes were full
)

// add offers a job to its conversation's lane, then, for a buyer message
// to the bot, to the overflow lane. A conversation waiting in the overflow
// lane keeps its later messages there, so the pipeline and the handover
// never both work on it.
func (q *backlog) add(j *job) int {
	if j.kind == "" && q.overflow.holds(j.conversation()) {
		j.msg.Body = "" // the handover does not read it
		switch q.overflow.push(j) {
		case merged:
			q.coalesced.Add(1)
			return overflowed
		case queued:
			return overflowed
		}
	}
	switch q.lanes[j.conversation()%int64(len(q.lanes))].push(j) {
	case merged:
		q.coalesced.Add(1)
		return accepted
	case queued:
		return accepted
	}
	if j.kind != "" || j.forPeople {
		q.skipped.Add(1)
		return skipped
	}
	j.msg.Body = ""
	switch q.overflow.push(j) {
	case merged:
		q.coalesced.Add(1)
		return overflowed
	case queued:
		return overflowed
	}
	q.shed.Add(1)
	return shed
}

// BacklogStats is the state of the bot's backlog on this node.
type BacklogStats struct {
	// Waiting is how many jobs (mostly conversations with unanswered buyer
	// messages) wait for the pipeline; Peak the most that ever did. A
	// message of a conversation being answered is taken past Limit, so
	// Waiting stays within Limit plus one per worker.
	Waiting, Peak int
	// Overflow is how many conversations wait for the overload handover;
	// OverflowPeak the most that ever did.
	Overflow, OverflowPeak int
	// Busy is how many jobs are being handled now.
	Busy int
	// Limit bounds Waiting and OverflowLimit bounds Overflow (each plus
	// one per worker, for the conversation it is on).
	Limit, OverflowLimit int
	// Coalesced counts buyer messages answered together with later ones.
	Coalesced uint64
	// Overloaded counts conversations handed to people because the
	// pipeline's backlog was full.
	Overloaded uint64
	// Shed counts buyer messages to the bot dropped with both bounds
	// reached: stored and acknowledged, not answered by the bot.
	Shed uint64
	// Skipped counts suggestions and courtesies dropped with the lanes
	// full.
	Skipped uint64
}

func (q *backlog) stats() BacklogStats {
	return BacklogStats{Waiting: int(q.waiting.Load()), Peak: int(q.peak.Load()), Overflow: int(q.over.Load()),
		OverflowPeak: int(q.overPeak.Load()), Busy: int(q.busy.Load()), Limit: int(q.lanes[0].limit), OverflowLimit: int(q.overflow.limit),
		Coalesced: q.coalesced.Load(), Overloaded: q.overloaded.Load(), Shed: q.shed.Load(), Skipped: q.skipped.Load()}
}
