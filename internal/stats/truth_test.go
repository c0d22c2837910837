package stats

import (
	"strconv"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// tally is what the truth says a report cell must hold: counts, and
// (count, sum) pairs for averages.
type tally map[string]float64

func (t tally) inc(key string, v float64) { t[key] += v }

// expectation reads the truth the way docs/metrics.md defines each
// measure, for one filter, keyed by bucket label (or reason, agent, ...).
type expectation struct {
	loc    *time.Location
	now    time.Time
	hourly bool
	from   time.Time // shop-local midnight of the first day
	to     time.Time // shop-local midnight after the last day
	ch     string
	group  *int64
	agent  *int64
}

func (e expectation) label(t time.Time) (string, bool) {
	if t.Before(e.from) || !t.Before(e.to) {
		return "", false
	}
	lt := t.In(e.loc)
	if e.hourly {
		return lt.Format("2006-01-02 15") + ":00", true
	}
	return lt.Format(time.DateOnly), true
}

// convOK says whether a conversation passes the filter (its last agent
// for conversation measures).
func (e expectation) convOK(tc *truthConv, agent int64) bool {
	return (e.ch == "" || tc.channel == e.ch) && (e.group == nil || tc.group == *e.group) &&
		(e.agent == nil || agent == *e.agent)
}

func (e expectation) resolved(tc *truthConv) (decided, resolved bool) {
	if !tc.closed {
		return false, false
	}
	closedAt := tc.open.Add(tc.closeAfter)
	decided = tc.returnedWithin || !e.now.Before(closedAt.Add(24*time.Hour))
	return decided, decided && !tc.returnedWithin && !tc.human
}

// series is the expected time-series cells, by label.
func (e expectation) series(convs []*truthConv) map[string]tally {
	out := map[string]tally{}
	cell := func(label string) tally {
		if out[label] == nil {
			out[label] = tally{}
		}
		return out[label]
	}
	for _, tc := range convs {
		if !e.convOK(tc, tc.lastAgent) {
			continue
		}
		if l, ok := e.label(tc.open); ok {
			e.conversation(cell(l), tc)
		}
		for _, tt := range tc.turns {
			if l, ok := e.label(tt.at); ok {
				c := cell(l)
				c.inc(tt.class, 1)
				if tt.class != turnChatter {
					c.inc("questions", 1)
				}
				if tt.choice {
					c.inc("choices", 1)
					if tt.taken {
						c.inc("choices_taken", 1)
					}
				}
			}
		}
	}
	return out
}

// conversation adds one conversation's own measures to its cell.
func (e expectation) conversation(c tally, tc *truthConv) {
	c.inc("conversations", 1)
	if tc.closed {
		c.inc("closed", 1)
		c.inc("close_sum", float64(tc.closeAfter.Milliseconds()))
		if tc.handle > 0 {
			c.inc("handled", 1)
			c.inc("handle_sum", float64(tc.handle.Milliseconds()))
		}
	}
	decided, resolved := e.resolved(tc)
	if decided {
		c.inc("decided", 1)
	}
	if resolved {
		c.inc("bot_resolved", 1)
	}
	if len(tc.handoffs) > 0 {
		c.inc("handed_off", 1)
	}
	if tc.firstBot != nil {
		c.inc("first_bot_n", 1)
		c.inc("first_bot_sum", float64(tc.firstBot.Milliseconds()))
	}
	if tc.firstHuman != nil {
		c.inc("first_human_n", 1)
		c.inc("first_human_sum", float64(tc.firstHuman.Milliseconds()))
	}
	for _, w := range tc.queueWaits {
		c.inc("queue_waits", 1)
		c.inc("queue_wait_sum", float64(w.Milliseconds()))
	}
	for _, w := range tc.abandoned {
		c.inc("queue_abandoned", 1)
		c.inc("abandoned_sum", float64(w.Milliseconds()))
	}
	if tc.rating > 0 {
		c.inc("ratings", 1)
		c.inc("stars_sum", float64(tc.rating))
		c.inc("stars_"+strconv.Itoa(tc.rating), 1)
		if tc.rating >= 4 {
			c.inc("satisfied", 1)
		}
	}
	if tc.invited {
		c.inc("invited", 1)
		if tc.rating > 0 {
			c.inc("invited_rated", 1)
		}
	}
}

// handoffs is the expected handovers by reason.
func (e expectation) handoffs(convs []*truthConv) tally {
	out := tally{}
	for _, tc := range convs {
		if _, ok := e.label(tc.open); ok && e.convOK(tc, tc.lastAgent) {
			for _, r := range tc.handoffs {
				out.inc(r, 1)
			}
		}
	}
	return out
}

// agents is the expected per-agent cells, by agent id.
func (e expectation) agents(convs []*truthConv) map[int64]tally {
	out := map[int64]tally{}
	cell := func(id int64) tally {
		if out[id] == nil {
			out[id] = tally{}
		}
		return out[id]
	}
	for _, tc := range convs {
		// Ratings belong to the conversation's last agent.
		if _, ok := e.label(tc.open); ok && tc.rating > 0 && tc.lastAgent != 0 && e.convOK(tc, tc.lastAgent) {
			c := cell(tc.lastAgent)
			c.inc("ratings", 1)
			c.inc("stars_sum", float64(tc.rating))
			if tc.rating >= 4 {
				c.inc("satisfied", 1)
			}
		}
		for _, p := range tc.parts {
			if _, ok := e.label(p.start); !ok || !e.convOK(tc, p.agent) {
				continue
			}
			c := cell(p.agent)
			if p.firstOfAgt {
				c.inc("conversations", 1)
			}
			if p.first != nil {
				c.inc("first_n", 1)
				c.inc("first_sum", float64(p.first.Milliseconds()))
			}
			if p.ended {
				c.inc("handled", 1)
				c.inc("handle_sum", float64(p.length.Milliseconds()))
			}
		}
		for _, m := range tc.agentMsgs {
			if _, ok := e.label(m.at); ok && e.convOK(tc, m.agent) {
				cell(m.agent).inc("messages", 1)
			}
		}
	}
	return out
}

// items is the expected per-intent (or per-FAQ) cells.
func (e expectation) items(convs []*truthConv, faq bool) map[string]tally {
	out := map[string]tally{}
	e.group, e.agent = nil, nil // the bot's own figures: by channel only
	for _, tc := range convs {
		if !e.convOK(tc, 0) {
			continue
		}
		_, resolved := e.resolved(tc)
		for _, tt := range tc.turns {
			if _, ok := e.label(tt.at); !ok || tt.class == turnChatter {
				continue
			}
			key, answered := tt.intent, tt.class == turnAnswered
			if faq {
				key, answered = tt.faq, tt.faqAnswered
				for _, o := range tt.offered {
					if out[o] == nil {
						out[o] = tally{}
					}
					out[o].inc("offered", 1)
					if o == tt.takenFAQ {
						out[o].inc("taken", 1)
					}
				}
			}
			if key == "" {
				continue
			}
			if out[key] == nil {
				out[key] = tally{}
			}
			c := out[key]
			c.inc("volume", 1)
			if answered {
				c.inc("answered", 1)
				if tt.handedAfter {
					c.inc("handed_off_after", 1)
				}
				if resolved {
					c.inc("resolved", 1)
				}
			}
		}
	}
	return out
}

// statusPlan is an agent's status changes as the generator made them.
type statusPlan struct {
	agent   int64
	changes []statusAt
}

type statusAt struct {
	status model.AgentStatus
	at     time.Time
}

// online is the expected milliseconds each agent spent in each status
// within the expectation's days, up to now: the overlap of every interval
// between two changes with the period.
func (e expectation) online(plans []statusPlan) map[int64]map[model.AgentStatus]int64 {
	out := map[int64]map[model.AgentStatus]int64{}
	end := e.to
	if e.now.Before(end) {
		end = e.now
	}
	for _, p := range plans {
		out[p.agent] = map[model.AgentStatus]int64{}
		for i, c := range p.changes {
			until := end
			if i+1 < len(p.changes) {
				until = p.changes[i+1].at
			}
			lo, hi := c.at, until
			if lo.Before(e.from) {
				lo = e.from
			}
			if hi.After(end) {
				hi = end
			}
			if hi.After(lo) {
				out[p.agent][c.status] += hi.Sub(lo).Milliseconds()
			}
		}
	}
	return out
}
