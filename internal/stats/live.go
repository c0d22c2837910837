package stats

import (
	"context"
	"sort"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// Live is what a supervisor watches now: who waits, for how long, and
// which agents are at work with how many conversations.
type Live struct {
	At            time.Time   `json:"at"`
	Waiting       int         `json:"waiting"`
	LongestWaitMS int64       `json:"longest_wait_ms"`
	Queues        []QueueLive `json:"queues"`
	AgentsOnline  int         `json:"agents_online"`
	WithAgents    int         `json:"with_agents"`
	// Agents is the table of agents (CSV export).
	Agents Report `json:"agents"`
}

// QueueLive is one group's queue now (group 0: the shop's general queue).
type QueueLive struct {
	GroupID       int64  `json:"group_id"`
	Group         string `json:"group"`
	Waiting       int    `json:"waiting"`
	LongestWaitMS int64  `json:"longest_wait_ms"`
}

// Live reads the shop's queues and agents now, from the live tables (no
// rollup: these are small).
func (s *Service) Live(ctx context.Context, shopID int64) (Live, error) {
	now := s.now()
	out := Live{At: now.UTC(), Queues: []QueueLive{}}
	_, tz, err := s.zone(ctx, shopID)
	if err != nil {
		return out, err
	}
	queues, err := s.st.QueueNow(ctx, shopID)
	if err != nil {
		return out, err
	}
	groups, err := s.st.ListGroups(ctx, shopID)
	if err != nil {
		return out, err
	}
	names := map[int64]string{}
	for _, g := range groups {
		names[g.ID] = g.Name
	}
	for _, q := range queues {
		wait := ms(now.Sub(q.Oldest))
		out.Queues = append(out.Queues, QueueLive{GroupID: q.GroupID, Group: names[q.GroupID], Waiting: q.Waiting, LongestWaitMS: wait})
		out.Waiting += q.Waiting
		out.LongestWaitMS = max(out.LongestWaitMS, wait)
	}
	members, err := s.st.ListMembers(ctx, shopID)
	if err != nil {
		return out, err
	}
	loads, err := s.st.AgentLoads(ctx, shopID)
	if err != nil {
		return out, err
	}
	sort.Slice(members, func(i, j int) bool { return members[i].AccountID < members[j].AccountID })
	out.Agents = Report{Name: "live_agents", Timezone: tz, Columns: []Column{{"agent_id", KindID}, {"agent", KindLabel},
		{"status", KindLabel}, {"load", KindCount}, {"max_chats", KindCount}}, Rows: [][]any{}}
	for _, m := range members {
		load := loads[m.AccountID]
		if m.Status == model.StatusOffline && load == 0 {
			continue
		}
		if m.Status == model.StatusOnline || m.Status == model.StatusBusy {
			out.AgentsOnline++
		}
		out.WithAgents += load
		out.Agents.Rows = append(out.Agents.Rows, []any{m.AccountID, displayName(m.Account), string(m.Status), int64(load), int64(m.MaxChats)})
	}
	return out, nil
}
