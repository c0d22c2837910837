package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Reasons recorded on the conversations an agent who stopped serving gives
// back to the queue.
const (
	// ReasonAgentOffline: the agent set themselves offline.
	ReasonAgentOffline = "agent_offline"
	// ReasonAgentDisconnected: the agent's last workbench socket closed
	// (or their node died) longer than the grace period ago.
	ReasonAgentDisconnected = "agent_disconnected"
)

// AgentOffline applies the shop's rule for an agent who stopped serving,
// whether they said so or their connection did: the conversations they got
// and have not answered yet go back to the queue they came from, keeping
// their priority, to be assigned to someone who is there; the ones they
// are in the middle of stay with them (they may be back in a minute), and
// the agent-silent timer hands those to the bot if they are not. The
// buyers waiting in the queue then drain to the agents with room. It
// returns how many conversations went back to the queue.
func (s *Service) AgentOffline(ctx context.Context, shopID, agentID, actorID int64, reason string) (int, error) {
	moved := 0
	for {
		due, err := s.st.ListDue(ctx, store.Due{Kind: store.DueUnanswered, ShopID: shopID, AgentID: agentID, Limit: sweepBatch})
		if err != nil {
			return moved, err
		}
		n := 0
		var errs []error
		for _, c := range due {
			_, _, err := s.chat.ChangeOwner(ctx, store.OwnerChange{ShopID: shopID, ConversationID: c.ID, From: model.OwnerAgent,
				FromAgentID: agentID, To: model.OwnerQueue, GroupID: c.GroupID, ActorID: actorID, Reason: reason})
			switch {
			case err == nil:
				n++
			case errors.Is(err, store.ErrStale): // answered, moved or closed meanwhile
			default:
				errs = append(errs, fmt.Errorf("route: %s conversation %d: %w", reason, c.ID, err))
			}
		}
		moved += n
		if len(errs) > 0 {
			return moved, errors.Join(errs...)
		}
		// A full batch may have more behind it; one that moved nothing
		// would only find the same conversations again.
		if len(due) < sweepBatch || n == 0 {
			break
		}
	}
	if moved > 0 {
		s.Kick(shopID)
	}
	return moved, nil
}
