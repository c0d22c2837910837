package route

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// maxPublished bounds the buyers of one queue told their place per drain:
// beyond it the number means little and the events cost.
const maxPublished = 500

// QueueEvent is the Data of a bus queue event: a waiting conversation's
// place (1 = next) among Waiting conversations of its queue.
type QueueEvent struct {
	Position int `json:"position"`
	Waiting  int `json:"waiting"`
}

// Position is a waiting conversation's place in its queue (1 = next), or 0
// when it is not waiting.
func (s *Service) Position(ctx context.Context, c model.Conversation) (int, error) {
	if c.Owner != model.OwnerQueue {
		return 0, nil
	}
	queue, err := s.st.ListQueue(ctx, c.ShopID, c.GroupID, 1000)
	if err != nil {
		return 0, err
	}
	for i, e := range queue {
		if e.Conversation.ID == c.ID {
			return i + 1, nil
		}
	}
	return 0, nil
}

// publishPositions tells every waiting buyer of the shop whose place
// changed where they stand now. The queues are read only when their stats
// (who waits, with what priority) changed since the last time: most events
// change nothing in them.
func (s *Service) publishPositions(ctx context.Context, shopID int64) error {
	stats, err := s.st.QueueStats(ctx, shopID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	same := slices.Equal(stats, s.stats[shopID]) && s.posted[shopID] != nil
	s.mu.Unlock()
	if same {
		return nil
	}
	now := map[int64]int{}
	var entries []store.QueueEntry
	waiting := map[int64]int{}
	for _, st := range stats {
		g := st.GroupID
		queue, err := s.st.ListQueue(ctx, shopID, g, maxPublished)
		if err != nil {
			return err
		}
		for i, e := range queue {
			now[e.Conversation.ID] = i + 1
		}
		waiting[g] = st.Waiting
		entries = append(entries, queue...)
	}
	s.mu.Lock()
	before := s.posted[shopID]
	s.posted[shopID], s.stats[shopID] = now, stats
	s.mu.Unlock()
	for _, e := range entries {
		c := e.Conversation
		if before[c.ID] == now[c.ID] {
			continue
		}
		raw, _ := json.Marshal(QueueEvent{Position: now[c.ID], Waiting: waiting[c.GroupID]})
		err := s.bus.Publish(ctx, bus.Event{Type: bus.TypeQueue, ShopID: shopID, ConversationID: c.ID, Node: s.node,
			Owner: string(model.OwnerQueue), GroupID: c.GroupID, Data: raw})
		if err != nil {
			return fmt.Errorf("route: publish queue position: %w", err)
		}
	}
	return nil
}
