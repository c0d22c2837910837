package notify

import (
	"context"
	"slices"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// touchPresence records who has the workbench open on this node, so that
// every node can tell whether an agent is online before pushing to them.
func (s *Service) touchPresence(ctx context.Context) {
	if s.hub == nil {
		return
	}
	var online []store.Presence
	agents := s.hub.Agents()
	for _, shop := range sortedKeys(agents) {
		ids := slices.Clone(agents[shop])
		slices.Sort(ids)
		for _, id := range ids {
			online = append(online, store.Presence{ShopID: shop, AccountID: id})
		}
	}
	if err := s.st.TouchPresence(ctx, s.node, online); err != nil && ctx.Err() == nil {
		s.log.Warn("notify: presence", "err", err)
	}
}

// online is the set of a shop's agents with the workbench open: on this
// node now, or on any node lately.
func (s *Service) online(ctx context.Context, shopID int64) map[int64]bool {
	out := map[int64]bool{}
	if s.hub != nil {
		for _, id := range s.hub.Agents()[shopID] {
			out[id] = true
		}
	}
	ids, err := s.st.OnlineAgents(ctx, shopID, s.now().Add(-onlineFor))
	if err != nil {
		s.log.Warn("notify: online agents", "err", err)
	}
	for _, id := range ids {
		out[id] = true
	}
	return out
}
