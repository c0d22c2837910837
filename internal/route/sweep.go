package route

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Reasons the sweep records on the conversations it moves.
const (
	ReasonEscalated   = "escalated"
	ReasonAgentSilent = "agent_silent"
	ReasonIdle        = "idle"
)

// sweepBatch bounds the conversations one timer moves per shop and sweep;
// the next sweep takes the rest.
const sweepBatch = 200

// Sweep runs the timers of every shop from the store, so they hold across
// restarts and nodes: long waits escalate, conversations whose agent went
// silent go back to the bot, idle ones close; then each queue drains.
// Every move is a compare-and-set, so nodes sweeping at once do each move
// once.
func (s *Service) Sweep(ctx context.Context) error {
	shops, err := s.st.ListShops(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, shop := range shops {
		if err := s.SweepShop(ctx, shop.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SweepShop runs one shop's timers at the service's now, then drains its
// queues.
func (s *Service) SweepShop(ctx context.Context, shopID int64) error {
	cfg, err := s.Config(ctx, shopID)
	if err != nil {
		return err
	}
	now := s.now()
	timers := []struct {
		minutes int
		due     store.Due
		move    func(c model.Conversation) store.OwnerChange
	}{
		{cfg.EscalateMinutes, store.Due{Kind: store.DueQueued, ExceptGroup: cfg.FallbackGroup}, func(c model.Conversation) store.OwnerChange {
			return store.OwnerChange{From: model.OwnerQueue, To: model.OwnerQueue, GroupID: cfg.FallbackGroup, Reason: ReasonEscalated}
		}},
		{cfg.AgentSilentMinutes, store.Due{Kind: store.DueAgentSilent}, func(c model.Conversation) store.OwnerChange {
			return store.OwnerChange{From: model.OwnerAgent, FromAgentID: c.AgentID, To: model.OwnerBot, Reason: ReasonAgentSilent}
		}},
		{cfg.IdleCloseMinutes, store.Due{Kind: store.DueIdle}, func(c model.Conversation) store.OwnerChange {
			return store.OwnerChange{From: model.OwnerBot, To: model.OwnerClosed, Reason: ReasonIdle}
		}},
	}
	var errs []error
	for _, t := range timers {
		if t.minutes <= 0 {
			continue
		}
		d := t.due
		d.ShopID, d.Before, d.Limit = shopID, now.Add(-time.Duration(t.minutes)*time.Minute), sweepBatch
		due, err := s.st.ListDue(ctx, d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, c := range due {
			ch := t.move(c)
			ch.ShopID, ch.ConversationID = shopID, c.ID
			if _, _, err := s.chat.ChangeOwner(ctx, ch); err != nil && !errors.Is(err, store.ErrStale) {
				errs = append(errs, fmt.Errorf("route: %s conversation %d: %w", ch.Reason, c.ID, err))
			}
		}
	}
	errs = append(errs, s.DrainShop(ctx, shopID))
	return errors.Join(errs...)
}
