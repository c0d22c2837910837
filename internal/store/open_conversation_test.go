package store_test

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestOpenConversationOnce checks that buyers racing to open a conversation
// (two sockets of one visitor sending at once) share one.
func TestOpenConversationOnce(t *testing.T) {
	ctx := t.Context()
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(t.TempDir(), "open.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(ctx, model.Shop{Slug: "s", Name: "s", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.CreateShop(ctx, model.Shop{Slug: "o", Name: "o", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := db.EnsureVisitor(ctx, shop.ID, "v1")
	if err != nil {
		t.Fatal(err)
	}

	const racers = 8
	got := make([]model.Conversation, racers)
	made := make([]bool, racers)
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() { got[i], made[i], errs[i] = db.OpenConversation(ctx, shop.ID, buyer.ID) })
	}
	wg.Wait()
	created := 0
	for i := range racers {
		if errs[i] != nil {
			t.Fatalf("OpenConversation: %v", errs[i])
		}
		if got[i].ID != got[0].ID || got[i].Owner != model.OwnerBot || got[i].BuyerID != buyer.ID {
			t.Fatalf("racer %d got %+v, racer 0 %+v", i, got[i], got[0])
		}
		if made[i] {
			created++
		}
	}
	if created != 1 {
		t.Fatalf("%d racers created a conversation, want 1", created)
	}
	if evs, err := db.ListEvents(ctx, shop.ID, got[0].ID); err != nil || len(evs) != 1 || evs[0].Kind != "opened" {
		t.Fatalf("events %v, %v: want the one opened event", evs, err)
	}

	// Once it is closed, the next open makes a new one.
	if _, _, err := db.ChangeOwner(ctx, store.OwnerChange{ShopID: shop.ID, ConversationID: got[0].ID,
		From: model.OwnerBot, To: model.OwnerClosed, Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	next, made2, err := db.OpenConversation(ctx, shop.ID, buyer.ID)
	if err != nil || !made2 || next.ID == got[0].ID {
		t.Fatalf("open after close: %+v, created %v, %v: want a new conversation", next, made2, err)
	}

	for name, ids := range map[string][2]int64{"another shop's buyer": {other.ID, buyer.ID}, "no such buyer": {shop.ID, buyer.ID + 99}} {
		if _, _, err := db.OpenConversation(ctx, ids[0], ids[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound", name, err)
		}
	}
}
