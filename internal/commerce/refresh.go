package commerce

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// The tag refresh job. Each buyer row says when its tags are next due
// (NextTagChange, stored with the tags); the job recomputes the buyers
// whose time has come, in batches, on one node at a time (a lease in the
// database, renewed every batch). It keeps no progress of its own: a buyer
// refreshed has a due time in the future, one not yet refreshed is still
// due, so a run that stops anywhere (a crash, a lost lease, a shutdown)
// leaves exactly the buyers still to do for the next run, on any node.
//
// Running every minute costs no more than running daily: a buyer is only
// recomputed when one of their tags may change, and an idle pass is one
// indexed query. It makes "inactive for 90 days" appear within a minute of
// the 90th day instead of up to a day late.

const (
	// DefaultRefreshEvery is how often the job looks for due buyers.
	DefaultRefreshEvery = time.Minute
	// DefaultRefreshBatch is how many buyers the job refreshes between
	// renewals of its lease.
	DefaultRefreshBatch = 200
	// refreshLease is how long the lease lasts unless renewed: a node that
	// dies holding it blocks the job for at most this long.
	refreshLease = 2 * time.Minute
	// maxFailures ends a run after that many buyers in a row failed (the
	// database is gone); fewer are logged and left due for the next run.
	maxFailures = 10
)

// ErrLeaseLost ends a run whose lease another node took (this one stalled
// past the lease): that node carries on from what is still due.
var ErrLeaseLost = errors.New("commerce: tag refresh lease lost")

// RefreshStats says what a run of the job did.
type RefreshStats struct {
	Refreshed int // buyers whose tags were computed and stored
	Skipped   int // buyers changed while computed (due again) or failing
	Leased    bool
}

// Run refreshes due buyer tags every RefreshEvery until ctx ends.
func (s *Service) Run(ctx context.Context) {
	if s.singleNode {
		// One node: a lease in the table is this process's previous life's.
		if err := s.st.ReleaseTagRefresh(ctx, ""); err != nil && ctx.Err() == nil {
			s.log.Error("tag refresh: release the last run's lease", "err", err)
		}
	}
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for {
		start := time.Now()
		st, err := s.RefreshDue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Error("tag refresh", "err", err, "refreshed", st.Refreshed)
		case st.Refreshed+st.Skipped > 0:
			s.log.Info("tag refresh", "refreshed", st.Refreshed, "skipped", st.Skipped, "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.kick:
		}
	}
}

// Kick wakes Run on this node for a run now (a change of a large shop's
// rules marked its buyers due). Another node holding the lease makes it a
// no-op; that node's run sees the buyers due.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// RefreshDue recomputes the tags of every buyer, of every shop, that is due
// at the time it starts, in batches, if this node holds or gets the lease
// (Leased says so; without it, it does nothing).
func (s *Service) RefreshDue(ctx context.Context) (RefreshStats, error) {
	var st RefreshStats
	ok, err := s.st.LeaseTagRefresh(ctx, s.node, refreshLease)
	if err != nil || !ok {
		return st, err
	}
	st.Leased = true
	defer func() {
		if err := s.st.ReleaseTagRefresh(context.WithoutCancel(ctx), s.node); err != nil {
			s.log.Warn("tag refresh: release the lease", "err", err)
		}
	}()
	asof := s.now()
	var cur store.DueCursor
	for {
		ps, err := s.st.ListDueBuyers(ctx, asof, cur, s.batch)
		if err != nil || len(ps) == 0 {
			return st, err
		}
		if err := s.refreshBatch(ctx, ps, &st); err != nil {
			return st, err
		}
		last := ps[len(ps)-1]
		cur = store.DueCursor{Due: last.TagsDue, ID: last.ID}
		if len(ps) < s.batch {
			return st, nil
		}
		ok, err := s.st.LeaseTagRefresh(ctx, s.node, refreshLease)
		if err != nil {
			return st, err
		}
		if !ok {
			return st, ErrLeaseLost
		}
	}
}

// refreshBatch recomputes a batch of due buyers, shop by shop, reading
// each shop's rules after the batch's buyers (see retag.go). A shop's part
// that fails as a whole (a buyer's data cannot be read) is done buyer by
// buyer, so one bad buyer is logged and left due without holding up the
// others.
func (s *Service) refreshBatch(ctx context.Context, ps []model.BuyerProfile, st *RefreshStats) error {
	var shops []int64
	byShop := map[int64][]model.BuyerProfile{}
	for _, p := range ps {
		if byShop[p.ShopID] == nil {
			shops = append(shops, p.ShopID)
		}
		byShop[p.ShopID] = append(byShop[p.ShopID], p)
	}
	for _, shopID := range shops {
		sc, err := s.tagContext(ctx, shopID)
		if err != nil {
			return fmt.Errorf("shop %d: %w", shopID, err)
		}
		done, stale, err := s.retagMany(ctx, shopID, byShop[shopID], sc)
		if err == nil {
			st.Refreshed += done
			st.Skipped += len(stale) // changed meanwhile and due again: the next run
			continue
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("tag refresh: a batch failed, buyer by buyer", "shop", shopID, "err", err)
		if err := s.refreshOneByOne(ctx, shopID, byShop[shopID], sc, st); err != nil {
			return err
		}
	}
	return nil
}

// refreshOneByOne recomputes buyers of one shop one at a time.
func (s *Service) refreshOneByOne(ctx context.Context, shopID int64, ps []model.BuyerProfile, sc shopTags, st *RefreshStats) error {
	failures := 0
	for _, p := range ps {
		err := s.retag(ctx, shopID, p, sc)
		switch {
		case err == nil:
			st.Refreshed++
			failures = 0
		case errors.Is(err, store.ErrStale):
			st.Skipped++
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			st.Skipped++
			failures++
			s.log.Warn("tag refresh: buyer left due", "shop", shopID, "buyer", p.ID, "err", err)
			if failures >= maxFailures {
				return fmt.Errorf("%d buyers in a row failed, the last: %w", failures, err)
			}
		}
	}
	return nil
}
