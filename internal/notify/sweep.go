package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// SweepWaiting records a fact for each conversation that has waited in a
// queue longer than an agent's limit: once per wait and limit (the once
// key holds across restarts and nodes), so the agents whose limit it is
// hear of it once.
func (s *Service) SweepWaiting(ctx context.Context) error {
	shops, err := s.st.ListShops(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, sh := range shops {
		if err := s.sweepShop(ctx, sh.ID); err != nil {
			errs = append(errs, fmt.Errorf("notify: sweep shop %d: %w", sh.ID, err))
		}
	}
	if n := len(errs); n > 0 {
		return errors.Join(errs...)
	}
	s.Kick()
	return nil
}

func (s *Service) sweepShop(ctx context.Context, shopID int64) error {
	v, err := s.view(ctx, shopID)
	if err != nil {
		return err
	}
	var limits []int
	for _, m := range v.members {
		p := v.prefs(m.id)
		if e := p.Events[EventWaiting]; m.workbench() && (e.Workbench || e.Push) && !slices.Contains(limits, p.WaitMinutes) {
			limits = append(limits, p.WaitMinutes)
		}
	}
	slices.Sort(limits)
	now := s.now()
	for _, n := range limits {
		due, err := s.st.ListDue(ctx, store.Due{Kind: store.DueQueued, ShopID: shopID, Before: now.Add(-time.Duration(n) * time.Minute),
			ExceptGroup: -1, Limit: 500})
		if err != nil {
			return err
		}
		for _, c := range due {
			st, err := s.st.ConversationState(ctx, shopID, c.ID)
			if err != nil {
				continue // gone meanwhile
			}
			since := st.QueuedAt
			if since.IsZero() {
				since = c.UpdatedAt
			}
			extra, _ := json.Marshal(factExtra{Minutes: n})
			once := fmt.Sprintf("waiting:%d:%d:%d", c.ID, since.UnixMilli(), n)
			if _, err := s.st.AddFact(ctx, store.Fact{ShopID: shopID, Kind: store.FactWaiting, ConversationID: c.ID,
				Data: store.FactData{Conversation: &c, Extra: extra}}, once); err != nil {
				return err
			}
		}
	}
	return nil
}
