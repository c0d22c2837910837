package stats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// sources are the job's inputs, in the order it reads them.
var sources = []string{store.StatsMessages, store.StatsEvents, store.StatsRatings, store.StatsSettled}

// pageSize is how many source rows the job reads at a time.
const pageSize = 2000

// ErrNotHolder is Refresh's answer while another node holds the job's
// lease: that node is bringing the rollups up to date.
var ErrNotHolder = errors.New("stats: another node runs the statistics job")

// zones caches the shops' time zones and retention of unanswered
// questions for one refresh.
type zones struct {
	st   store.Store
	loc  map[int64]*time.Location
	keep map[int64]time.Duration
}

func (z *zones) of(ctx context.Context, shopID int64) (*time.Location, error) {
	if loc, ok := z.loc[shopID]; ok {
		return loc, nil
	}
	sh, err := z.st.GetShop(ctx, shopID)
	if err != nil {
		return nil, err
	}
	z.loc[shopID] = location(sh.Timezone)
	return z.loc[shopID], nil
}

// retention is how long the shop keeps unanswered questions.
func (z *zones) retention(ctx context.Context, shopID int64) (time.Duration, error) {
	if d, ok := z.keep[shopID]; ok {
		return d, nil
	}
	set, err := readSettings(ctx, z.st, shopID)
	if err != nil {
		return 0, err
	}
	z.keep[shopID] = set.retention()
	return z.keep[shopID], nil
}

// ContributionVersion is the version of what Contribution counts. Raise it
// whenever a release changes that (a measure added or redefined): the job
// then rebuilds every shop's figures once, so the past is counted as the
// present is. 1: a wait moved to another group's queue is one wait; a
// question a rule handed over that the engine would have answered is no
// knowledge gap; turns of image messages are not questions.
const ContributionVersion = 1

// Refresh brings the rollups up to date: it starts the rebuild of new
// shops, of shops that moved to another time zone and of shops counted by
// an older ContributionVersion, works the rebuilds
// off, then recomputes every conversation that changed since the cursors.
// It returns when it has caught up. It takes (or renews) the job's lease
// first and gives ErrNotHolder while another node holds it; every batch it
// stores renews the lease, and if another node took it over meanwhile (this
// one stalled past its expiry) the batch is refused with store.ErrStale and
// Refresh stops.
func (s *Service) Refresh(ctx context.Context) error {
	s.refresh.Lock()
	defer s.refresh.Unlock()
	held, err := s.st.TakeStatsLease(ctx, s.node, s.leaseFor)
	if err != nil {
		return err
	}
	if !held {
		return ErrNotHolder
	}
	now := s.now()
	// The cursors start where the sources are before any rebuild reads a
	// conversation, so nothing falls between the two.
	if err := s.st.InitStatsCursors(ctx, now.Add(-returnWindow)); err != nil {
		return err
	}
	shops, err := s.st.StatsShops(ctx)
	if err != nil {
		return err
	}
	z := &zones{st: s.st, loc: map[int64]*time.Location{}, keep: map[int64]time.Duration{}}
	for _, sh := range shops {
		z.loc[sh.ShopID] = location(sh.Timezone)
		if sh.BuiltIn != sh.Timezone || sh.Version != ContributionVersion {
			if err := s.st.StartStatsRebuild(ctx, sh.ShopID, sh.Timezone, ContributionVersion); err != nil {
				return err
			}
			sh.Rebuilding, sh.RebuildID = true, 0
		}
		if sh.Rebuilding {
			if err := s.rebuild(ctx, z, sh, now); err != nil {
				return err
			}
		}
	}
	cursors, err := s.st.StatsCursors(ctx)
	if err != nil {
		return err
	}
	for _, src := range sources {
		if err := s.catchUp(ctx, z, src, cursors[src], now); err != nil {
			return fmt.Errorf("stats: %s: %w", src, err)
		}
	}
	return nil
}

