package store_test

import (
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/model"
)

// TestWithClock checks that a copy with another clock stamps what it writes
// with that clock (conversations, events, messages, agent statuses), shares
// the original's data, and leaves the original open when closed.
func TestWithClock(t *testing.T) {
	db := openSQLite(t, fixedClock)
	ctx := t.Context()
	past := fixedClock().Add(-72 * time.Hour)
	old := db.WithClock(func() time.Time { return past })
	shop, err := old.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", Timezone: "Asia/Shanghai"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := old.EnsureVisitor(ctx, shop.ID, "v")
	if err != nil {
		t.Fatal(err)
	}
	c, err := old.CreateConversation(ctx, shop.ID, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := old.AppendMessage(ctx, model.Message{ShopID: shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: b.ID, Body: "在吗"})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	later, _, err := db.AppendMessage(ctx, model.Message{ShopID: shop.ID, ConversationID: c.ID, Sender: model.SenderBuyer, SenderID: b.ID, Body: "还在吗"})
	if err != nil {
		t.Fatalf("the original after the copy closed: %v", err)
	}
	got, err := db.GetConversation(ctx, shop.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := db.ListEvents(ctx, shop.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for what, at := range map[string]time.Time{"conversation": got.CreatedAt, "opened event": evs[0].CreatedAt, "message": m.CreatedAt} {
		if !at.Equal(past) {
			t.Errorf("%s at %v, want the copy's clock %v", what, at, past)
		}
	}
	if !later.CreatedAt.Equal(fixedClock()) || later.Seq != 2 {
		t.Errorf("the original's message: seq %d at %v, want 2 at %v", later.Seq, later.CreatedAt, fixedClock())
	}
}
