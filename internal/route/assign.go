package route

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// agent is a member who may serve a group's queue, with their load.
type agent struct {
	id     int64
	name   string
	status model.AgentStatus
	cap    int
	load   int
}

func (a *agent) hasRoom() bool { return a.status == model.StatusOnline && a.load < a.cap }

// pool is the agents who serve a group: its members (every member for the
// general queue, group 0) whose role lets them reply to buyers, in account
// id order, with their current loads.
func (s *Service) pool(ctx context.Context, shopID, groupID int64) ([]*agent, error) {
	members, err := s.st.ListMembers(ctx, shopID)
	if err != nil {
		return nil, err
	}
	var inGroup []int64
	if groupID != 0 {
		groups, err := s.st.ListGroups(ctx, shopID)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if g.ID == groupID {
				inGroup = g.Members
			}
		}
	}
	loads, err := s.st.AgentLoads(ctx, shopID)
	if err != nil {
		return nil, err
	}
	var out []*agent
	for _, m := range members {
		if groupID != 0 && !slices.Contains(inGroup, m.AccountID) {
			continue
		}
		ok, err := s.canReply(ctx, shopID, m.Role)
		if err != nil {
			return nil, err
		}
		if ok {
			name := m.Account.DisplayName
			if name == "" {
				name = m.Account.Username
			}
			out = append(out, &agent{id: m.AccountID, name: name, status: m.Status, cap: m.MaxChats, load: loads[m.AccountID]})
		}
	}
	slices.SortFunc(out, func(a, b *agent) int { return int(a.id - b.id) })
	return out, nil
}

// canReply reports whether a role lets its holder answer buyers.
func (s *Service) canReply(ctx context.Context, shopID int64, role string) (bool, error) {
	if auth.IsBuiltinRole(role) {
		return slices.Contains(auth.BuiltinPermissions(role), auth.ConversationsReply), nil
	}
	r, err := s.st.GetRole(ctx, shopID, role)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(r.Permissions, string(auth.ConversationsReply)), nil
}

// picker chooses agents for one group during one drain.
type picker struct {
	s        *Service
	shopID   int64
	groupID  int64
	strategy Strategy
	agents   []*agent
	cursor   int64 // round robin: the agent who got the last one
}

// pick returns the agent for a waiting conversation, or nil when nobody
// in the group has room.
func (p *picker) pick(ctx context.Context, c model.Conversation) *agent {
	var free []*agent
	for _, a := range p.agents {
		if a.hasRoom() {
			free = append(free, a)
		}
	}
	if len(free) == 0 {
		return nil
	}
	switch p.strategy {
	case Sticky:
		if last, err := p.s.st.LastAgentOf(ctx, p.shopID, c.BuyerID); err == nil {
			for _, a := range free {
				if a.id == last {
					return a
				}
			}
		}
		return leastBusy(free)
	case LeastBusy:
		return leastBusy(free)
	default:
		for _, a := range free {
			if a.id > p.cursor {
				return a
			}
		}
		return free[0]
	}
}

// leastBusy is the agent with the fewest conversations; among equals the
// one with the most room left, then the lowest id.
func leastBusy(free []*agent) *agent {
	best := free[0]
	for _, a := range free[1:] {
		if a.load < best.load || (a.load == best.load && a.cap-a.load > best.cap-best.load) {
			best = a
		}
	}
	return best
}

// DrainShop assigns the shop's waiting conversations, every group in turn,
// for as long as agents have room, then tells the buyers still waiting
// their places.
func (s *Service) DrainShop(ctx context.Context, shopID int64) error {
	lock := s.shopLock(shopID)
	lock.Lock()
	defer lock.Unlock()
	cfg, err := s.Config(ctx, shopID)
	if err != nil {
		return err
	}
	groups, err := s.st.QueueGroups(ctx, shopID)
	if err != nil {
		return err
	}
	var errs []error
	for _, g := range groups {
		if err := s.drainGroup(ctx, shopID, g, cfg.StrategyOf(g)); err != nil {
			errs = append(errs, fmt.Errorf("route: drain group %d of shop %d: %w", g, shopID, err))
		}
	}
	errs = append(errs, s.publishPositions(ctx, shopID))
	return errors.Join(errs...)
}

// drainGroup serves one queue strictly in order: when the conversation at
// the head finds nobody with room, the ones behind it wait too.
func (s *Service) drainGroup(ctx context.Context, shopID, groupID int64, strategy Strategy) error {
	agents, err := s.pool(ctx, shopID, groupID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(agents, (*agent).hasRoom) {
		return nil
	}
	p := &picker{s: s, shopID: shopID, groupID: groupID, strategy: strategy, agents: agents}
	if strategy == RoundRobin {
		if p.cursor, err = s.st.RoundRobinCursor(ctx, shopID, groupID); err != nil {
			return err
		}
	}
	for {
		queue, err := s.st.ListQueue(ctx, shopID, groupID, 50)
		if err != nil || len(queue) == 0 {
			return err
		}
		for _, e := range queue {
			done, err := s.assignHead(ctx, p, e.Conversation)
			if err != nil {
				return err
			}
			if !done {
				return nil
			}
		}
	}
}

// assignHead gives one waiting conversation to the picker's choice. It
// returns false when nobody has room. An agent who turned out unavailable
// (went offline, got a conversation elsewhere) is marked full and the next
// choice tried; a conversation someone else took is passed over.
func (s *Service) assignHead(ctx context.Context, p *picker, c model.Conversation) (bool, error) {
	for range len(p.agents) + 1 {
		a := p.pick(ctx, c)
		if a == nil {
			return false, nil
		}
		_, _, err := s.chat.Assign(ctx, store.Assignment{Change: store.OwnerChange{ShopID: c.ShopID, ConversationID: c.ID,
			From: model.OwnerQueue, To: model.OwnerAgent, AgentID: a.id, GroupID: c.GroupID, Reason: "auto:" + string(p.strategy)},
			Statuses: []model.AgentStatus{model.StatusOnline}, CheckCap: true, Cursor: p.strategy == RoundRobin})
		switch {
		case err == nil:
			a.load++
			p.cursor = a.id
			return true, nil
		case errors.Is(err, store.ErrStale):
			return true, nil
		case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrNotFound):
			a.load = a.cap
		default:
			return false, err
		}
	}
	return false, nil
}

// OnDuty reports whether an agent who serves the group is online (full or
// not): then a buyer handed over waits in the queue for a person, else they
// leave a message.
func (s *Service) OnDuty(ctx context.Context, shopID, groupID int64) (bool, error) {
	agents, err := s.pool(ctx, shopID, groupID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(agents, func(a *agent) bool { return a.status == model.StatusOnline }), nil
}

// AgentName is how a buyer is told who serves them: the display name.
func (s *Service) AgentName(ctx context.Context, shopID, accountID int64) string {
	m, err := s.st.GetMember(ctx, shopID, accountID)
	if err != nil {
		return ""
	}
	if m.Account.DisplayName != "" {
		return m.Account.DisplayName
	}
	return m.Account.Username
}