// rebuild recomputes a shop's conversations in id order from where the
// rebuild stopped.
func (s *Service) rebuild(ctx context.Context, z *zones, sh store.StatsShop, now time.Time) error {
	after := sh.RebuildID
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ids, err := s.st.StatsRebuildBatch(ctx, sh.ShopID, after, s.batch)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			after = ids[len(ids)-1]
		}
		done := len(ids) < s.batch
		b := store.StatsBatch{RebuildShop: sh.ShopID, RebuildID: after, RebuildDone: done}
		if err := s.recompute(ctx, z, ids, b, now, false); err != nil {
			return fmt.Errorf("stats: rebuild shop %d: %w", sh.ShopID, err)
		}
		if done {
			return nil
		}
	}
}

// catchUp reads a source from its cursor to the end and recomputes the
// conversations it names.
func (s *Service) catchUp(ctx context.Context, z *zones, src string, cur store.StatsCursor, now time.Time) error {
	until := now.Add(-returnWindow)
	settledBy := now.Add(-s.lag)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		changes, err := s.st.StatsChanges(ctx, src, cur, until, pageSize)
		if err != nil || len(changes) == 0 {
			return err
		}
		next := cur
		var ids []int64
		seen := map[int64]bool{}
		stopped := false
		for _, c := range changes {
			// The cursor passes only rows older than the lag; later ones
			// are recomputed now and again next time.
			stopped = stopped || (src != store.StatsSettled && c.At.After(settledBy))
			if !stopped {
				next = c.Cursor
			}
			if !seen[c.ConversationID] {
				seen[c.ConversationID] = true
				ids = append(ids, c.ConversationID)
			}
		}
		b := store.StatsBatch{Cursors: map[string]store.StatsCursor{src: next}}
		if err := s.recompute(ctx, z, ids, b, now, true); err != nil {
			return err
		}
		if len(changes) < pageSize || next == cur {
			return nil
		}
		cur = next
	}
}

// recompute computes the conversations' contributions and applies them in
// transactions of at most Batch conversations; the last one carries b's
// cursors and progress, so they only move once all is stored. With prev,
// the buyer's previous conversation joins a recent conversation: its
// resolution depends on whether the buyer came back.
func (s *Service) recompute(ctx context.Context, z *zones, ids []int64, b store.StatsBatch, now time.Time, prev bool) error {
	for start := 0; start < len(ids) || start == 0; start += s.batch {
		part := ids[start:min(start+s.batch, len(ids))]
		last := start+s.batch >= len(ids)
		batch := store.StatsBatch{}
		if last {
			batch = b
		}
		batch.Holder, batch.LeaseFor = s.node, s.leaseFor
		cs, err := s.load(ctx, part, prev)
		if err != nil {
			return err
		}
		for i := range cs {
			loc, err := z.of(ctx, cs[i].Conversation.ShopID)
			if err != nil {
				return err
			}
			keep, err := z.retention(ctx, cs[i].Conversation.ShopID)
			if err != nil {
				return err
			}
			c := Contribution(&cs[i], loc, now)
			c.Unanswered = recent(c.Unanswered, now.Add(-keep))
			batch.Contribs = append(batch.Contribs, c)
		}
		if err := s.st.ApplyStats(ctx, batch); err != nil {
			return err
		}
		if last {
			return nil
		}
	}
	return nil
}

// load reads conversations and, with prev, the buyer's previous
// conversation of each that opened within the return window after it
// closed: the buyer came back, so it was not resolved.
func (s *Service) load(ctx context.Context, ids []int64, prev bool) ([]store.StatsConversation, error) {
	cs, err := s.st.LoadStatsConversations(ctx, ids)
	if err != nil || !prev {
		return cs, err
	}
	in := map[int64]bool{}
	for _, id := range ids {
		in[id] = true
	}
	var more []int64
	for _, c := range cs {
		back := !c.PrevClosedAt.IsZero() && c.Conversation.CreatedAt.Sub(c.PrevClosedAt) < returnWindow
		if back && !in[c.PrevID] {
			in[c.PrevID] = true
			more = append(more, c.PrevID)
		}
	}
	if len(more) == 0 {
		return cs, nil
	}
	extra, err := s.st.LoadStatsConversations(ctx, more)
	return append(cs, extra...), err
}

// recent leaves out the questions asked before since: a conversation
// recomputed after its questions were pruned (a rebuild) does not bring
// them back.
func recent(us []store.Unanswered, since time.Time) []store.Unanswered {
	out := us[:0]
	for _, u := range us {
		if !u.At.Before(since) {
			out = append(out, u)
		}
	}
	return out
}
