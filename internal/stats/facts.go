package stats

import (
	"strconv"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// returnWindow is how long after closing a buyer who opens a new
// conversation counts as coming back with the same need.
const returnWindow = 24 * time.Hour

// channelOther is the channel of a conversation whose channel was never
// recorded (opened before channels were, or not through the widget).
const channelOther = "other"

// stint is a span of a conversation with one owner; end is zero while it
// lasts.
type stint struct {
	owner      model.Owner
	agentID    int64
	start, end time.Time
	reason     string // of the change that began it
}

// facts holds what is computed about one conversation on the way to its
// contribution.
type facts struct {
	sc        *store.StatsConversation
	loc       *time.Location
	now       time.Time
	channel   string
	lastAgent int64
	stints    []stint
	handoffs  []stint // the stints that began with a handover from the bot
	human     bool    // a person owned it or wrote in it
	resolved  bool    // bot-only resolution
	entries   map[store.StatsKey]*store.StatsEntry
	unanswer  []store.Unanswered
}

// Contribution computes what a conversation adds to the rollups, and its
// unanswered questions, as of now in the shop's zone loc.
func Contribution(sc *store.StatsConversation, loc *time.Location, now time.Time) store.StatsContrib {
	f := &facts{sc: sc, loc: loc, now: now, channel: sc.Channel, entries: map[store.StatsKey]*store.StatsEntry{}}
	if f.channel == "" {
		f.channel = channelOther
	}
	f.timeline()
	f.conversation()
	f.times()
	f.satisfaction()
	f.turns()
	f.agents()
	out := store.StatsContrib{ConversationID: sc.Conversation.ID, ShopID: sc.Conversation.ShopID, Unanswered: f.unanswer}
	for _, e := range f.entries {
		out.Entries = append(out.Entries, *e)
	}
	return out
}

// add counts n and total into a metric at t, for the conversation's
// channel and group and the given agent.
func (f *facts) add(t time.Time, metric, item string, agent, n, total int64) {
	k := store.StatsKey{Bucket: localHour(t, f.loc), Metric: metric, Item: item, Channel: f.channel,
		GroupID: f.sc.Conversation.GroupID, AgentID: agent}
	e := f.entries[k]
	if e == nil {
		e = &store.StatsEntry{Key: k}
		f.entries[k] = e
	}
	e.N += n
	e.Total += total
}

// bot counts into a metric of the bot's own (intents, FAQs) at t, for the
// conversation's channel only and by day only: a shop has hundreds of
// FAQs, and by group, agent or hour too they would be most of the rollups.
func (f *facts) bot(t time.Time, metric, item string) {
	k := store.StatsKey{Bucket: localHour(t, f.loc), Metric: metric, Item: item, Channel: f.channel}
	e := f.entries[k]
	if e == nil {
		e = &store.StatsEntry{Key: k, DailyOnly: true}
		f.entries[k] = e
	}
	e.N++
}

// conv counts into a conversation metric: the hour it opened, its last
// agent.
func (f *facts) conv(metric, item string, n, total int64) {
	f.add(f.sc.Conversation.CreatedAt, metric, item, f.lastAgent, n, total)
}

// timeline turns the owner changes into stints.
func (f *facts) timeline() {
	c := f.sc.Conversation
	cur := stint{owner: model.OwnerBot, start: c.CreatedAt}
	for _, e := range f.sc.Events {
		if e.ToOwner == "" || e.Kind == "opened" {
			continue
		}
		cur.end = e.CreatedAt
		f.stints = append(f.stints, cur)
		next := stint{owner: e.ToOwner, agentID: e.AgentID, start: e.CreatedAt, reason: e.Reason}
		if cur.owner == model.OwnerBot && (next.owner == model.OwnerQueue || next.owner == model.OwnerAgent) {
			f.handoffs = append(f.handoffs, next)
		}
		if next.owner == model.OwnerQueue || next.owner == model.OwnerAgent {
			f.human = true
		}
		if next.owner == model.OwnerAgent {
			f.lastAgent = next.agentID
		}
		cur = next
	}
	f.stints = append(f.stints, cur)
	for _, m := range f.sc.Messages {
		if m.Sender == model.SenderAgent {
			f.human = true
		}
	}
}

// conversation counts the conversation, its closing, its resolution and
// its handovers.
func (f *facts) conversation() {
	c := f.sc.Conversation
	f.conv(mConv, "", 1, 0)
	if c.Owner == model.OwnerClosed && !c.ClosedAt.IsZero() {
		f.conv(mClosed, "", 1, ms(c.ClosedAt.Sub(c.CreatedAt)))
		next := f.sc.NextOpenedAt
		returned := !next.IsZero() && next.Sub(c.ClosedAt) < returnWindow
		if returned || !f.now.Before(c.ClosedAt.Add(returnWindow)) {
			f.conv(mDecided, "", 1, 0)
			if !returned && !f.human {
				f.resolved = true
				f.conv(mBotResolved, "", 1, 0)
			}
		}
	}
	if len(f.handoffs) > 0 {
		f.conv(mHanded, "", 1, 0)
	}
	for _, h := range f.handoffs {
		f.conv(mHandoff, reasonKind(h.reason), 1, 0)
	}
}

// reasonKind is a handoff reason without its detail: keyword:律师 is
// keyword, always_human:complaint is always_human.
func reasonKind(r string) string {
	if k, _, ok := strings.Cut(r, ":"); ok {
		r = k
	}
	if r == "" {
		return "unknown"
	}
	return r
}

// times counts the first responses, queue waits and handling time.
func (f *facts) times() {
	ms0 := f.sc.Messages
	first := -1
	for i, m := range ms0 {
		if m.Sender == model.SenderBuyer {
			first = i
			break
		}
	}
	if first >= 0 {
		b := ms0[first]
		for _, m := range ms0[first+1:] {
			if m.Sender == model.SenderBot && stepOf(m) != "welcome" {
				f.conv(mFirstBot, "", 1, ms(m.CreatedAt.Sub(b.CreatedAt)))
				break
			}
		}
	}
	if len(f.handoffs) > 0 {
		h := f.handoffs[0].start
		for _, m := range ms0 {
			if m.Sender == model.SenderAgent && !m.CreatedAt.Before(h) {
				f.conv(mFirstHuman, "", 1, ms(m.CreatedAt.Sub(h)))
				break
			}
		}
	}
	var handled int64
	// A wait runs from entering the queue to leaving it: a move to another
	// group's queue (escalation to the fallback group, a transfer to a
	// group) continues the same wait rather than ending one.
	var waitStart time.Time
	for i, s := range f.stints {
		if s.end.IsZero() {
			continue
		}
		switch s.owner {
		case model.OwnerQueue:
			if waitStart.IsZero() {
				waitStart = s.start
			}
			var next model.Owner
			if i+1 < len(f.stints) {
				next = f.stints[i+1].owner
			}
			switch next {
			case model.OwnerQueue:
				continue
			case model.OwnerAgent:
				f.conv(mQueueWait, "", 1, ms(s.end.Sub(waitStart)))
			default:
				f.conv(mQueueAbandon, "", 1, ms(s.end.Sub(waitStart)))
			}
			waitStart = time.Time{}
		case model.OwnerAgent:
			handled += ms(s.end.Sub(s.start))
		}
	}
	if f.sc.Conversation.Owner == model.OwnerClosed && handled > 0 {
		f.conv(mHandle, "", 1, handled)
	}
}

// satisfaction counts the rating and the invitation to rate.
func (f *facts) satisfaction() {
	r := int64(f.sc.Rating)
	if r > 0 {
		f.conv(mRating, strconv.FormatInt(r, 10), 1, r)
	}
	for _, m := range f.sc.Messages {
		if m.Sender == model.SenderSystem && parseMeta(m.Meta).Invite == "rating" {
			f.conv(mInvited, "", 1, 0)
			if r > 0 {
				f.conv(mInvitedRated, "", 1, 0)
			}
			return
		}
	}
}

// agents counts each agent's part: the conversation once, each stint's
// first response and length, and every message.
func (f *facts) agents() {
	seen := map[int64]bool{}
	for _, s := range f.stints {
		if s.owner != model.OwnerAgent || s.agentID == 0 {
			continue
		}
		if !seen[s.agentID] {
			seen[s.agentID] = true
			f.add(s.start, mAgentConv, "", s.agentID, 1, 0)
		}
		for _, m := range f.sc.Messages {
			if m.Sender == model.SenderAgent && m.SenderID == s.agentID && !m.CreatedAt.Before(s.start) &&
				(s.end.IsZero() || m.CreatedAt.Before(s.end)) {
				f.add(s.start, mAgentFirst, "", s.agentID, 1, ms(m.CreatedAt.Sub(s.start)))
				break
			}
		}
		if !s.end.IsZero() {
			f.add(s.start, mAgentHandle, "", s.agentID, 1, ms(s.end.Sub(s.start)))
		}
	}
	for _, m := range f.sc.Messages {
		if m.Sender == model.SenderAgent {
			f.add(m.CreatedAt, mAgentMsgs, "", m.SenderID, 1, 0)
		}
	}
}

// ms is a duration in whole milliseconds, never negative (clocks of two
// nodes may disagree by a little).
func ms(d time.Duration) int64 {
	if d < 0 {
		return 0
	}
	return d.Milliseconds()
}
