package commerce_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// hookStore is the real store with hooks on what the refresh job does, to
// stop it (as a crash would) or to change data under it.
type hookStore struct {
	store.Store
	// setTags is called before tags are stored with how many buyers'
	// tags will have been stored counting these; an error is returned
	// instead of storing them.
	setTags  func(upto int64) error
	release  func() error          // instead of ReleaseTagRefresh when set
	readData func(buyerExt string) // after ListBuyersData has read, for each buyer
	dataErr  error                 // from ListBuyersData instead of reading when set
	badBuyer string                // ListBuyerOrders fails for this buyer
	sets     atomic.Int64
}

func (h *hookStore) ListBuyerOrders(ctx context.Context, shopID int64, ext string, limit int) ([]model.Order, error) {
	if ext == h.badBuyer {
		return nil, errors.New("a row that cannot be read")
	}
	return h.Store.ListBuyerOrders(ctx, shopID, ext, limit)
}

func (h *hookStore) SetBuyerTags(ctx context.Context, shopID, id int64, t store.BuyerTags) error {
	if err := h.hook(1); err != nil {
		return err
	}
	return h.Store.SetBuyerTags(ctx, shopID, id, t)
}

func (h *hookStore) SetBuyersTags(ctx context.Context, shopID int64, ws []store.BuyerTagsWrite) ([]int64, error) {
	if err := h.hook(len(ws)); err != nil {
		return nil, err
	}
	return h.Store.SetBuyersTags(ctx, shopID, ws)
}

func (h *hookStore) hook(n int) error {
	upto := h.sets.Add(int64(n))
	if h.setTags != nil {
		return h.setTags(upto)
	}
	return nil
}

func (h *hookStore) ReleaseTagRefresh(ctx context.Context, node string) error {
	if h.release != nil {
		return h.release()
	}
	return h.Store.ReleaseTagRefresh(ctx, node)
}

// ListBuyersData calls readData after reading: what it changes is not in
// the answer.
func (h *hookStore) ListBuyersData(ctx context.Context, shopID int64, exts []string) (map[string]*store.BuyerData, error) {
	if h.dataErr != nil {
		return nil, h.dataErr
	}
	data, err := h.Store.ListBuyersData(ctx, shopID, exts)
	if h.readData != nil {
		for _, ext := range exts {
			h.readData(ext)
		}
	}
	return data, err
}

// job is a refresh job on node over st.
func (f *fixture) job(st store.Store, node string, batch int) *commerce.Service {
	return commerce.New(commerce.Options{Store: st, Now: f.clk.now, Node: node, RefreshBatch: batch})
}

