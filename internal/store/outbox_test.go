package store_test

import (
	"path/filepath"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestUnreadableFact: a fact whose payload cannot be read comes back empty
// instead of stalling the outbox for every shop.
func TestUnreadableFact(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	db := openFile(t, path, fixedClock)
	if _, err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	shop, err := db.CreateShop(t.Context(), model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: "Asia/Shanghai", IdentitySecret: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if _, err := db.AddFact(t.Context(), store.Fact{ShopID: shop.ID, Kind: store.FactOffline, ConversationID: int64(i + 1),
			Data: store.FactData{Rating: 2}}, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rawSQL(t, path).Exec(`UPDATE notify_facts SET payload = '{not json' WHERE conversation_id = 1`); err != nil {
		t.Fatal(err)
	}
	fs, err := db.ListFacts(t.Context(), 10)
	if err != nil {
		t.Fatalf("ListFacts: %v", err)
	}
	if len(fs) != 2 || fs[0].Data.Rating != 0 || fs[1].Data.Rating != 2 {
		t.Fatalf("facts %+v: want the unreadable one empty and the other whole", fs)
	}
}
