package store_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// BenchmarkBuyerLookup reads one buyer by the shop's buyer id among 20,000
// on SQLite: the lookup every ingested order, cart item or review makes.
func BenchmarkBuyerLookup(b *testing.B) {
	const buyers = 20000
	db, err := store.Open(b.Context(), store.Options{DSN: filepath.Join(b.TempDir(), "lookup.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	shop, err := db.CreateShop(b.Context(), model.Shop{Slug: "s", Name: "s", Language: "zh-CN", Timezone: "UTC", IdentitySecret: "x"})
	if err != nil {
		b.Fatal(err)
	}
	for lo := 0; lo < buyers; lo += 1000 {
		bs := make([]model.BuyerProfile, 0, 1000)
		for i := lo; i < lo+1000; i++ {
			bs = append(bs, model.BuyerProfile{ExternalID: fmt.Sprintf("u%06d", i)})
		}
		if _, err := db.UpsertBuyers(b.Context(), shop.ID, bs); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		i++
		if _, err := db.GetBuyerProfileByExternal(b.Context(), shop.ID, fmt.Sprintf("u%06d", (i*7919)%buyers)); err != nil {
			b.Fatal(err)
		}
	}
}