// seedDue stores n buyers of shop a with data straight into the store, as
// an ingest that died before computing tags leaves them: due, untagged.
// Buyer i was last active i%150 days and a half ago; every third has a
// refund, every fifth a paid order. Nothing about them turns in the first
// hours after epoch.
func seedDue(t testing.TB, f *fixture, n int) {
	t.Helper()
	ctx := context.Background()
	for lo := 0; lo < n; lo += 500 {
		var bs []model.BuyerProfile
		var os []model.Order
		for i := lo; i < min(n, lo+500); i++ {
			ext := fmt.Sprintf("b%05d", i)
			half := func(days int) time.Time { return day(-days).Add(-12 * time.Hour) }
			bs = append(bs, model.BuyerProfile{ExternalID: ext, City: "上海", LastActive: half(i % 150)})
			switch {
			case i%3 == 0:
				os = append(os, order("R"+ext, ext, model.OrderRefunded, half(i%40), 5000))
			case i%5 == 0:
				os = append(os, order("O"+ext, ext, model.OrderCompleted, half(i%200), 200000))
			}
		}
		if _, err := f.db.UpsertBuyers(ctx, f.a.ID, bs); err != nil {
			t.Fatal(err)
		}
		if len(os) > 0 {
			if _, err := f.db.UpsertOrders(ctx, f.a.ID, os); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// checkTagged fails unless every verified buyer of shop a holds the tags
// and due time computed from their data now, with no rules.
func checkTagged(t *testing.T, f *fixture, want int) {
	t.Helper()
	checkTaggedWith(t, f, want, "", "")
}

// checkTaggedWith is checkTagged with one rule (its JSON and name) when
// ruleText is not empty.
func checkTaggedWith(t *testing.T, f *fixture, want int, ruleText, ruleName string) {
	t.Helper()
	ctx := t.Context()
	var rules []commerce.NamedRule
	if ruleText != "" {
		r, err := commerce.ParseRule(ruleText)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, commerce.NamedRule{Name: ruleName, Rule: r})
	}
	now := f.clk.now()
	seen := 0
	page := store.Page{Limit: 1000}
	for {
		ps, err := f.db.ListBuyerProfiles(ctx, f.a.ID, page)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			facts, err := f.svc.Facts(ctx, f.a.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			tags := commerce.ComputeTags(facts, commerce.DefaultTagSettings(), rules, now)
			due := commerce.NextTagChange(facts, commerce.DefaultTagSettings(), rules, now)
			if !slices.Equal(p.Tags, tags) {
				t.Fatalf("buyer %s: tags %v, want %v", p.ExternalID, p.Tags, tags)
			}
			if due.IsZero() != p.TagsDue.IsZero() || !due.IsZero() && (p.TagsDue.Before(due) || p.TagsDue.Sub(due) >= time.Millisecond) {
				t.Fatalf("buyer %s: due %v, want %v", p.ExternalID, p.TagsDue, due)
			}
			seen++
		}
		if len(ps) < page.Limit {
			break
		}
		page.After = ps[len(ps)-1].ID
	}
	if seen != want {
		t.Fatalf("%d buyers, want %d", seen, want)
	}
	if n, err := f.db.CountDueBuyers(ctx, now); err != nil || n != 0 {
		t.Fatalf("%d buyers still due (%v)", n, err)
	}
}

// TestRefreshDueAgesTags: the job changes the tags that age, only for the
// buyers whose time came, and a second run finds nothing to do.
func TestRefreshDueAgesTags(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	ingest := func(e commerce.Entity, recs ...any) {
		t.Helper()
		if _, err := f.svc.Ingest(ctx, f.a.ID, commerce.Batch{Entity: e, Records: raws(t, recs...)}); err != nil {
			t.Fatal(err)
		}
	}
	ingest(commerce.Buyers, model.BuyerProfile{ExternalID: "refunded", LastActive: day(0)},
		model.BuyerProfile{ExternalID: "quiet", LastActive: day(-85)}, model.BuyerProfile{ExternalID: "busy", LastActive: day(0)})
	ingest(commerce.Orders, order("O1", "refunded", model.OrderRefunded, day(-25), 100))
	job := f.job(f.db, "n1", 0)
	if st, err := job.RefreshDue(ctx); err != nil || st.Refreshed != 0 || !st.Leased {
		t.Fatalf("right after ingest: %+v, %v; want nothing due", st, err)
	}
	tags := func(ext string) []string {
		p, err := f.db.GetBuyerProfileByExternal(ctx, f.a.ID, ext)
		if err != nil {
			t.Fatal(err)
		}
		return p.Tags
	}
	if !slices.Contains(tags("refunded"), commerce.TagRecentRefund) || slices.Contains(tags("quiet"), commerce.TagInactive) {
		t.Fatalf("at ingest: %v %v", tags("refunded"), tags("quiet"))
	}
	f.clk.advance(10 * dayLen) // the refund is 35 days old, the quiet buyer 95 days quiet
	st, err := job.RefreshDue(ctx)
	if err != nil || st.Refreshed != 2 {
		t.Fatalf("ten days on: %+v, %v; want the 2 buyers whose tags aged", st, err)
	}
	if slices.Contains(tags("refunded"), commerce.TagRecentRefund) || !slices.Contains(tags("quiet"), commerce.TagInactive) ||
		slices.Contains(tags("busy"), commerce.TagInactive) {
		t.Errorf("ten days on: refunded %v, quiet %v, busy %v", tags("refunded"), tags("quiet"), tags("busy"))
	}
	if st, err := job.RefreshDue(ctx); err != nil || st.Refreshed != 0 {
		t.Errorf("again: %+v, %v; want nothing due", st, err)
	}
	checkTagged(t, f, 3)
}

// TestRefreshResumesAfterCrash: a run that dies at any point, without
// releasing its lease, leaves the rest for the next run on another node
// once the lease ends; every buyer ends with the right tags. A batch is
// stored in one transaction: the one the crash falls in is not stored.
func TestRefreshResumesAfterCrash(t *testing.T) {
	const buyers, batch = 230, 50
	for _, crashAt := range []int64{1, 2, 49, 50, 51, 100, 101, 229, 230} {
		t.Run(fmt.Sprint("at ", crashAt), func(t *testing.T) {
			f := newFixture(t, 0)
			seedDue(t, f, buyers)
			crash := errors.New("power cut")
			dead := &hookStore{Store: f.db,
				setTags: func(upto int64) error {
					if upto >= crashAt {
						return crash
					}
					return nil
				},
				release: func() error { return crash }}
			stored := int((crashAt - 1) / batch * batch)
			if st, _ := f.job(dead, "old", batch).RefreshDue(t.Context()); st.Refreshed != stored {
				t.Fatalf("the dying run: %+v; want the %d of the batches before", st, stored)
			}
			next := f.job(f.db, "new", batch)
			if st, err := next.RefreshDue(t.Context()); err != nil || st.Leased {
				t.Fatalf("while the dead node's lease runs: %+v, %v; want no lease", st, err)
			}
			f.clk.advance(3 * time.Minute)
			st, err := next.RefreshDue(t.Context())
			if err != nil || !st.Leased || st.Refreshed != buyers-stored {
				t.Fatalf("the next run: %+v, %v; want the other %d", st, err, buyers-stored)
			}
			checkTagged(t, f, buyers)
		})
	}
}

// TestRefreshCancelled: a run stopped by its context (a shutdown) leaves
// the rest for the next run, and releases its lease.
func TestRefreshCancelled(t *testing.T) {
	f := newFixture(t, 0)
	seedDue(t, f, 120)
	ctx, cancel := context.WithCancel(t.Context())
	stop := &hookStore{Store: f.db, setTags: func(upto int64) error {
		if upto >= 70 {
			cancel()
		}
		return nil
	}}
	st, err := f.job(stop, "a", 25).RefreshDue(ctx)
	if !errors.Is(err, context.Canceled) || st.Refreshed != 50 {
		t.Fatalf("cancelled run: %+v, %v; want the two batches before", st, err)
	}
	st, err = f.job(f.db, "b", 25).RefreshDue(t.Context())
	if err != nil || !st.Leased || st.Refreshed+st.Skipped == 0 {
		t.Fatalf("next run on another node at once: %+v, %v", st, err)
	}
	checkTagged(t, f, 120)
}

// TestRefreshOneNodeAtATime: while one node runs the job another does
// nothing; a node that stalls past its lease loses it, stops at its next
// batch, and the job goes on from what is still due.
func TestRefreshOneNodeAtATime(t *testing.T) {
	f := newFixture(t, 0)
	seedDue(t, f, 100)
	ctx := t.Context()
	other := f.job(f.db, "b", 10)
	var during commerce.RefreshStats
	var duringErr error
	first := &hookStore{Store: f.db, setTags: func(upto int64) error {
		switch upto {
		case 10:
			during, duringErr = other.RefreshDue(ctx)
		case 20:
			f.clk.advance(3 * time.Minute) // node a stalls past its lease, node c takes it
			if ok, err := f.db.LeaseTagRefresh(ctx, "c", 2*time.Minute); err != nil || !ok {
				t.Errorf("node c: %v, %v", ok, err)
			}
		}
		return nil
	}}
	st, err := f.job(first, "a", 10).RefreshDue(ctx)
	if !errors.Is(err, commerce.ErrLeaseLost) || st.Refreshed != 20 {
		t.Fatalf("node a: %+v, %v; want its two batches, then the lease lost", st, err)
	}
	if duringErr != nil || during.Leased || during.Refreshed != 0 {
		t.Fatalf("node b while a ran: %+v, %v; want no lease", during, duringErr)
	}
	f.clk.advance(3 * time.Minute) // node c died holding the lease
	st, err = other.RefreshDue(ctx)
	if err != nil || !st.Leased || st.Refreshed != 80 {
		t.Fatalf("node b after c's lease: %+v, %v; want the other 80", st, err)
	}
	checkTagged(t, f, 100)
}

// TestRefreshRacesIngest: data that arrives while the job computes a buyer
// is not overwritten by the job's older computation.
func TestRefreshRacesIngest(t *testing.T) {
	f := newFixture(t, 0)
	ctx := t.Context()
	seedDue(t, f, 1)
	raced := false
	hook := &hookStore{Store: f.db}
	hook.readData = func(ext string) {
		if raced {
			return
		}
		raced = true
		// The shop pushes a big paid order while the job reads the buyer.
		o := order("late", ext, model.OrderCompleted, day(0), 500000)
		if _, err := f.svc.Ingest(ctx, f.a.ID, commerce.Batch{Entity: commerce.Orders, Records: raws(t, o)}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := f.job(hook, "a", 10).RefreshDue(ctx)
	if err != nil || st.Refreshed != 0 || st.Skipped != 1 {
		t.Fatalf("the racing run: %+v, %v; want its computation dropped", st, err)
	}
	p, err := f.db.GetBuyerProfileByExternal(ctx, f.a.ID, "b00000")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(p.Tags, commerce.TagHighValue) || !slices.Contains(p.Tags, commerce.TagReturning) {
		t.Fatalf("tags %v: the late order is lost", p.Tags)
	}
	checkTagged(t, f, 1)
}

// TestRefreshBadBuyer: when a batch's data cannot be read, its buyers are
// refreshed one by one, and the one whose data cannot be read is left due
// (and logged) without holding up the others.
func TestRefreshBadBuyer(t *testing.T) {
	f := newFixture(t, 0)
	seedDue(t, f, 40)
	bad := &hookStore{Store: f.db, dataErr: errors.New("a row that cannot be read"), badBuyer: "b00007"}
	st, err := f.job(bad, "a", 25).RefreshDue(t.Context())
	if err != nil || st.Refreshed != 39 || st.Skipped != 1 {
		t.Fatalf("%+v, %v; want 39 refreshed and the bad buyer left", st, err)
	}
	if n, err := f.db.CountDueBuyers(t.Context(), f.clk.now()); err != nil || n != 1 {
		t.Fatalf("%d buyers due (%v), want the bad one", n, err)
	}
	if st, err := f.job(f.db, "a", 25).RefreshDue(t.Context()); err != nil || st.Refreshed != 1 {
		t.Fatalf("once it can be read: %+v, %v", st, err)
	}
	checkTagged(t, f, 40)
}

// TestIngestManyBuyers: a batch naming more buyers than are computed at
// once (a file from the command line) tags every one of them.
func TestIngestManyBuyers(t *testing.T) {
	f := newFixture(t, 3000)
	var recs []any
	for i := range 1234 {
		recs = append(recs, order(fmt.Sprint("O", i), fmt.Sprintf("b%05d", i), model.OrderCompleted, day(-i%30), 1000))
	}
	if _, err := f.svc.Ingest(t.Context(), f.a.ID, commerce.Batch{Entity: commerce.Orders, Records: raws(t, recs...)}); err != nil {
		t.Fatal(err)
	}
	checkTagged(t, f, 1234)
}
