package storetest

import (
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testStatsPrune prunes unanswered questions older than a cutoff in
// batches, oldest first, whatever their status, in one shop only, and
// keeps the drafts they were in with their record.
func testStatsPrune(t *testing.T, e *env) {
	a, b := e.shop("prune-a"), e.shop("prune-b")
	start := e.now()
	var asked []model.Message
	save := func(shopID int64, n int, kind string) store.StatsContrib {
		c := e.conversation(shopID, e.buyer(shopID, name("p%d-%d", shopID, n)).ID)
		sc := store.StatsContrib{ConversationID: c.ID, ShopID: shopID}
		for i := range n {
			e.clk.Advance(24 * time.Hour)
			m := e.send(c, model.SenderBuyer, c.BuyerID, name("q%d", i), name("问题%d", i))
			asked = append(asked, m)
			sc.Unanswered = append(sc.Unanswered, store.Unanswered{MessageID: m.ID, BuyerID: c.BuyerID, Kind: kind, Text: m.Body, At: m.CreatedAt})
		}
		checkErr(t, "ApplyStats", e.s.ApplyStats(e.ctx, store.StatsBatch{Contribs: []store.StatsContrib{sc}}), nil)
		return sc
	}
	// Shop a: questions on days 1-6; the first two in a draft that is
	// then approved. Shop b: questions on days 7-8.
	sa := save(a.ID, 6, "fallback")
	save(b.ID, 2, "handoff")
	gs, err := e.s.SaveGaps(e.ctx, a.ID, []store.Gap{{Kind: store.GapNew, Draft: `{"question":"问题0"}`, Buyers: 1, Asks: 2,
		Members: []int64{sa.Unanswered[0].MessageID, sa.Unanswered[1].MessageID}}})
	checkErr(t, "SaveGaps", err, nil)
	approved, err := e.s.DecideGap(e.ctx, store.GapDecision{ShopID: a.ID, ID: gs[0].ID, Status: store.GapApproved, ActorID: 1, FAQID: 9})
	checkErr(t, "DecideGap", err, nil)

	cutoff := start.Add(4*24*time.Hour + time.Hour) // after the question of day 4
	n, err := e.s.PruneUnanswered(e.ctx, a.ID, cutoff, 3)
	checkErr(t, "PruneUnanswered", err, nil)
	if n != 3 {
		t.Fatalf("first batch pruned %d, want 3", n)
	}
	// Days 1-3 went (oldest first, approved ones too); day 4 is left for
	// the next batch, and then nothing is.
	left := openAt(t, e, a.ID)
	diff(t, "left after one batch", []int64{asked[3].ID, asked[4].ID, asked[5].ID}, left)
	for _, want := range []int{1, 0} {
		n, err = e.s.PruneUnanswered(e.ctx, a.ID, cutoff, 3)
		checkErr(t, "PruneUnanswered", err, nil)
		if n != want {
			t.Fatalf("batch pruned %d, want %d", n, want)
		}
	}
	diff(t, "left", []int64{asked[4].ID, asked[5].ID}, openAt(t, e, a.ID))
	// The other shop's older questions are its own business.
	diff(t, "other shop", []int64{asked[6].ID, asked[7].ID}, openAt(t, e, b.ID))
	// The approved draft keeps its record.
	g, err := e.s.GetGap(e.ctx, a.ID, approved.ID)
	checkErr(t, "GetGap", err, nil)
	diff(t, "approved draft", approved, g)
}

// openAt lists a shop's open unanswered questions, oldest first.
func openAt(t *testing.T, e *env, shopID int64) []int64 {
	t.Helper()
	us, err := e.s.ListUnanswered(e.ctx, shopID, time.Time{}, 100)
	checkErr(t, "ListUnanswered", err, nil)
	out := []int64{}
	for i := len(us) - 1; i >= 0; i-- {
		out = append(out, us[i].MessageID)
	}
	return out
}
