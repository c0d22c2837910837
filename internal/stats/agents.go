package stats

import (
	"context"
	"sort"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// agentMetrics are the per-agent metrics; ratings come from the
// conversations each agent had last.
var agentMetrics = []string{mAgentConv, mAgentMsgs, mAgentFirst, mAgentHandle, mRating}

var agentMeasures = []measure{
	count("conversations", mAgentConv),
	count("messages", mAgentMsgs),
	timed("first_response", mAgentFirst),
	timed("handle_time", mAgentHandle),
	count("handled", mAgentHandle),
	count("ratings", mRating),
	{"rating_avg", KindAvg, func(s sums) any { return avg(s.total(mRating), s.n(mRating)) }},
	{"satisfaction", KindRate, func(s sums) any { return rate(satisfied(s), s.n(mRating)) }},
}

// statusColumns are the statuses whose time each agent report adds up.
var statusColumns = []model.AgentStatus{model.StatusOnline, model.StatusBusy, model.StatusAway}

// Agents reports each agent's conversations, messages, first response,
// handling time, ratings and time in each status over the period. The
// channel and group filters do not apply to time in a status.
func (s *Service) Agents(ctx context.Context, shopID int64, f Filter) (Report, error) {
	loc, tz, err := s.zone(ctx, shopID)
	if err != nil {
		return Report{}, err
	}
	rows, err := s.sums(ctx, shopID, f, agentMetrics, "agent_id", "item")
	if err != nil {
		return Report{}, err
	}
	by, total := map[int64]sums{}, sums{}
	for _, r := range rows {
		if r.AgentID == 0 {
			continue // the bot's conversations: no agent to rate
		}
		if by[r.AgentID] == nil {
			by[r.AgentID] = sums{}
		}
		by[r.AgentID].addRow(r)
		total.addRow(r)
	}
	from, to := dayStart(f.From, loc), dayStart(f.To+1, loc)
	online, err := s.statusTime(ctx, shopID, from, to)
	if err != nil {
		return Report{}, err
	}
	members, err := s.st.ListMembers(ctx, shopID)
	if err != nil {
		return Report{}, err
	}
	names := map[int64]string{}
	for _, m := range members {
		names[m.AccountID] = displayName(m.Account)
		// An agent who was at work but served nobody still has a row.
		if by[m.AccountID] == nil && online[m.AccountID] != nil && (f.AgentID == nil || *f.AgentID == m.AccountID) {
			by[m.AccountID] = sums{}
		}
	}
	cols := append([]Column{{"agent_id", KindID}, {"agent", KindLabel}}, columns(agentMeasures)...)
	for _, st := range statusColumns {
		cols = append(cols, Column{string(st) + "_ms", KindCount})
	}
	rep := newReport("agents", tz, f, cols)
	ids := make([]int64, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	sumStatus := map[model.AgentStatus]int64{}
	for _, id := range ids {
		row := append([]any{id, names[id]}, values(agentMeasures, by[id])...)
		for _, st := range statusColumns {
			row = append(row, online[id][st])
			sumStatus[st] += online[id][st]
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.Totals = append([]any{nil, "total"}, values(agentMeasures, total)...)
	for _, st := range statusColumns {
		rep.Totals = append(rep.Totals, sumStatus[st])
	}
	return rep, nil
}

func displayName(a model.Account) string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Username
}

// statusTime adds up each agent's milliseconds in each status within
// [from, to), up to now.
func (s *Service) statusTime(ctx context.Context, shopID int64, from, to time.Time) (map[int64]map[model.AgentStatus]int64, error) {
	if now := s.now(); to.After(now) {
		to = now
	}
	out := map[int64]map[model.AgentStatus]int64{}
	if !to.After(from) {
		return out, nil
	}
	log, err := s.st.AgentStatusLog(ctx, shopID, from, to)
	if err != nil {
		return nil, err
	}
	return StatusDurations(log, from, to), nil
}

// StatusDurations adds up, from a status log sorted by time (each agent's
// status when the period began first), how long each agent spent in each
// status within [from, to).
func StatusDurations(log []store.StatusChange, from, to time.Time) map[int64]map[model.AgentStatus]int64 {
	out := map[int64]map[model.AgentStatus]int64{}
	type state struct {
		status model.AgentStatus
		since  time.Time
	}
	cur := map[int64]state{}
	account := func(id int64, until time.Time) {
		st, ok := cur[id]
		if !ok || !until.After(st.since) {
			return
		}
		if out[id] == nil {
			out[id] = map[model.AgentStatus]int64{}
		}
		out[id][st.status] += until.Sub(st.since).Milliseconds()
	}
	for _, c := range log {
		at := c.At
		if at.Before(from) {
			at = from
		}
		account(c.AccountID, at)
		cur[c.AccountID] = state{c.Status, at}
	}
	for id := range cur {
		account(id, to)
	}
	return out
}
