package stats

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

func TestSettings(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 1, 0, 1)
	shop := w.g.shop.ID
	set, err := w.svc.Settings(ctx, shop)
	must(t, err)
	if set != DefaultSettings() || set.UnansweredDays != 180 {
		t.Fatalf("settings of a new shop %+v, want the defaults (180 days)", set)
	}
	for _, days := range []int{-1, 0, 29, 3651} {
		err := w.svc.PutSettings(ctx, shop, Settings{UnansweredDays: days})
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "unanswered_days" {
			t.Errorf("PutSettings(%d days) = %v, want a field error on unanswered_days", days, err)
		}
	}
	for _, days := range []int{30, 3650, 90} {
		must(t, w.svc.PutSettings(ctx, shop, Settings{UnansweredDays: days}))
		set, err := w.svc.Settings(ctx, shop)
		must(t, err)
		if set.UnansweredDays != days {
			t.Errorf("saved %d days, read %+v", days, set)
		}
	}
}

// unanswered lists a shop's open unanswered questions.
func unanswered(t *testing.T, w *world) []store.Unanswered {
	t.Helper()
	us, err := w.g.db.ListUnanswered(context.Background(), w.g.shop.ID, time.Time{}, 100000)
	must(t, err)
	return us
}

// TestRetention ages a shop's unanswered questions past a retention of 30
// days: the job's round prunes them (open and decided ones), keeps the
// recent ones and the decided drafts' records, and a rebuild of the shop's
// figures does not bring the pruned questions back.
func TestRetention(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 3, 40, 17)
	db, shop := w.g.db, w.g.shop
	w.settle(t)
	old := unanswered(t, w)
	if len(old) < 5 {
		t.Fatalf("only %d unanswered questions: the test would prove nothing", len(old))
	}
	// An admin decides on drafts; their questions leave the open list.
	gaps, err := w.svc.Mine(ctx, shop.ID)
	must(t, err)
	if len(gaps) == 0 {
		t.Fatal("no drafts")
	}
	var decided []store.Gap
	for i, st := range []string{store.GapApproved, store.GapDismissed}[:min(2, len(gaps))] {
		g, err := db.DecideGap(ctx, store.GapDecision{ShopID: shop.ID, ID: gaps[i].ID, Status: st, ActorID: 1})
		must(t, err)
		decided = append(decided, g)
	}
	if len(unanswered(t, w)) >= len(old) {
		t.Fatal("deciding on drafts left their questions open")
	}
	must(t, w.svc.PutSettings(ctx, shop.ID, Settings{UnansweredDays: 30}))

	// Five weeks later a buyer asks again.
	b, err := db.EnsureVisitor(ctx, shop.ID, "later")
	must(t, err)
	w.g.session(b, w.g.latest.Add(35*24*time.Hour), "web")
	now := w.settle(t)
	cutoff := now.Add(-30 * 24 * time.Hour)
	var recent []store.Unanswered
	for _, u := range unanswered(t, w) {
		if !u.At.Before(cutoff) {
			recent = append(recent, u)
		}
	}
	if len(recent) == 0 {
		t.Fatal("the later session left no unanswered question: the test would prove nothing")
	}
	// Every old question goes, the decided ones too.
	n, err := w.svc.prune(ctx, shop.ID)
	must(t, err)
	if n != len(old) {
		t.Errorf("pruned %d questions, want all %d older than 30 days", n, len(old))
	}
	if got := unanswered(t, w); !reflect.DeepEqual(got, recent) {
		t.Errorf("after pruning %d questions are left, want the %d recent ones", len(got), len(recent))
	}
	for _, g := range decided {
		got, err := db.GetGap(ctx, shop.ID, g.ID)
		must(t, err)
		if !reflect.DeepEqual(got, g) {
			t.Errorf("decided draft after pruning %+v, want %+v", got, g)
		}
	}
	// A rebuild recomputes every conversation: the old questions stay gone.
	shop.Timezone = "Asia/Tokyo"
	must(t, db.UpdateShop(ctx, shop))
	must(t, w.svc.Refresh(ctx))
	if got := unanswered(t, w); len(got) != len(recent) {
		t.Errorf("after a rebuild %d questions are open, want the %d recent ones", len(got), len(recent))
	}

	// The job's round prunes too, in batches.
	must(t, w.svc.PutSettings(ctx, shop.ID, Settings{UnansweredDays: MinUnansweredDays}))
	w.g.clk.Set(now.Add(40 * 24 * time.Hour))
	var tidied time.Time
	if !w.svc.round(ctx, &tidied) {
		t.Fatal("the job's round did not run")
	}
	if got := unanswered(t, w); len(got) != 0 {
		t.Errorf("after the round %d questions older than 30 days are left", len(got))
	}
}
