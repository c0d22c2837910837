package stats

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// olderCount is the store of an installation whose rollups an older
// computation made: it reports version 0 until a rebuild starts, and
// records the rebuilds started.
type olderCount struct {
	*store.DB
	started []int
}

func (o *olderCount) StatsShops(ctx context.Context) ([]store.StatsShop, error) {
	shops, err := o.DB.StatsShops(ctx)
	if len(o.started) == 0 {
		for i := range shops {
			shops[i].Version = 0
		}
	}
	return shops, err
}

func (o *olderCount) StartStatsRebuild(ctx context.Context, shopID int64, timezone string, version int) error {
	o.started = append(o.started, version)
	return o.DB.StartStatsRebuild(ctx, shopID, timezone, version)
}

// TestOlderComputationRebuilds: after an upgrade that changed what a
// conversation counts (ContributionVersion), the job rebuilds the shop once
// and the figures are those of a fresh count; the version is kept.
func TestOlderComputationRebuilds(t *testing.T) {
	ctx := context.Background()
	w := build(t, "Asia/Shanghai", "2025-04-01", 3, 40, 5)
	w.settle(t)
	q := "from=2025-04-01&to=2025-04-04"
	before := snapshot(t, w, q)
	shops, err := w.g.db.StatsShops(ctx)
	must(t, err)
	if len(shops) != 1 || shops[0].Version != ContributionVersion || shops[0].Rebuilding {
		t.Fatalf("after the first count: %+v, want version %d, not rebuilding", shops, ContributionVersion)
	}

	older := &olderCount{DB: w.g.db}
	svc := New(Options{Store: older, Now: w.g.clk.Now})
	must(t, svc.Refresh(ctx))
	if !reflect.DeepEqual(older.started, []int{ContributionVersion}) {
		t.Fatalf("rebuilds started %v, want one to version %d", older.started, ContributionVersion)
	}
	must(t, svc.Refresh(ctx))
	if len(older.started) != 1 {
		t.Fatalf("rebuilds started %v: the version was not kept", older.started)
	}
	if got := snapshot(t, w, q); !reflect.DeepEqual(got, before) {
		t.Fatal("the rebuild changed figures the computation did not change")
	}
}

// TestImageIsNoQuestion: a buyer's image the bot once answered as text
// (before it acknowledged images) is neither a turn nor an unanswered
// question.
func TestImageIsNoQuestion(t *testing.T) {
	at := time.Date(2025, 4, 1, 10, 0, 0, 0, time.UTC)
	fallback := `{"explain":{"step":"fallback","decision":"fallback","intent":{"id":"other"}}}`
	sc := &store.StatsConversation{
		Conversation: model.Conversation{ID: 1, ShopID: 1, BuyerID: 7, Owner: model.OwnerBot, CreatedAt: at},
		Messages: []model.Message{
			{ID: 10, Sender: model.SenderBuyer, Kind: model.KindImage, Body: "/uploads/1/abc.png", CreatedAt: at},
			{ID: 11, Sender: model.SenderBot, ClientID: "bot-10", Body: "抱歉", Meta: fallback, CreatedAt: at.Add(time.Second)},
			{ID: 12, Sender: model.SenderBuyer, Kind: model.KindText, Body: "qwxz zzkv", CreatedAt: at.Add(time.Minute)},
			{ID: 13, Sender: model.SenderBot, ClientID: "bot-12", Body: "抱歉", Meta: fallback, CreatedAt: at.Add(time.Minute + time.Second)},
		},
	}
	c := Contribution(sc, time.UTC, at.Add(time.Hour))
	var turns int64
	for _, e := range c.Entries {
		if e.Key.Metric == mTurn {
			turns += e.N
		}
	}
	if turns != 1 || len(c.Unanswered) != 1 || c.Unanswered[0].Text != "qwxz zzkv" {
		t.Errorf("turns %d, unanswered %+v; want the text message only", turns, c.Unanswered)
	}
}
